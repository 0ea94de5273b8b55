"""Training and studying recurrent cells against distance.

    cells/        the recurrent cells and their loop (the bottom layer, beside data/)
    config, model, train (with callbacks, rundir, results, memory, distribute),
    evaluate (with accuracy, probes)      one run: `make train`
    dashboards/   what TensorBoard shows, figures and tables
    study/        many runs on Ray: the sweep and the memory-horizon search
    preview, sweep, horizon               the other commands' command lines

Importing the package imports TensorFlow quietly (common.quiet_tensorflow), so that every
command starts without TensorFlow's start-up lines.
"""

from common.quiet_tensorflow import import_tensorflow

import_tensorflow()
