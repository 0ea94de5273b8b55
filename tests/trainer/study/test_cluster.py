"""trainer.study.cluster without a running Ray: resource checks, addresses, the shared-storage
check a node runs, and a command's cluster context (test_cluster_on_two_nodes.py has the
real cluster)."""

import logging
import os

import pytest

from common import cli
from trainer.study import cluster

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


@pytest.mark.parametrize("interrupted", [False, True])
def test_a_command_s_cluster_is_shut_down_and_ctrl_c_says_how_to_resume(monkeypatch, interrupted):
    calls = []
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    monkeypatch.setattr(cluster, "connect", lambda address, cpus, gpus, show: calls.append(("connect", address)) or "C")
    monkeypatch.setattr(cluster, "disconnect", lambda: calls.append(("disconnect",)))
    try:
        with cluster.connected("", 1, 0, kept="finished runs are kept") as joined:
            assert joined == "C"
            if interrupted:
                raise KeyboardInterrupt
    except cli.Stop as stop:
        assert interrupted and stop.status == 130
        assert str(stop) == ("interrupted; run the same command again to resume (finished runs are kept, unfinished "
                             "ones resume from their last checkpoint)")
    else:
        assert not interrupted
    assert calls == [("connect", ""), ("disconnect",)]


@pytest.mark.parametrize("logger, message, shown", [
    ("ray.tune.tune", "Stop signal received (e.g. via SIGINT/Ctrl+C), ending Ray Tune run.", False),
    ("ray.tune.tune", "Experiment has been interrupted, but the most recent state was saved.\n"
                      "Resume experiment with: Tuner.restore(path=...)", False),
    ("ray.tune.analysis.experiment_analysis", "Failed to fetch metrics for 2 trial(s):\n- probe", False),
    ("ray._private.authentication.authentication_token_setup",
     "Token authentication is enabled for this Ray cluster. Set ...", False),
    ("ray._private.worker", "Directory %r is now ignored by default when packaging the working directory.", False),
    ("ray._private.worker", "Token authentication is enabled but no authentication token was found", True),
    ("ray.tune.tune", "Trial probe errored after 3 attempts", True),
])
def test_ray_notices_of_no_use_here_are_dropped_and_others_shown(logger, message, shown):
    """Tune's Ctrl-C lines tell a user to resume with Tuner.restore; this project resumes with the
    same command and says so itself. (A handler on the logger itself: once Ray is imported, its
    loggers do not propagate to the root's.)"""
    cluster.quiet_ray_notices()
    seen = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.getMessage())
    logging.getLogger(logger).addHandler(handler)
    try:
        logging.getLogger(logger).warning(message)
    finally:
        logging.getLogger(logger).removeHandler(handler)
    assert (message in seen) == shown
