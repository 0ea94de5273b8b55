"""Training and studying recurrent cells against distance.

    cells/        the recurrent cells and their loop (the bottom layer, beside data/)
    config, model, train (with callbacks, rundir, results, memory, distribute),
    evaluate (with accuracy, probes)      one run: `make train`
    dashboards/   what TensorBoard shows, figures and tables
    study/        many runs on Ray: the sweep and the memory-horizon search
    preview, sweep, horizon               the other commands' command lines

Importing the package first takes the Keras backend from the command line (--backend=jax,
common.backend), then on the TensorFlow backend imports TensorFlow quietly, so that every
command starts without TensorFlow's start-up lines. The cells and the model import no
TensorFlow: on another backend they run where TensorFlow is not installed.
"""

import sys

from common import backend

backend.choose_from_command_line(sys.argv)
backend.import_keras()
