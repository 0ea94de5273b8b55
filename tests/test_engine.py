"""The sweep engine's parts that need no running Ray: resource checks, the shared-storage
check a node runs, trial keys, and what a trial's last report means."""

import json
import os

import pytest

from trainer import cluster, engine, summaries
from trainer.config import Config

CPU_NODES = (cluster.Node("a" * 8, "10.0.0.1", 8.0, 0.0), cluster.Node("b" * 8, "10.0.0.2", 4.0, 0.0))
GPU_NODE = cluster.Node("c" * 8, "10.0.0.3", 16.0, 2.0)


@pytest.mark.parametrize("nodes, cpus, gpus, message", [
    (CPU_NODES, 12, 0, "cpus_per_run=12 but the largest node has 8 CPUs; choose at most 8"),
    (CPU_NODES, 1, 0.25, "gpus_per_run=0.25 but no node has a GPU; use --gpus_per_run=0 to train on CPUs"),
    (CPU_NODES + (GPU_NODE,), 1, 3, "gpus_per_run=3 but no node has 3 GPUs beside 1 CPUs; the most GPUs on a node: 2"),
    (CPU_NODES + (GPU_NODE,), 1, 1.5, "gpus_per_run above 1 must be a whole number, got 1.5"),
    (CPU_NODES, 0, 0, "cpus_per_run must be > 0, got 0"),
    (CPU_NODES, 1, -1, "gpus_per_run must be >= 0, got -1"),
])
def test_requests_no_node_can_hold_are_refused(nodes, cpus, gpus, message):
    with pytest.raises(ValueError, match=f"^{message.replace('(', '[(]').replace(')', '[)]')}$"):
        cluster.check_resources(nodes, cpus, gpus)


@pytest.mark.parametrize("cpus, gpus", [(8, 0), (0.5, 0), (2, 0.25), (16, 2)])
def test_requests_some_node_can_hold_pass(cpus, gpus):
    cluster.check_resources(CPU_NODES + (GPU_NODE,), cpus, gpus)


@pytest.mark.parametrize("address", ["headnode", "10.0.0.5:", ":6379", "10.0.0.5:port", "10.0.0.5:70000"])
def test_malformed_addresses_are_refused(address):
    with pytest.raises(ValueError, match=f"--address '{address}' is not host:port"):
        cluster.split_address(address)


def test_address_comes_from_the_flag_then_ray_address(monkeypatch):
    monkeypatch.setenv("RAY_ADDRESS", "10.0.0.5:6379")
    assert cluster.resolve_address("10.0.0.9:1234") == "10.0.0.9:1234"
    assert cluster.resolve_address(None) == "10.0.0.5:6379"
    monkeypatch.delenv("RAY_ADDRESS")
    assert cluster.resolve_address(None) == ""


def test_a_node_that_sees_the_token_and_can_write_has_no_storage_problem(tmp_path):
    (tmp_path / ".check").write_text("token")
    assert cluster.storage_problem(str(tmp_path), ".check", "token") is None
    assert os.listdir(tmp_path) == [".check"]  # its probe file is gone


def test_a_node_on_other_storage_cannot_see_the_token(tmp_path):
    problem = cluster.storage_problem(str(tmp_path), ".check", "token")
    assert problem == f"cannot read {tmp_path / '.check'} that the sweep wrote (no such file or directory)"
    (tmp_path / ".check").write_text("another")
    assert cluster.storage_problem(str(tmp_path), ".check", "token") == f"{tmp_path / '.check'} holds another sweep's check"


def test_trial_keys_are_run_names_made_unique():
    keys = engine.TrialKeys()
    configs = [Config(cell="rnn"), Config(cell="gru"), Config(cell="rnn", steps=2000)]
    assert [keys(config) for config in configs] == ["copy-rnn-d10-s0", "copy-gru-d10-s0", "copy-rnn-d10-s0-2"]


def test_a_config_list_gives_each_config_once_then_waits_then_is_done():
    configs = [Config(cell="rnn"), Config(cell="gru")]
    lines = []
    source = engine.ConfigList(configs, say=lines.append)
    assert [source.next(), source.next(), source.next()] == [configs[0], configs[1], None]  # both running
    source.ended(configs[1], engine.Outcome(configs[1], "finished"))
    assert source.next() is None and not source.done()
    source.ended(configs[0], engine.Outcome(configs[0], "diverged"))
    assert source.next() == engine.DONE and source.done()
    assert [o.status for o in source.outcomes] == ["diverged", "finished"]  # in the configs' order
    assert lines[0].startswith("[1/2] copy-gru-d10-s0: finished; about ") and lines[1] == "[2/2] copy-rnn-d10-s0: diverged"


def test_outcome_of_a_trials_last_report(tmp_path):
    config = Config(logdir=str(tmp_path))
    (tmp_path / summaries.RESULTS_FILE).write_text(json.dumps({"final_metrics": {"mean_accuracy": 0.9}}))
    finished = engine.outcome_of(config, {"status": "finished", "run_dir": str(tmp_path), "node": "n1"}, None)
    assert (finished.status, finished.run_dir, finished.results, finished.node) == (
        "finished", str(tmp_path), {"final_metrics": {"mean_accuracy": 0.9}}, "n1")
    diverged = engine.outcome_of(config, {"status": "diverged", "run_dir": "r", "node": "n2", "message": "NaN"}, None)
    assert (diverged.status, diverged.run_dir, diverged.results, diverged.error) == ("diverged", "r", None, "NaN")
    error = "Traceback (most recent call last):\n  File x\nValueError: File format not supported: checkpoint.keras\n"
    failed = engine.outcome_of(config, {"step": 20}, error)
    assert (failed.status, failed.run_dir, failed.error) == (
        "failed", None, "ValueError: File format not supported: checkpoint.keras")
    assert engine.outcome_of(config, {"step": 20}, None) is None  # stopped by the user: neither ended nor failed
