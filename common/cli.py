"""Command-line plumbing shared by the project's `python -m` entry points.

run(main) parses absl flags and calls main(); a flag that does not parse, a stray
argument, or a ValueError raised by main (the project's way of rejecting bad input)
ends the program with one line on stderr, "error: ...", and exit status 2. A Stop raised
by main ends it with its own one-line message and exit status; a write that found no room
left on its device ends it with one line naming the directory and what was being written,
and exit status 4. SIGTERM is taken as Ctrl-C, so a command stopped either way ends as
interrupted (exit status 130) after the same clean-up. main() runs with a temp directory of
its own (common.tempdir), removed when it ends.
"""

import signal
import sys
import threading

from absl import flags

from common.files import EXIT_NO_ROOM, NoRoom, is_no_room
from common.tempdir import private_tempdir

USAGE_ERROR = 2
EXIT_INTERRUPTED = 130  # Ctrl-C: the same command resumes


class Stop(Exception):
    """Ends a command-line program early with a one-line message and an exit status."""

    def __init__(self, message, status):
        super().__init__(message)
        self.status = status


def fail(message):
    """Prints one error line to stderr and exits with status 2."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(USAGE_ERROR)


def parse_positive_integers(name, values):
    """A list flag's strings -> a tuple of ints (None stays None); a ValueError names the first
    value that is not a positive integer."""
    if values is None:
        return None
    parsed = []
    for value in values:
        if not value.strip().isdigit() or int(value) < 1:
            raise ValueError(f"{name} must be positive integers, got {value!r}")
        parsed.append(int(value))
    return tuple(parsed)


HELP_FLAGS = ("--help", "-h", "--helpshort", "-?")


def run(main, argv=None):
    """Parses sys.argv (or argv) into absl's FLAGS, then calls main() with one-line errors.

    --help prints the program's own flags, --helpfull every flag, and exits with status 0.
    """
    argv = sys.argv if argv is None else argv
    if any(arg in HELP_FLAGS for arg in argv[1:]):
        print(sys.modules["__main__"].__doc__ or "")
        print(flags.FLAGS.main_module_help())
        sys.exit(0)
    if "--helpfull" in argv[1:]:
        print(flags.FLAGS.get_help())
        sys.exit(0)
    try:
        extra = flags.FLAGS(argv)[1:]
    except flags.Error as error:
        fail(str(error).splitlines()[0])
    if extra:
        fail(f"unexpected arguments {' '.join(extra)!r}; every setting is a --flag (see --help)")
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        with private_tempdir():
            main()
    except NoRoom as error:
        _stop(f"error: {error}; free some space there, then run the same command again: it goes on from what was "
              f"written whole", EXIT_NO_ROOM)
    except ValueError as error:
        fail(str(error).splitlines()[0])
    except Stop as stop:
        _stop(f"stopped: {stop}", stop.status)
    except KeyboardInterrupt:
        _stop("stopped: interrupted", EXIT_INTERRUPTED)
    except Exception as error:
        if not is_no_room(error):
            raise
        _stop(f"error: no room left on the device: {str(error).splitlines()[0]}; free some space, then run the same "
              f"command again", EXIT_NO_ROOM)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _stop(line, status):
    print(line, file=sys.stderr)
    sys.exit(status)
