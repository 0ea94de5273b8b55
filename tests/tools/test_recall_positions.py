"""tools.recall_positions: a copy run's accuracy at each recall position, on the same test split
the run was scored on, and one line for runs it cannot read."""

import json
import os

import pytest


@pytest.fixture(scope="module")
def copy_run(tiny_finished_run):
    return tiny_finished_run("copy")


def test_positions_average_to_the_runs_own_test_accuracy(command, copy_run):
    result = command("tools.recall_positions", f"--runs={copy_run}")
    assert result.returncode == 0, result.stderr
    with open(os.path.join(copy_run, "results.json")) as f:
        accuracies = {entry["distance"]: entry["accuracy"]["accuracy"] for entry in json.load(f)["by_distance"]}
    lines = result.stdout.splitlines()
    assert lines[0].startswith(os.path.basename(copy_run) + ": gru (default), learning rate ")
    assert lines[1].split() == ["distance", *map(str, range(1, 11)), "whole", "mean"]
    rows = {int(line.split()[0]): [float(x) for x in line.split()[1:]] for line in lines[2:]}
    assert sorted(rows) == sorted(accuracies)
    for distance, values in rows.items():
        positions, whole, mean = values[:10], values[10], values[11]
        assert mean == pytest.approx(accuracies[distance], abs=0.00005)  # the accuracy the run reported
        assert sum(positions) / 10 == pytest.approx(mean, abs=0.0006)
        assert whole <= min(positions)


def test_bad_runs_are_one_line(command, tmp_path, copy_run):
    adding = tmp_path / "adding-gru-d3-s0-x"
    adding.mkdir()
    for name, document in (("config.json", {"task": "adding"}), ("results.json", {})):
        (adding / name).write_text(json.dumps(document))
    (adding / "checkpoint.keras").write_text("")
    cases = [
        ([], "give --runs=DIR[,DIR...]: finished runs of a task that recalls several symbols (copy)"),
        ([f"--runs={tmp_path / 'nope'}"],
         f"run {str(tmp_path / 'nope')!r} has no config.json; give finished run directories of a task that recalls "
         f"several symbols (copy), with their checkpoint"),
        ([f"--runs={copy_run},{adding}"],
         f"run {str(adding)!r} is a run of task 'adding'; accuracy by recall position is for tasks that recall "
         f"several symbols: copy"),
    ]
    for flags, message in cases:
        result = command("tools.recall_positions", *flags)
        assert (result.returncode, result.stdout, result.stderr) == (2, "", f"error: {message}\n")
