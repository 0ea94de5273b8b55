"""notebooks/colab.ipynb runs top to bottom headless, with a tiny parameter set.

Cells tagged colab-only (clone and pip install) and tensorboard-server (starts a server)
are left out; an error in any other cell fails the test. The tiny parameters go in a cell
right after the cell tagged parameters, the way papermill injects them.
"""

import os

import nbformat
import pytest
from nbclient import NotebookClient
from traitlets.config import Config

# A notebook kernel and a Ray; one test process runs the module, so its fixture is made once.
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("notebook")]

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
NOTEBOOK = os.path.join(ROOT, "notebooks", "colab.ipynb")
SKIPPED_TAGS = {"colab-only", "tensorboard-server"}


def tags(cell):
    return set(cell.get("metadata", {}).get("tags", []))


def tiny_parameters(logdir):
    return f"""
CELL = "lstm"
BACKEND = "tensorflow"
TASK = "agreement"
DISTANCE = 3
STEPS = 4
EVAL_EVERY = 2
UNITS = 4
SWEEP_OVERRIDES = {{"cells": ["gru"], "tasks": ["agreement"], "distances": (2,), "steps": 2, "units": 4}}
LOGDIR = {logdir!r}
"""


@pytest.fixture(scope="session")  # once per test process: xdist may interleave other modules
def executed(tmp_path_factory):
    logdir = str(tmp_path_factory.mktemp("notebook_logs"))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    cells = [cell for cell in notebook.cells if not tags(cell) & SKIPPED_TAGS]
    position = next(i for i, cell in enumerate(cells) if "parameters" in tags(cell))
    cells.insert(position + 1, nbformat.v4.new_code_cell(tiny_parameters(logdir), metadata={"tags": ["injected-parameters"]}))
    notebook.cells = cells
    # The kernel talks over Unix sockets, not TCP ports: a port picked free can be taken by
    # a Ray or TensorBoard of another test process before the kernel binds it.
    sockets = os.path.join(str(tmp_path_factory.mktemp("kernel")), "kernel")
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            config=Config({"KernelManager": {"transport": "ipc", "ip": sockets}}),
                            resources={"metadata": {"path": os.path.join(ROOT, "notebooks")}})
    client.execute()
    return notebook, logdir


def outputs(notebook, kind):
    return [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
            if kind in output.get("data", {}) or output.get("name") == kind]


def test_notebook_has_the_guarded_cells():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    sources = {tag: cell.source for cell in notebook.cells for tag in tags(cell)}
    assert "pip" in sources["colab-only"] and "google.colab" in sources["colab-only"]
    assert sources["tensorboard-server"].startswith("%load_ext tensorboard")
    assert "CELL =" in sources["parameters"]


def test_notebook_runs_headless(executed):
    notebook, logdir = executed
    printed = "".join(output["text"] for output in outputs(notebook, "stdout"))
    assert "recall  " in printed and printed.count("attractors 1") == 3  # both tasks previewed
    runs = [name for name in os.listdir(logdir) if name.startswith("agreement-lstm-d3-s0-")]
    assert len(runs) == 1 and os.path.isfile(os.path.join(logdir, runs[0], "results.json"))
    assert "sweep of 1 runs done" in printed
    final_metrics = [output["data"]["text/plain"] for output in outputs(notebook, "text/plain")]
    assert any("mean_accuracy" in text for text in final_metrics)


def test_notebook_shows_the_summary(executed):
    notebook, logdir = executed
    images = outputs(notebook, "image/png")
    summary_dir = os.path.join(logdir, "sweep-quick", "summary")
    pngs = [name for name in os.listdir(summary_dir) if name.endswith(".png")]
    assert len(images) == len(pngs) >= 4
    assert any("| cell | d=2 |" in output["data"]["text/markdown"] for output in outputs(notebook, "text/markdown"))
