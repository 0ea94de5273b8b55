"""Where the sweep's trials run: a Ray started inside this process (the default), or an
existing Ray cluster joined by its address.

    cluster = connect(address=None, cpus_per_run=None, gpus_per_run=0)   # this machine
    cluster = connect("10.0.0.5:6379", cpus_per_run=4, gpus_per_run=0.5)  # a cluster
    check_shared_storage(cluster, "/shared/logs/sweep-quick")
    ...
    disconnect()

A command (make sweep, make horizon) uses `with connected(address, cpus_per_run,
gpus_per_run, kept=...) as cluster:`, which also turns Ctrl-C into a one-line stop that
says how to resume.

connect checks what it can before any trial is started, each a ValueError of one line:
an address with nothing listening behind it, a cluster with token authentication on whose
token this machine does not have (trainer.study.ray_token: with the token where Ray keeps it, it
joins), a cluster that refuses this process, and a per-run request that no node can ever
satisfy (Ray would otherwise wait for it forever).
Every node runs the trials with the project's code, which Ray copies from this checkout
(its runtime_env working_dir, leaving out what .gitignore names), and with the Python
environment its `ray start` ran in, which must have the project's requirements.
"""

import contextlib
import dataclasses
import ipaddress
import logging
import os
import re
import shutil
import socket
import tempfile
import uuid

from common import cli
from trainer.study import ray_token

# The folder that holds the trainer/, data/ and common/ packages: what Ray ships to each worker.
PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HEAD_HINT = "start a head node there with `RAY_AUTH_MODE=token ray start --head --port={port}` from the project's " \
            "environment, after `ray get-auth-token --generate` (docs/study.md), or leave --address out to run on this machine"
STORAGE_CHECK_TIMEOUT_S = 120
# What the trials' worker processes inherit from this one: the Keras backend, and TensorFlow's settings.
WORKER_ENVIRONMENT = ("KERAS_BACKEND", "TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS")
ONE_XLA_THREAD = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"  # a one-CPU trial on JAX
ADDRESS_IN_TEXT = re.compile(r"\b[\w.-]+:\d{2,5}\b")


@dataclasses.dataclass(frozen=True)
class Node:
    node_id: str
    address: str  # the node's IP address
    cpus: float
    gpus: float


@dataclasses.dataclass(frozen=True)
class Cluster:
    """The Ray this process is connected to, and what each run asks of it."""

    address: str  # "" for the Ray started in this process
    nodes: tuple  # Node, the alive nodes at connection time
    cpus_per_run: float
    gpus_per_run: float
    show_training: bool = False  # the runs' own output on this console (else in each run's train.log)

    @property
    def resources(self):
        """The resources of one trial, as Ray Tune takes them."""
        return {"cpu": self.cpus_per_run, "gpu": self.gpus_per_run}

    @property
    def description(self):
        where = f"the Ray cluster at {self.address}" if self.address else "a Ray started on this machine"
        cpus = sum(n.cpus for n in self.nodes)
        gpus = sum(n.gpus for n in self.nodes)
        return (f"{where}: {len(self.nodes)} node(s), {cpus:g} CPUs, {gpus:g} GPUs; "
                f"each run takes {self.cpus_per_run:g} CPUs and {self.gpus_per_run:g} GPUs")


def resolve_address(address):
    """--address, else the RAY_ADDRESS environment variable, else "" (a Ray on this machine)."""
    return (address or os.environ.get("RAY_ADDRESS") or "").strip()


def split_address(address):
    """"host:port" -> (host, port); a ValueError names a malformed address."""
    host, separator, port = address.rpartition(":")
    if not separator or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--address {address!r} is not host:port, e.g. 10.0.0.5:6379 (the head node's `ray start "
                         f"--head --port`)")
    return host.strip("[]"), int(port)


def check_listening(address, timeout_s=5.0):
    """A ValueError of one line unless something accepts TCP connections at address."""
    host, port = split_address(address)
    try:
        socket.create_connection((host, port), timeout=timeout_s).close()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ValueError(f"no Ray cluster at {address} ({reason.lower()}); {HEAD_HINT.format(port=port)}") from None


def _is_loopback(host):
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _first_line(error):
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def alive_nodes():
    import ray

    return tuple(
        Node(node["NodeID"], node["NodeManagerAddress"], float(node["Resources"].get("CPU", 0)),
             float(node["Resources"].get("GPU", 0)))
        for node in ray.nodes() if node["Alive"]
    )


