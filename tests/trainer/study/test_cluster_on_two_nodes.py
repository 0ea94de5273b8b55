"""The sweep on a real two-node Ray cluster on loopback, a node killed under a running trial,
and the sweep's bad-input errors about addresses, tokens and resources.

The cluster is started as the README tells users to start one, with Ray's defaults: the
head's token made by `ray get-auth-token --generate` in the home directory, the head and the
worker started with RAY_AUTH_MODE=token; only the loopback address, one CPU per node, the
ports and private temp and home directories are the test's own. The sweep is given no
authentication setting: it finds the token in ~/.ray/auth_token, as a user's would. The
nodes are `ray start --block` processes of our own, stopped by killing them and everything
they started.
"""

import collections
import glob
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import psutil
import pytest
from tensorboard.backend.event_processing import event_file_loader

from trainer import results

# A two-node Ray cluster; one test process runs the module, so its fixture is made once.
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("ray_cluster")]

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../.."))
RAY = os.path.join(os.path.dirname(sys.executable), "ray")
NODE_IP = "127.0.0.2"  # loopback; Ray advertises 127.0.0.1 as the machine's public address
ANSI = re.compile(r"\x1b\[[0-9;]*m")
TRIAL_START = re.compile(r"\(train_trial pid=(\d+)[^)]*\)\s*(\S+) runs on node (\w+) with 1 CPUs \(1 TensorFlow threads\)")


# Ports for the nodes come from a band nothing picks on its own: below Linux's ephemeral ports
# (32768 up; where ports bound to 0 land, for TensorBoard, Ray's own servers and any other
# process) and above Ray's worker ports (10002-19999). A free ephemeral port handed to
# `ray start` could be taken by another test process in the seconds before the node binds it.
NODE_PORTS = range(20000, 32000)


def free_ports(count):
    """count distinct ports of NODE_PORTS that nothing on 127.0.0.1 is bound to now."""
    ports = []
    for port in random.sample(NODE_PORTS, len(NODE_PORTS)):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        ports.append(port)
        if len(ports) == count:
            return ports
    raise RuntimeError(f"fewer than {count} free ports in {NODE_PORTS}")


def node_command(temp_dir, ports):
    node_manager, object_manager, runtime_env, agent_http, agent_grpc, metrics, client = ports
    return [RAY, "start", "--block", f"--node-ip-address={NODE_IP}", "--num-cpus=1", "--num-gpus=0",
            f"--temp-dir={temp_dir}", f"--node-manager-port={node_manager}", f"--object-manager-port={object_manager}",
            f"--runtime-env-agent-port={runtime_env}", f"--dashboard-agent-listen-port={agent_http}",
            f"--dashboard-agent-grpc-port={agent_grpc}", f"--metrics-export-port={metrics}",
            f"--ray-client-server-port={client}", "--disable-usage-stats"]


def process_tree(process):
    """The process and everything it started (collected before any is killed, so that none is
    lost to re-parenting)."""
    try:
        root = psutil.Process(process.pid)
        return [root] + root.children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def kill_tree(processes):
    for p in processes:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(processes, timeout=10)


