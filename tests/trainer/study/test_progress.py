"""The console of a study: lines that stay, and one live line redrawn on a terminal or logged
now and then elsewhere."""

import io

from trainer.study.progress import LOG_EVERY_S, Progress, format_duration


class Terminal(io.StringIO):
    def isatty(self):
        return True


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_on_a_terminal_the_live_line_is_redrawn_below_the_lines_that_stay():
    screen, clock = Terminal(), Clock()
    progress = Progress(screen, clock)
    progress.show("[1 s] 0 of 4 runs done")
    progress.say("copy-gru-d5-s0: solved at step 500")
    clock.now = 0.5
    progress.show("[2 s] 1 of 4 runs done")  # too soon: kept for the next redraw
    clock.now = 2
    progress.show("[3 s] 1 of 4 runs done")
    progress.close()
    assert screen.getvalue() == ("[1 s] 0 of 4 runs done\r\033[Kcopy-gru-d5-s0: solved at step 500\n"
                                 "[1 s] 0 of 4 runs done\r\033[K[3 s] 1 of 4 runs done\r\033[K")


def test_in_a_log_the_live_line_is_a_line_now_and_then():
    log, clock = io.StringIO(), Clock()
    progress = Progress(log, clock)
    for second in range(0, 3 * LOG_EVERY_S, 10):
        clock.now = second
        progress.show(f"[{second} s] working")
        if second == 20:
            progress.say("a run ended")
    assert log.getvalue().splitlines() == ["[0 s] working", "a run ended", "[60 s] working", "[120 s] working"]


def test_durations_read_as_people_say_them():
    assert [format_duration(s) for s in (12, 245, 3720)] == ["12 s", "4 min 05 s", "1 h 02 min"]
