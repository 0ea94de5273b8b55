"""tools.gpu_bench: at --tiny size, in a process where TensorFlow (and the other packages a GPU
machine without a registry lacks: TFDS, h5py, matplotlib, dm-tree) cannot be imported, it
prints a positive rate for every cell asked for and a row for each P of the vmapped table."""

import importlib.util
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ABSENT = ("tensorflow", "tensorflow_datasets", "tf_keras", "h5py", "matplotlib", "tree")

# Put on PYTHONPATH, Python imports it at start-up: importing any of ABSENT then raises
# ModuleNotFoundError, as where they are not installed.
BLOCKER = textwrap.dedent(f"""\
    import importlib.abc, importlib.machinery, sys

    class Absent(importlib.abc.MetaPathFinder, importlib.abc.Loader):
        def find_spec(self, name, path=None, target=None):
            return importlib.machinery.ModuleSpec(name, self) if name.partition(".")[0] in {ABSENT!r} else None

        def create_module(self, spec):
            raise ModuleNotFoundError(f"No module named {{spec.name!r}} (absent in this test)", name=spec.name)

        def exec_module(self, module):
            pass

    sys.meta_path.insert(0, Absent())
    """)


@pytest.fixture(scope="module")
def without_tensorflow(tmp_path_factory):
    """run(*args) -> CompletedProcess of `python -m tools.gpu_bench *args` with ABSENT blocked."""
    blocker = tmp_path_factory.mktemp("absent")
    (blocker / "sitecustomize.py").write_text(BLOCKER)
    path = [str(blocker), ROOT, *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}

    def run(*args):
        return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)

    return run


def tables(stdout):
    """{title: [row as a list of cells]} of the Markdown tables printed."""
    found, title = {}, None
    for line in stdout.splitlines():
        if line.startswith("|") and title is not None:
            found.setdefault(title, []).append([cell.strip() for cell in line.strip("|").split("|")])
        elif line.strip():
            title = line
    return {title: rows[2:] for title, rows in found.items()}  # header and --- lines left out


def table(found, start):
    (rows,) = [rows for title, rows in found.items() if title.startswith(start)]
    return rows


@pytest.mark.integration  # starts a Python program
def test_the_blocker_blocks(without_tensorflow):
    result = without_tensorflow("-c", "import tensorflow")
    assert result.returncode != 0 and "No module named 'tensorflow' (absent in this test)" in result.stderr


@pytest.mark.integration
def test_tiny_run_without_tensorflow_times_every_cell_and_every_p(without_tensorflow):
    result = without_tensorflow("-m", "tools.gpu_bench", "--tiny", "--notorch", "--cells=gru",
                                "--vmap_cells=rnn", "--seeds_per_program=1,8")  # the cheapest to compile: a program per P
    assert result.returncode == 0, result.stderr
    found = tables(result.stdout)
    assert "- PyTorch: left out" in result.stdout and not any(title.startswith("PyTorch") for title in found)
    keras_rows = table(found, "Keras on JAX")
    assert [(row[0], row[1]) for row in keras_rows] == [("8x22", "gru")]
    assert all(float(row[2]) > 0 for row in keras_rows)
    vmapped = table(found, "P seeds as one program")
    assert [(row[1], row[2]) for row in vmapped] == [("rnn", "1"), ("rnn", "8")]
    for row in vmapped:
        steps, model_steps = float(row[3]), float(row[4])
        assert steps > 0 and model_steps == pytest.approx(int(row[2]) * steps, rel=0.01)


@pytest.mark.integration
def test_pytorch_table_where_pytorch_is_installed(without_tensorflow):
    if importlib.util.find_spec("torch") is None:
        pytest.skip("PyTorch is not installed in this environment (it is no project dependency)")
    result = without_tensorflow("-m", "tools.gpu_bench", "--tiny", "--torch", "--cells=rnn", "--vmap_cells=rnn",
                                "--seeds_per_program=2")
    assert result.returncode == 0, result.stderr
    rows = table(tables(result.stdout), "PyTorch on")
    assert [row[1] for row in rows] == ["nn.LSTM", "nn.GRU"] and all(float(row[2]) > 0 for row in rows)


@pytest.mark.integration
def test_a_bad_shape_is_one_line(without_tensorflow):
    result = without_tensorflow("-m", "tools.gpu_bench", "--shapes=64x10", "--notorch")
    assert result.returncode == 2
    assert result.stderr.strip() == ("error: shape '64x10' needs a batch >= 1 and T >= 21 (a copy sequence is its "
                                     "distance + 20 steps)")
