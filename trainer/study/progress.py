"""The console of a long study (a sweep, a search): one line per run that ends, and one live
line that says where the whole stands.

On a terminal the live line is redrawn in place (at most once a second) below the lines of
the runs that ended; elsewhere (a log file, CI, nohup) it is printed as a line of its own
every LOG_EVERY_S seconds, so a log shows progress without a line per redraw.
"""

import shutil
import sys
import time

LOG_EVERY_S = 60
REDRAW_EVERY_S = 1.0


def format_duration(seconds):
    """'4 min 05 s', '1 h 02 min', '12 s'."""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"


class Progress:
    """say(line): a line that stays (a run ended); show(status): the live line."""

    def __init__(self, stream=None, clock=time.monotonic):
        self._stream, self.clock = stream, clock  # sys.stdout looked up when written to: Tune pickles its callbacks
        self.live = self.stream.isatty()
        self.status, self.drawn, self.last_shown = "", False, None

    @property
    def stream(self):
        return self._stream or sys.stdout

    def say(self, line):
        self._clear()
        print(line, file=self.stream, flush=True)
        self._draw()

    def show(self, status, now=False):
        """Sets the live line: drawn at once if now, else when its turn comes (a redraw a second
        on a terminal, a logged line every LOG_EVERY_S seconds elsewhere)."""
        self.status = status
        every = REDRAW_EVERY_S if self.live else LOG_EVERY_S
        if now or self.last_shown is None or self.clock() - self.last_shown >= every:
            if self.live:
                self._clear()
                self._draw()
            else:
                print(status, file=self.stream, flush=True)
            self.last_shown = self.clock()

    def close(self):
        self._clear()

    def _clear(self):
        if self.live and self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.drawn = False

    def _draw(self):
        if self.live and self.status:
            width = shutil.get_terminal_size((120, 20)).columns
            text = self.status if len(self.status) < width else self.status[: width - 2] + "…"
            self.stream.write(text)
            self.stream.flush()
            self.drawn = True