def check_resources(nodes, cpus_per_run, gpus_per_run):
    """A ValueError of one line if no node can ever hold one run."""
    if cpus_per_run <= 0:
        raise ValueError(f"cpus_per_run must be > 0, got {cpus_per_run:g}")
    if gpus_per_run < 0:
        raise ValueError(f"gpus_per_run must be >= 0, got {gpus_per_run:g}")
    if gpus_per_run > 1 and gpus_per_run != int(gpus_per_run):
        raise ValueError(f"gpus_per_run above 1 must be a whole number, got {gpus_per_run:g}")
    largest_cpus = max(node.cpus for node in nodes)
    if cpus_per_run > largest_cpus:
        raise ValueError(f"cpus_per_run={cpus_per_run:g} but the largest node has {largest_cpus:g} CPUs; "
                         f"choose at most {largest_cpus:g}")
    if gpus_per_run:
        fitting = [n for n in nodes if n.cpus >= cpus_per_run and n.gpus >= gpus_per_run]
        if not fitting:
            largest_gpus = max(node.gpus for node in nodes)
            if not largest_gpus:
                raise ValueError(f"gpus_per_run={gpus_per_run:g} but no node has a GPU; use --gpus_per_run=0 to train "
                                 f"on CPUs")
            raise ValueError(f"gpus_per_run={gpus_per_run:g} but no node has {gpus_per_run:g} GPUs beside "
                             f"{cpus_per_run:g} CPUs; the most GPUs on a node: {largest_gpus:g}")


class _RayNotices(logging.Filter):
    """Drops Ray's notices that say nothing to a user of this project, or say the wrong thing:
    that a local Ray turned token authentication on by default, that it leaves .git and .venv out
    of the code it ships to workers (this project's .gitignore leaves them out anyway), and Tune's
    lines on Ctrl-C (that it stops, that `Tuner.restore(...)` resumes, that the interrupted trials
    have no metrics): this project says in one line that the same command resumes. Everything
    else, errors included, still shows."""

    STARTING = ("Token authentication is enabled for this Ray cluster", "Directory %r is now ignored by default")
    NOTICES = {  # logger -> the starts of the messages it drops (Ray logs its start-up notices on any of three)
        "ray._private.authentication.authentication_token_setup": STARTING,
        "ray._private.runtime_env.working_dir": STARTING,
        "ray._private.worker": STARTING,
        "ray.tune.tune": ("Stop signal received", "Experiment has been interrupted"),
        "ray.tune.analysis.experiment_analysis": ("Failed to fetch metrics",),
    }

    def __init__(self, notices):
        super().__init__()
        self.notices = notices

    def filter(self, record):
        return not (record.levelno < logging.ERROR and str(record.msg).startswith(self.notices))


def quiet_ray_notices():
    for name, notices in _RayNotices.NOTICES.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RayNotices) for f in logger.filters):
            logger.addFilter(_RayNotices(notices))


