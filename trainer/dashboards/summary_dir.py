"""A summary directory of the study (the sweep's summary, the search's report): figures as PNG
files, tables as markdown, and the same as a TensorBoard run of its own."""

import os

from common.quiet_tensorflow import import_tensorflow
from trainer.dashboards import figures, run_summaries

tf = import_tensorflow()


class SummaryDirectory:
    """A summary directory, on disk and as TensorBoard runs: each figure as a PNG file and a
    TensorBoard image (tag <prefix>/<name>), tables as text, and curves as scalars in a
    sub-run per x axis (by_<axis>, run_summaries.AxisRuns), so that a run's step means one thing.
    It first removes the previous summary's event files, figures and sub-runs."""

    def __init__(self, summary_dir, prefix="sweep"):
        self.summary_dir, self.prefix = summary_dir, prefix
        os.makedirs(summary_dir, exist_ok=True)
        for name in os.listdir(summary_dir):
            if name.startswith("events.out.tfevents") or name.endswith(".png"):
                os.remove(os.path.join(summary_dir, name))
        self.axis_runs = run_summaries.AxisRuns(summary_dir)
        self.events = run_summaries.writer(summary_dir)

    def figure(self, name, figure, description):
        png = figures.figure_png(figure)
        with open(os.path.join(self.summary_dir, f"{name}.png"), "wb") as f:
            f.write(png)
        with self.events.as_default():
            run_summaries.write_image(f"{self.prefix}/{name}", png, 0, description)

    def text(self, tag, markdown):
        with self.events.as_default():
            tf.summary.text(tag, markdown, step=0)

    def scalar(self, tag, value, step, axis):
        """tag's value at step, in sub-run by_<axis> (axis: what step is, e.g. distance or lag)."""
        with self.axis_runs.axis(axis).as_default():
            tf.summary.scalar(tag, value, step=step)

    def close(self):
        self.events.close()
        self.axis_runs.close()
