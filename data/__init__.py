"""Synthetic tasks whose dependency distance is a knob.

TASKS maps a task name to its Task (data.task): how to generate a batch at a distance,
and every task-specific answer a trainer needs. Each task is one module here, whose TASK
is its one entry below. Generators are pure NumPy and take an explicit
np.random.Generator, so the same seed gives the same batches.
"""

from data import adding, agreement, copy_memory

TASKS = {task.name: task for task in (copy_memory.TASK, agreement.TASK, adding.TASK)}


def get_task(name):
    """The Task called name; a ValueError lists the valid names otherwise."""
    try:
        return TASKS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown task {name!r}; valid tasks: {', '.join(sorted(TASKS))}") from None
