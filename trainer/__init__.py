"""Training: the cells, the model, the training loop, evaluation and TensorBoard output."""

from data.quiet_tensorflow import import_tensorflow

import_tensorflow()
