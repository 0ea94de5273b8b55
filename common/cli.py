"""Command-line plumbing shared by the project's `python -m` entry points.

run(main) parses absl flags and calls main(); a flag that does not parse, a stray
argument, or a ValueError raised by main (the project's way of rejecting bad input)
ends the program with one line on stderr, "error: ...", and exit status 2. A Stop raised
by main ends it with its own one-line message and exit status.
"""

import sys

from absl import flags

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
    try:
        main()
    except ValueError as error:
        fail(str(error).splitlines()[0])
    except Stop as stop:
        print(f"stopped: {stop}", file=sys.stderr)
        sys.exit(stop.status)
