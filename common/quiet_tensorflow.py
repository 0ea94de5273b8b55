"""Imports TensorFlow without its start-up INFO lines.

TensorFlow 2.20+ prints INFO lines from C++ while it loads ("oneDNN custom operations are
on", "Could not find cuda drivers", ...) before it reads TF_CPP_MIN_LOG_LEVEL, so they
show even when that variable asks to hide INFO; and where CUDA's library is installed but
there is no GPU, looking for GPUs prints an error line ("failed call to cuInit") that says
only that. When TF_CPP_MIN_LOG_LEVEL is 1 or more (1 unless set otherwise),
import_tensorflow() imports TensorFlow and looks for GPUs while it catches what is written
to file descriptor 2, then writes back every line except those INFO lines and, if no GPU
was found, the cuInit line, so other warnings and errors still show.
TF_CPP_MIN_LOG_LEVEL=0 shows everything.
"""

import os
import sys
import tempfile

_INFO_PREFIXES = ("I0000 ", "WARNING: All log messages before absl::InitializeLog()")
_NO_GPU_LINE = "failed call to cuInit"  # CUDA's complaint on a machine with its library and no GPU


def import_tensorflow():
    """Imports and returns the tensorflow module, hiding its start-up INFO lines if asked to."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    if "tensorflow" in sys.modules or int(os.environ["TF_CPP_MIN_LOG_LEVEL"] or 0) < 1:
        import tensorflow

        return tensorflow
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        gpus = None
        try:
            import tensorflow

            gpus = tensorflow.config.list_physical_devices("GPU")
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            for line in captured.read().decode(errors="replace").splitlines(keepends=True):
                if not line.startswith(_INFO_PREFIXES) and not (gpus == [] and _NO_GPU_LINE in line):
                    sys.stderr.write(line)
            sys.stderr.flush()
    return tensorflow
