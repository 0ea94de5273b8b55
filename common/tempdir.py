"""A temp directory of one's own, removed afterwards: what a command, its child processes
and the libraries it calls put in the system temp directory goes there instead.

Libraries leave things behind in the temp directory: TensorFlow Datasets makes an empty
directory for every evaluation set it builds (tmp...tfds), and a Ray started by a command
keeps its session's logs and sockets in <temp>/ray. private_tempdir() points Python's
tempfile and the TMPDIR of this process and its children (Ray's nodes and workers, which read
TMPDIR) at a new directory and removes it when the block ends, however it ends.
"""

import contextlib
import os
import shutil
import tempfile

PREFIX = "rnnd-"  # short: Ray puts Unix sockets below TMPDIR, whose paths may not exceed 107 bytes


@contextlib.contextmanager
def private_tempdir():
    """Yields a new directory below the current temp directory, set as the temp directory of
    this process (tempfile, TMPDIR) for the block; restores both and removes it afterwards."""
    path = tempfile.mkdtemp(prefix=PREFIX)
    saved_environ, saved_tempdir = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"] = tempfile.tempdir = path
    try:
        yield path
    finally:
        tempfile.tempdir = saved_tempdir
        if saved_environ is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved_environ
        shutil.rmtree(path, ignore_errors=True)
