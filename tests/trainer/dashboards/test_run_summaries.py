"""What TensorBoard itself serves from a run's logs: a TensorBoard on 127.0.0.1 (a port of its
own, stopped by its process id) answers the HParams, scalars and custom-scalars APIs that its
dashboards call, and the answers are the declared settings and metrics, training curves at
training steps, and the curves of other axes in runs named after their axis."""

import json
import os
import time
import urllib.parse
import urllib.request

import pytest

from trainer import rundir, train
from trainer.dashboards import hparams
from trainer.config import Config
from tools.screenshots import TensorBoardServer

# A TensorBoard server of its own; one test process runs the module, so its fixture is made once.
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("dashboards")]


@pytest.fixture(scope="session")  # once per test process: xdist may interleave other modules
def served(tmp_path_factory, eval_data_dir):
    """Two tiny runs (lstm and rnn on agreement) served by TensorBoard; yields (get, post, run names)."""
    logdir = tmp_path_factory.mktemp("logs")
    names = []
    for cell in ("lstm", "rnn"):
        config = Config(task="agreement", cell=cell, distance=3, units=4, embedding=4, batch_size=8, steps=4,
                        eval_every=2, eval_distances=(1, 3, 5), logdir=str(logdir), data_dir=eval_data_dir)
        workdir = rundir.run_directory(config)
        train.train_and_evaluate(config, workdir)
        names.append(os.path.basename(workdir))
    server = TensorBoardServer(str(logdir))

    def get(path, **query):
        url = server.url + "data/" + path + ("?" + urllib.parse.urlencode(query) if query else "")
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.loads(response.read())

    def post(path, body):
        request = urllib.request.Request(server.url + "data/" + path, data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    try:
        server.wait_until_ready()
        deadline = time.time() + 60  # --reload_interval=0 loads the logs once, after the server is up
        while not set(names) <= set(get("runs")):
            assert time.time() < deadline, f"TensorBoard never listed the runs {names}"
            time.sleep(0.5)
        yield get, post, names
    finally:
        server.stop()


def test_hparams_dashboard_shows_exactly_the_declared_settings_and_metrics(served):
    _, post, names = served
    experiment = post("plugin/hparams/experiment", {"experimentName": ""})
    shown = [info["name"] for info in experiment["hparamInfos"]]
    assert sorted(shown) == sorted(hparams.SETTINGS)
    assert shown[:5] == sorted(hparams.SETTINGS_SHOWN_FIRST)  # the columns ticked by default
    assert sorted(info["name"]["tag"] for info in experiment["metricInfos"]) == sorted(tag for tag, _, _ in hparams.METRICS)
    groups = post("plugin/hparams/session_groups", {"experimentName": "", "allowedStatuses": [
        "STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"], "colParams": [], "startIndex": 0,
        "sliceSize": 10})
    sessions = {group["name"]: group for group in groups["sessionGroups"]}
    assert set(sessions) == set(names)
    lstm = sessions[names[0]]
    assert set(lstm["hparams"]) == set(hparams.SETTINGS)
    assert lstm["hparams"]["cell"] == "lstm" and lstm["hparams"]["task"] == "agreement"
    # Whole numbers arrive as text the dashboard prints as they are ("3", not "3.0000"), right-aligned
    # so that they sort as numbers; reals stay numbers.
    types = {info["name"]: info.get("type") for info in experiment["hparamInfos"]}
    assert all(types[name] == "DATA_TYPE_STRING" for name in hparams.INTEGER_SETTINGS)
    assert lstm["hparams"]["distance"] == "      3" and lstm["hparams"]["units"] == "      4"
    assert lstm["hparams"]["attractors"] == "chance" and lstm["hparams"]["learning_rate"] == 3e-3
    metrics = {m["name"]["tag"]: m["value"] for m in lstm["metricValues"]}
    assert set(metrics) >= {"final/accuracy_at_train_distance", "final/generalisation_horizon", "final/mean_accuracy"}


def test_training_curves_are_at_training_steps_and_other_axes_have_runs_of_their_own(served):
    get, _, names = served
    tags = get("plugin/scalars/tags")
    run = names[0]
    assert set(tags[run]) >= {"training/loss", "validation/loss", "validation/accuracy"}
    assert not [tag for tag in tags[run] if tag.startswith(("epoch_", "accuracy_", "reference_", "gradient/", "gates/"))]
    for tag in ("training/loss", "validation/accuracy"):
        assert [step for _, step, _ in get("plugin/scalars/scalars", run=run, tag=tag)] == [2, 4]
    for distance in (1, 3, 5):
        points = get("plugin/scalars/scalars", run=f"{run}/d{distance:04d}", tag="validation/accuracy_at_distance")
        assert [step for _, step, _ in points] == [2, 4]
    curve = get("plugin/scalars/scalars", run=f"{run}/by_distance", tag="accuracy_by_distance/test")
    assert [step for _, step, _ in curve] == [1, 3, 5]
    lags = get("plugin/scalars/scalars", run=f"{run}/by_lag", tag="gradient/log10_norm_trained")
    assert [step for _, step, _ in lags] == list(range(len(lags))) and len(lags) > 3
    assert set(tags[f"{run}/by_attractors"]) == {"accuracy_vs_attractors/test", "accuracy_vs_attractors/test_low",
                                                 "accuracy_vs_attractors/test_high"}
    assert {f"{run}/by_time_step", f"{run}/by_nearest_noun", f"{run}/by_preamble"} <= set(tags)
    assert f"{names[1]}/by_time_step" not in tags  # the rnn has no gates


def test_custom_scalars_chart_accuracy_against_distance_with_its_interval(served):
    get, _, _ = served
    layout = get("plugin/custom_scalars/layout")
    charts = {chart["title"]: chart for category in layout["category"] for chart in category["chart"]}
    margin = next(chart for title, chart in charts.items() if title.startswith("accuracy with its 95% interval"))
    assert margin["margin"]["series"][0] == {"value": "accuracy_by_distance/test",
                                             "lower": "accuracy_by_distance/test_low",
                                             "upper": "accuracy_by_distance/test_high"}
    # One series per margin chart: TensorBoard lists a run that has some but not all of a margin
    # chart's tags under "Missing Tags", which two series did for every run but by_distance.
    assert all(len(chart["margin"]["series"]) == 1 for chart in charts.values() if "margin" in chart)
    chance = next(chart for title, chart in charts.items() if title.startswith("accuracy and chance"))
    assert chance["multiline"]["tag"] == ["^(accuracy_by_distance/test|reference_by_distance/chance)$"]
    per_distance = next(chart for title, chart in charts.items() if title.startswith("validation accuracy at each"))
    assert per_distance["multiline"]["tag"] == ["^validation/accuracy_at_distance$"]
