"""The only two private Keras imports of the project, kept in one place.

- DropoutRNNCell: keras.layers.RNN creates the per-sequence dropout masks before its loop
  only for cells that are instances of this mixin (keras.layers.RNN.call); a mask first
  created inside a TensorFlow while-loop cannot be reused by the later steps. Keras
  exposes no public alias for it.
- rnn: the backend's recurrence loop (a tf.while_loop, or unrolled), which keras.layers.RNN
  runs in inner_loop(); trainer.cells.layer.Recurrent runs it with its own step (weights
  read once, inputs maybe already projected) and its own choice of unrolling. Keras
  exposes it only as keras.src.backend.rnn.
"""

from keras.src.backend import rnn  # noqa: F401
from keras.src.layers.rnn.dropout_rnn_cell import DropoutRNNCell  # noqa: F401