def connect(address="", cpus_per_run=None, gpus_per_run=0.0, show_training=False):
    """Starts a Ray in this process (address "") or joins the cluster at address; returns the Cluster.

    cpus_per_run None: the CPUs of the largest node, so that a machine trains one run at a
    time with all its cores. show_training: the runs' own output is shown here (Ray sends the
    workers' output to this process) instead of going to each run's train.log alone. A
    ValueError of one line (and no Ray left running) if the address has no cluster behind it
    or no node can hold one run.
    """
    import ray

    quiet_ray_notices()

    if address:
        check_listening(address)
        ray_token.join_as_ray_would(address)
    env_vars = {name: os.environ[name] for name in WORKER_ENVIRONMENT if name in os.environ}
    if cpus_per_run is not None and float(cpus_per_run) <= 1:  # XLA's CPU threads, as TensorFlow's are (engine)
        env_vars["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {ONE_XLA_THREAD}".strip()
    runtime_env = {"working_dir": PROJECT_ROOT, "excludes": [".git/"], "env_vars": env_vars}
    options = dict(runtime_env=runtime_env, include_dashboard=False, configure_logging=False,
                   log_to_driver=show_training)
    try:
        if address:
            host, _ = split_address(address)
            if _is_loopback(host):  # a cluster on this machine's loopback: this process is one of its nodes
                options["_node_ip_address"] = host
            ray.init(address=address, **options)
        else:  # "local": a new Ray even if `ray start` left one running on this machine
            ray.init(address="local", _temp_dir=_local_ray_temp_dir(), **options)
    except Exception as error:  # Ray raises ConnectionError, RuntimeError or its own errors here
        ray.shutdown()
        if not address:
            raise ValueError(f"could not start Ray on this machine: {_first_line(error)}") from None
        reason = ADDRESS_IN_TEXT.sub(address, _first_line(error))  # Ray names the address as it rewrote it
        raise ValueError(f"could not join the Ray cluster at {address}: {reason}") from None
    nodes = alive_nodes()
    try:
        cpus = max(node.cpus for node in nodes) if cpus_per_run is None else float(cpus_per_run)
        check_resources(nodes, cpus, float(gpus_per_run or 0))
    except ValueError:
        ray.shutdown()
        raise
    return Cluster(address, nodes, cpus, float(gpus_per_run or 0), show_training)


def disconnect():
    import ray

    ray.shutdown()
    while _LOCAL_RAY_TEMP:
        shutil.rmtree(_LOCAL_RAY_TEMP.pop(), ignore_errors=True)


# Ray keeps a local node's Unix sockets below its temp directory, and their paths may not exceed
# 107 bytes: the session directory and socket names take about 66 of them.
_LONGEST_RAY_TEMP_PARENT = 40
_LOCAL_RAY_TEMP = []  # the temp directories of the Ray started here, removed on disconnect


def _local_ray_temp_dir():
    """A new directory for the Ray started in this process: below the temp directory (the
    command's own, common.tempdir) if its path leaves room for Ray's socket names, else below /tmp."""
    parent = tempfile.gettempdir()
    if len(parent) > _LONGEST_RAY_TEMP_PARENT:
        parent = "/tmp"
    _LOCAL_RAY_TEMP.append(tempfile.mkdtemp(prefix="rnnd-ray-", dir=parent))
    return _LOCAL_RAY_TEMP[-1]


@contextlib.contextmanager
def connected(address, cpus_per_run, gpus_per_run, kept, show_training=False):
    """A command's Cluster: connect(resolve_address(address), ...) for the with-block, and
    disconnect() after it. Ctrl-C inside ends the command with one line (exit status
    cli.EXIT_INTERRUPTED) saying that the same command resumes, and what it keeps (kept)."""
    cluster = connect(resolve_address(address), cpus_per_run, gpus_per_run, show_training)
    try:
        yield cluster
    except KeyboardInterrupt:
        raise cli.Stop(f"interrupted; run the same command again to resume ({kept}, unfinished ones resume "
                       "from their last checkpoint)", cli.EXIT_INTERRUPTED) from None
    finally:
        disconnect()


def storage_problem(directory, token_name, token):
    """What keeps this node from using directory, or None: it must see the driver's token
    file (the same storage) and be able to write beside it."""
    path = os.path.join(directory, token_name)
    try:
        with open(path) as f:
            if f.read() != token:
                return f"{path} holds another sweep's check"
    except OSError as error:
        return f"cannot read {path} that the sweep wrote ({(error.strerror or type(error).__name__).lower()})"
    probe = f"{path}.{uuid.uuid4().hex}"
    try:
        with open(probe, "w") as f:
            f.write(token)
        os.remove(probe)
    except OSError as error:
        return f"cannot write in {directory} ({(error.strerror or type(error).__name__).lower()})"
    return None


def check_shared_storage(cluster, directory):
    """Every node must read what this process wrote in directory and write there too; a
    ValueError of one line names the first node that cannot. On this machine alone it
    is the same file system, so there is nothing to check."""
    if not cluster.address:
        return
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    os.makedirs(directory, exist_ok=True)
    token, token_name = uuid.uuid4().hex, f".storage-check-{uuid.uuid4().hex[:8]}"
    token_path = os.path.join(directory, token_name)
    with open(token_path, "w") as f:
        f.write(token)
    check = ray.remote(num_cpus=0)(storage_problem)
    try:
        pending = {
            check.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node.node_id, soft=False)).remote(
                directory, token_name, token): node
            for node in cluster.nodes
        }
        ready, _ = ray.wait(list(pending), num_returns=len(pending), timeout=STORAGE_CHECK_TIMEOUT_S)
        for ref in pending:
            node = pending[ref]
            problem = ray.get(ref) if ref in ready else f"did not answer within {STORAGE_CHECK_TIMEOUT_S} s"
            if problem:
                raise ValueError(f"node {node.address} ({node.node_id[:8]}) cannot use the logdir: {problem}; on a "
                                 f"cluster the logdir must be storage every node reaches at the same path (e.g. NFS)")
    finally:
        os.remove(token_path)
