"""Files written whole or not at all, and a full disk said in one line.

write_atomically: a reader (a resumed run, another process, TensorBoard) never sees half of
a file. writing(what, path): a write that fails because the device has no room left (or the
user's quota is used up) becomes NoRoom, which names the directory and what was being written;
the command lines turn it into one line and exit status EXIT_NO_ROOM (common.cli).
"""

import contextlib
import errno
import json
import os
import tempfile

EXIT_NO_ROOM = 4  # a write found no room left: free some space and run the same command again
_NO_ROOM_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
_NO_ROOM_TEXTS = ("No space left on device", "Disk quota exceeded")  # how TensorFlow's C++ writers say it


class NoRoom(Exception):
    """A write failed for want of room on the device that holds path."""

    def __init__(self, what, path):
        self.what, self.path = what, os.path.abspath(path)
        directory = self.path if os.path.isdir(self.path) else os.path.dirname(self.path)
        super().__init__(f"no room left on the device of {directory} while writing {what}")


def is_no_room(error):
    """Whether error, or an error it was raised from, says the device or the quota is full."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno in _NO_ROOM_ERRNOS:
            return True
        if any(text in str(error) for text in _NO_ROOM_TEXTS):
            return True
        error = error.__cause__ or error.__context__
    return False


@contextlib.contextmanager
def writing(what, path):
    """Turns a failure for want of room inside the block into NoRoom(what, path); other
    errors pass unchanged."""
    try:
        yield
    except NoRoom:
        raise
    except Exception as error:
        if is_no_room(error):
            raise NoRoom(what, path) from error
        raise


def write_atomically(path, text, what=None):
    """Writes text to a temporary file beside path, then moves it into place; with no room
    left, raises NoRoom(what or the file's name, path) and leaves neither file half written."""
    directory = os.path.dirname(os.path.abspath(path))
    with writing(what or os.path.basename(path), path):
        handle, partial = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".partial")
        try:
            with os.fdopen(handle, "w") as f:
                f.write(text)
            os.replace(partial, path)
        except BaseException:
            if os.path.exists(partial):
                os.remove(partial)
            raise


def write_json_atomically(path, document, what=None):
    """document as indented JSON (values it cannot write as JSON, as their str())."""
    write_atomically(path, json.dumps(document, indent=2, default=str), what)
