"""Screenshots of the TensorBoard dashboards as a user first sees them, with headless Chromium.

    python -m tools.screenshots                         # train two small runs, then shoot them
    python -m tools.screenshots --logdir=logs/sweep-quick --out=screenshots

Serves --logdir with TensorBoard on 127.0.0.1 (a port it picks), opens each dashboard in
headless Chromium (Debian's `chromium` package: `apt-get install -y chromium`) and saves
one PNG per dashboard in --out, then stops the TensorBoard it started. Without --logdir it
first trains two small runs (agreement, gru and rnn, 600 steps, about a minute each on 2
cores) into a temporary directory, so that there is something to look at. The URLs carry
?forceSVG=true: TensorBoard's WebGL charts can render blank in a headless browser.

This is a tool for looking, not a test: `make screenshots`. Exit status 2 if Chromium is
missing (one line says how to install it).
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

from absl import flags
from tensorboard import manager

from common import cli
from common.checks import check_writable

DASHBOARDS = ("hparams", "timeseries", "custom_scalars", "images", "text")
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
FLAGS = flags.FLAGS


def find_browser():
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    raise ValueError("no Chromium found (looked for chromium, chromium-browser, google-chrome); on Debian: "
                     "apt-get update && apt-get install -y chromium")


def train_demo_runs(logdir):
    """Two small agreement runs (gru, rnn) in logdir, as `make train` would write them."""
    from trainer.config import Config
    from trainer.rundir import run_directory
    from trainer.train import train_and_evaluate

    for cell in ("gru", "rnn"):
        config = Config(task="agreement", cell=cell, distance=5, units=32, steps=600, eval_every=100, logdir=logdir)
        train_and_evaluate(config, run_directory(config))


class TensorBoardServer:
    """TensorBoard on 127.0.0.1 serving logdir, started and stopped by its process id.

    TensorBoard binds a port of its own choosing (--port=0) and records it in its info file
    (tensorboard.manager); url is known once wait_until_ready returns. A port picked free here
    and handed over could be taken by another process before TensorBoard binds it.
    """

    def __init__(self, logdir):
        self.url = None
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tensorboard.main", f"--logdir={logdir}", "--host=127.0.0.1", "--port=0",
             "--reload_interval=0"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def wait_until_ready(self, timeout=120):
        """Blocks until the server answers on its URL; cli.Stop if it exits or is silent past timeout (s)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise cli.Stop(f"TensorBoard exited: {self.process.stderr.read().strip().splitlines()[-1:]}", 1)
            self.url = self.url or self.announced_url()
            try:
                if self.url:
                    with urllib.request.urlopen(self.url + "data/runs", timeout=5) as response:
                        if response.status == 200:
                            return
            except OSError:
                pass
            time.sleep(0.5)
        raise cli.Stop(f"TensorBoard (pid {self.process.pid}) did not answer within {timeout} s", 1)

    def announced_url(self):
        """The URL in this server's info file, or None before it has bound its port."""
        for info in manager.get_all():
            if info.pid == self.process.pid:
                return f"http://127.0.0.1:{info.port}/"
        return None

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def screenshot(browser, url, path, width, height, wait_ms):
    """One PNG of url, as headless Chromium renders it after wait_ms of (virtual) time."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--user-data-dir={profile}",
             f"--window-size={width},{height}", f"--virtual-time-budget={wait_ms}", f"--screenshot={path}", url],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=180, check=False)
    if not os.path.isfile(path):
        raise cli.Stop(f"Chromium wrote no screenshot of {url}", 1)


def main():
    out = os.path.abspath(FLAGS.out)
    check_writable("out", out)
    if FLAGS.logdir is not None and not os.path.isdir(FLAGS.logdir):
        raise ValueError(f"logdir {os.path.abspath(FLAGS.logdir)!r} is not a directory of logs to serve; leave "
                         f"--logdir out to train two small runs for the screenshots")
    browser = find_browser()
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        logdir = FLAGS.logdir
        if logdir is None:
            logdir = os.path.join(scratch, "logs")
            train_demo_runs(logdir)
        server = TensorBoardServer(os.path.abspath(logdir))
        try:
            server.wait_until_ready()
            for dashboard in FLAGS.dashboards:
                path = os.path.join(out, f"{dashboard}.png")
                screenshot(browser, f"{server.url}?forceSVG=true#{dashboard}", path, FLAGS.width, FLAGS.height,
                           FLAGS.wait_ms)
                print(f"{dashboard}: {path}", flush=True)
        finally:
            server.stop()


def define_flags():
    """The command line's flags (only when run as a program)."""
    flags.DEFINE_string("logdir", None, "Logs to serve (default: two small runs trained for the purpose).")
    flags.DEFINE_string("out", "screenshots", "Directory for the PNGs (one per dashboard).")
    flags.DEFINE_list("dashboards", list(DASHBOARDS), "TensorBoard dashboards to shoot.")
    flags.DEFINE_integer("width", 1600, "Browser window width in pixels.")
    flags.DEFINE_integer("height", 1100, "Browser window height in pixels.")
    flags.DEFINE_integer("wait_ms", 20000, "Virtual time Chromium gives a page to load before the screenshot.")


if __name__ == "__main__":
    define_flags()
    cli.run(main)
