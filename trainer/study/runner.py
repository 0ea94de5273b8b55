"""What the sweep and the search share: their runs trained as Ray Tune trials (trainer.study.
engine) on the cluster they were given, or on a Ray started on this machine only when some run
needs training and stopped after; the check that every node reaches the log directory; and the
one-line stop when runs failed even after Tune's retries."""

from common import cli
from trainer.study import engine
from trainer.study.cluster import check_shared_storage, connect, disconnect

EXIT_RUNS_FAILED = 1


def train_on_ray(source, directory, progress, cluster=None, what="runs"):
    """Trains the runs of source (engine's protocol) until it is done, its progress shown on
    progress (trainer.study.progress.Progress); Tune's records go below directory. cluster: the
    trainer.study.cluster.Cluster this process is connected to, or None for a Ray started here
    for these runs. Nothing is started if no run needs training."""
    if not source.needs_training():
        return
    own_cluster = cluster is None
    if own_cluster:
        cluster = connect()
    try:
        check_shared_storage(cluster, directory)
        progress.say(f"training {what} on {cluster.description}")
        engine.run(source, cluster, directory, progress)
    finally:
        if own_cluster:
            disconnect()


def failed_runs(how_many, first, error, where_the_rest_is):
    """The one-line stop (exit status 1) of a sweep or search whose runs failed after Tune's
    retries: how_many ("2 of 42 runs failed"), the first and its error, and where_the_rest_is
    ("the summary of the others is in ...")."""
    return cli.Stop(f"{how_many} after {engine.MAX_FAILURES} retries, the first {first}: {error}; {where_the_rest_is}",
                    EXIT_RUNS_FAILED)