def wait_for_port(port, timeout_s=60):
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            socket.create_connection((NODE_IP, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"no Ray head on {NODE_IP}:{port}")


def wait_for_nodes(env, address, count, timeout_s=60):
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        status = subprocess.run([RAY, "status", f"--address={address}"], capture_output=True, text=True, env=env)
        if status.stdout.count("node_") >= count:
            return
        time.sleep(0.5)
    raise TimeoutError(f"the cluster at {address} did not reach {count} nodes")


def user_environment(home):
    """This process's environment as a user's shell would have it, with home as $HOME and none of
    Ray's authentication settings (an in-process Ray of an earlier test may have set them here)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH") and k != "RAY_ADDRESS"}
    env.update(HOME=home, RAY_USAGE_STATS_ENABLED="0", TF_CPP_MIN_LOG_LEVEL="2", RAY_DEDUP_LOGS="0")
    os.makedirs(home, exist_ok=True)
    return env


@pytest.fixture(scope="session")  # once per test process: xdist may interleave other modules
def cluster():
    """A head and a worker node on loopback, one CPU each, started as the README says; yields
    (address, the sweep's environment, worker process)."""
    ports = free_ports(15)
    address = f"{NODE_IP}:{ports[0]}"
    temp_root = tempfile.mkdtemp(prefix="ray-")  # short: Ray's socket paths must fit 107 characters
    env = user_environment(os.path.join(temp_root, "home"))
    subprocess.run([RAY, "get-auth-token", "--generate"], env=env, check=True, capture_output=True)  # README step 1
    node_env = {**env, "RAY_AUTH_MODE": "token",  # README: every node starts with RAY_AUTH_MODE=token
                # the test's own: declare a killed node dead after about 10 s instead of 15 (at 2 s, a
                # loaded machine's living worker node was declared dead and every trial ran on the head)
                "RAY_health_check_period_ms": "1000", "RAY_health_check_failure_threshold": "10"}
    head = subprocess.Popen(node_command(os.path.join(temp_root, "head"), ports[1:8])
                            + ["--head", f"--port={ports[0]}", "--include-dashboard=false"],
                            env=node_env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    processes = [head]
    try:
        wait_for_port(ports[0])
        worker = subprocess.Popen(node_command(os.path.join(temp_root, "worker"), ports[8:15]) + [f"--address={address}"],
                                  env=node_env, start_new_session=True, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        processes.append(worker)
        wait_for_nodes(node_env, address, 2)
        yield address, env, worker
    finally:
        kill_tree([p for process in processes for p in process_tree(process)])
        shutil.rmtree(temp_root, ignore_errors=True)


def sweep_command(logdir, *flags):
    return [sys.executable, "-m", "trainer.sweep", "--cells=gru", "--tasks=agreement", "--units=4",
            f"--logdir={logdir}", *flags]


def run_sweep_command(command, env, timeout=120):
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env, timeout=timeout)


def assert_one_line_error(result, message, logdir):
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    assert result.stderr.strip().splitlines()[-1] == f"error: {message}"
    assert "Traceback" not in result.stderr
    assert not os.path.exists(logdir)  # nothing written


def event_steps(directory):
    """{tag: [step, ...]} over every event file directly in directory, in file order."""
    steps = collections.defaultdict(list)
    for path in sorted(glob.glob(os.path.join(directory, "events.out.tfevents.*"))):
        for event in event_file_loader.EventFileLoader(path).Load():
            for value in event.summary.value:
                steps[value.tag].append(event.step)
    return steps


def sweep_killing_the_worker(address, env, worker, logdir):
    """Runs a two-run sweep on the cluster and SIGKILLs the worker node once a trial on it has
    written its first checkpoint; (the killed run or None, the driver's exit status, its lines)."""
    # A learning rate too small to solve within 200 steps: every run trains its whole budget, so
    # the one on the worker is still training after its first checkpoint however fast the
    # machine is (at the preset's rate a fast machine solved d = 2 at its first evaluation).
    # --show_training: the trials' own lines (which node, "resuming ...") on the driver's console
    driver = subprocess.Popen(sweep_command(logdir, "--distances=2,4", "--steps=200", "--eval_every=50",
                                            "--learning_rate=0.0001", f"--address={address}", "--cpus_per_run=1",
                                            "--show_training"),
                              cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(ANSI.sub("", line) for line in driver.stdout), daemon=True)
    reader.start()
    killed_run, started = None, time.time()
    try:
        while killed_run is None and driver.poll() is None and time.time() - started < 180:
            worker_tree = process_tree(worker)
            on_worker = {p.pid for p in worker_tree}
            for match in filter(None, (TRIAL_START.search(line) for line in list(lines))):
                pid, run = int(match.group(1)), match.group(2)
                if pid in on_worker and os.path.exists(os.path.join(logdir, run, "checkpoint.keras")):
                    kill_tree(worker_tree)  # SIGKILL the second node's raylet, agents and workers
                    killed_run = run
                    print(f"killed the worker node while {run} trained on it")
                    break
            time.sleep(0.2)
        driver.wait(timeout=240)
    finally:
        driver.kill()
    reader.join(timeout=10)
    return killed_run, driver.returncode, lines


def test_runs_on_two_nodes_and_a_killed_nodes_run_resumes_from_its_checkpoint(cluster, tmp_path):
    address, env, worker = cluster
    # In full suites on a loaded machine both trials sometimes ran on the head (3 of 4 runs on
    # 2026-12-08; never alone), leaving nothing on the worker to kill: the sweep is then run once
    # more, in a new directory, and the test fails if again nothing ran there.
    for attempt in ("first", "second"):
        logdir = str(tmp_path / f"sweep-{attempt}")
        killed_run, returncode, lines = sweep_killing_the_worker(address, env, worker, logdir)
        if killed_run:
            break
        print(f"{attempt} sweep: no trial ran on the worker node; its nodes:",
              {match.group(3) for match in map(TRIAL_START.search, lines) if match})
    output = "".join(lines)
    assert killed_run, "no trial reached its first checkpoint on the worker node:\n" + output[-3000:]
    assert returncode == 0, output[-3000:]

    nodes = {match.group(3) for match in map(TRIAL_START.search, lines) if match}
    assert len(nodes) == 2  # the two trials ran on the two nodes
    resumed = re.search(rf"resuming {re.escape(killed_run)} from step (\d+) of 200", output)
    assert resumed and int(resumed.group(1)) >= 20, output[-3000:]
    print("".join(line for line in lines if any(mark in line for mark in (
        "runs on node", "its worker stopped", "resuming", "] agreement-", "sweep of"))))  # the log's story, for -s

    run_dirs = sorted(glob.glob(os.path.join(logdir, "agreement-*")))
    assert [os.path.basename(d).rsplit("-", 2)[0] for d in run_dirs] == ["agreement-gru-d2-s0", "agreement-gru-d4-s0"]
    for run_dir in run_dirs:  # every run finished exactly once, with no TensorBoard step written twice
        assert os.path.isfile(os.path.join(run_dir, results.RESULTS_FILE))
        for sub in ("", "train", "validation"):
            for tag, steps in event_steps(os.path.join(run_dir, sub)).items():
                assert len(steps) == len(set(steps)), (run_dir, sub, tag, steps)
    assert os.path.isfile(os.path.join(logdir, "summary", "summary.md"))


def test_a_request_no_node_can_hold_is_one_line_not_a_wait(cluster, tmp_path):
    """Against the nodes the sweep finds on joining (every other request test_engine.py checks
    against nodes of its own). In a process of its own: this one joining the cluster would
    leave Ray's state behind."""
    address, env, _ = cluster
    logdir = str(tmp_path / "sweep")
    result = run_sweep_command(sweep_command(logdir, "--distances=2", "--steps=2", f"--address={address}",
                                             "--cpus_per_run=2"), env)
    assert_one_line_error(result, "cpus_per_run=2 but the largest node has 1 CPUs; choose at most 1", logdir)


HOW_TO_GIVE = "copy the head node's ~/.ray/auth_token to this machine's ~/.ray/auth_token, or set RAY_AUTH_TOKEN to it"


def test_a_driver_without_the_clusters_token_stops_at_once_with_one_line(cluster, tmp_path):
    """Token authentication is on at the head: a driver on a machine with no token (another
    home) stops within seconds with one line that says how to give the token; none of Ray's
    retry warnings reach the screen."""
    address, _, _ = cluster
    env = user_environment(str(tmp_path / "home"))
    logdir = str(tmp_path / "sweep")
    started = time.time()
    result = run_sweep_command(sweep_command(logdir, "--distances=2", "--steps=2", f"--address={address}"), env)
    assert_one_line_error(result, f"the Ray cluster at {address} has token authentication on and no token was found "
                                  f"here (RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH or ~/.ray/auth_token); {HOW_TO_GIVE}", logdir)
    assert "gcs_client" not in result.stderr and "Unauthenticated" not in result.stderr
    assert time.time() - started < 30  # a Python start-up and one gRPC call, not Ray's 20 s of retries


def test_a_driver_with_a_wrong_token_stops_with_one_line(cluster, command, monkeypatch, tmp_path):
    address, _, _ = cluster
    for name in [name for name in os.environ if name.startswith("RAY_AUTH")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("RAY_AUTH_TOKEN", "not-the-clusters-token")
    logdir = str(tmp_path / "sweep")
    result = command("trainer.sweep", *sweep_command(logdir, "--distances=2", "--steps=2", f"--address={address}")[3:])
    assert (result.returncode, result.stderr) == (2, f"error: the Ray cluster at {address} has token authentication on "
                                                     f"and refused the token in RAY_AUTH_TOKEN; {HOW_TO_GIVE}\n")
    assert not os.path.exists(logdir)


def test_an_address_with_no_cluster_is_one_line(tmp_path, command, monkeypatch):
    port = free_ports(1)[0]
    logdir = str(tmp_path / "sweep")
    no_cluster = (f"no Ray cluster at 127.0.0.1:{port} (connection refused); start a head node there with "
                  f"`RAY_AUTH_MODE=token ray start --head --port={port}` from the project's environment, after `ray "
                  f"get-auth-token --generate` (docs/study.md), or leave --address out to run on this machine")
    assert_one_line_error(command("trainer.sweep", *sweep_command(logdir, f"--address=127.0.0.1:{port}")[3:]),
                          no_cluster, logdir)
    monkeypatch.setenv("RAY_ADDRESS", f"127.0.0.1:{port}")  # the address from the environment, in this process
    assert_one_line_error(command("trainer.sweep", *sweep_command(logdir)[3:]), no_cluster, logdir)
    monkeypatch.delenv("RAY_ADDRESS")
    assert_one_line_error(command("trainer.sweep", *sweep_command(logdir, "--address=headnode")[3:]),
                          "--address 'headnode' is not host:port, e.g. 10.0.0.5:6379 (the head node's `ray start "
                          "--head --port`)", logdir)
