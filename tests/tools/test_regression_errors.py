"""tools.regression_errors: a regression run's errors at each distance of its results, on the
same test split the run was scored on, and one line for runs it cannot read."""

import json
import os

import pytest


@pytest.fixture(scope="module")
def adding_run(tiny_finished_run):
    return tiny_finished_run("adding")


def test_errors_agree_with_the_runs_own_test_accuracy(command, adding_run):
    result = command("tools.regression_errors", f"--runs={adding_run}")
    assert result.returncode == 0, result.stderr
    with open(os.path.join(adding_run, "results.json")) as f:
        accuracies = {entry["distance"]: entry["accuracy"]["accuracy"] for entry in json.load(f)["by_distance"]}
    lines = result.stdout.splitlines()
    assert lines[0].startswith(os.path.basename(adding_run) + ": gru (default), learning rate ")
    assert "range distances up to 3" in lines[0]
    assert lines[1].split() == ["distance", "rmse", "bias", "within", "0.04", "within", "0.08"]
    rows = {int(line.split()[0]): [float(x) for x in line.split()[1:]] for line in lines[2:-1]}
    assert sorted(rows) == sorted(accuracies)
    for distance, (rmse, bias, within, within_twice) in rows.items():
        assert within == pytest.approx(accuracies[distance], abs=0.0005)  # the share the run reported
        assert abs(bias) <= rmse + 0.0005 and within <= within_twice
    assert lines[-1].split()[0] == "0.408"  # sqrt(1/6): always predicting 1


def test_bad_runs_are_one_line(command, tmp_path, adding_run):
    agreement = tmp_path / "agreement-gru-d3-s0-x"
    agreement.mkdir()
    for name, document in (("config.json", {"task": "agreement"}), ("results.json", {})):
        (agreement / name).write_text(json.dumps(document))
    (agreement / "checkpoint.keras").write_text("")
    cases = [
        ([], "give --runs=DIR[,DIR...]: finished runs of a task with a real-valued target (adding)"),
        ([f"--runs={tmp_path / 'nope'}"],
         f"run {str(tmp_path / 'nope')!r} has no config.json; give finished run directories of a task with a "
         f"real-valued target (adding), with their checkpoint"),
        ([f"--runs={adding_run},{agreement}"],
         f"run {str(agreement)!r} is a run of task 'agreement'; errors by distance are for tasks with a real-valued target: adding"),
    ]
    for flags, message in cases:
        result = command("tools.regression_errors", *flags)
        assert (result.returncode, result.stdout, result.stderr) == (2, "", f"error: {message}\n")
