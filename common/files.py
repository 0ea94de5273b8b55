"""Files written whole or not at all: a reader (a resumed run, another process, TensorBoard)
never sees half of one."""

import json
import os
import tempfile


def write_atomically(path, text):
    """Writes text to a temporary file beside path, then moves it into place."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, partial = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".partial")
    try:
        with os.fdopen(handle, "w") as f:
            f.write(text)
        os.replace(partial, path)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise


def write_json_atomically(path, document):
    """document as indented JSON (values it cannot write as JSON, as their str())."""
    write_atomically(path, json.dumps(document, indent=2, default=str))
