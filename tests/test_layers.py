"""The import graph runs one way: every module of the project imports only modules of its own
layer or of the layers below it (imports inside functions count too)."""

import ast
import os

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
# Bottom to top. A module belongs to the first layer with a prefix of its name.
LAYERS = (
    ("common",),
    ("data",),
    ("trainer.cells",),
    ("trainer.config", "trainer.accuracy", "trainer.results", "trainer.memory", "trainer.rundir"),
    ("trainer.model", "trainer.checkpoints", "trainer.distribute", "trainer.evaluate", "trainer.probes"),
    ("trainer.dashboards",),
    ("trainer.callbacks", "trainer.train"),
    ("trainer.study",),
    ("trainer.preview", "trainer.sweep", "trainer.horizon", "tools"),
)
PACKAGES = ("common", "data", "trainer", "tools")


def layer_of(module):
    for index, prefixes in enumerate(LAYERS):
        if any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes):
            return index
    if module == "trainer":  # the package itself: its __init__ imports only TensorFlow, quietly
        return 0
    raise AssertionError(f"{module} belongs to no layer")


def project_modules():
    for package in PACKAGES:
        for directory, _, files in os.walk(os.path.join(ROOT, package)):
            for name in files:
                if name.endswith(".py"):
                    path = os.path.join(directory, name)
                    module = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
                    yield module.removesuffix(".__init__"), path


def imported(path, module):
    """The project modules a file imports, anywhere in it."""
    tree = ast.parse(open(path).read())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in names if name.split(".")[0] in PACKAGES and name_is_module(name)}


def name_is_module(name):
    return os.path.isfile(os.path.join(ROOT, *name.split(".")) + ".py") or os.path.isdir(
        os.path.join(ROOT, *name.split(".")))


@pytest.mark.parametrize("module, path", sorted(project_modules()), ids=lambda value: value if "/" not in value else "")
def test_no_module_imports_a_layer_above_its_own(module, path):
    mine = layer_of(module)
    above = sorted(name for name in imported(path, module) if layer_of(name) > mine)
    assert not above, f"{module} (layer {mine}) imports {above}, which are above it"
