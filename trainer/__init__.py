"""Training: the cells, the model, the training loop, evaluation and TensorBoard output."""

from common.quiet_tensorflow import import_tensorflow

import_tensorflow()
