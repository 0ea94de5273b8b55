"""Markdown tables of accuracies, for TensorBoard's TEXT dashboard, the summaries on disk and
the command line."""

import os


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def accuracy_cells(accuracy):
    """An Accuracy as three table cells: the accuracy, its 95% interval, its trials."""
    return [f"{accuracy.accuracy:.3f}", f"[{accuracy.low:.3f}, {accuracy.high:.3f}]", accuracy.trials]


def distance_table(task, results):
    """Accuracy by distance with its interval, chance and the task's baseline loss; results [DistanceResult]."""
    header = ["distance", "accuracy", "95% interval", "trials", "chance", task.baseline_loss_name.split(":")[0]]
    rows = [[r.distance, *accuracy_cells(r.accuracy), f"{r.chance:.3f}", f"{r.baseline_loss:.4f}"] for r in results]
    return markdown_table(header, rows)


def breakdown_table(breakdown, accuracies):
    """One breakdown's accuracy by category; accuracies {category: Accuracy}."""
    rows = [[breakdown.label(category), *accuracy_cells(a)] for category, a in accuracies.items()]
    return markdown_table([breakdown.title, "accuracy", "95% interval", "trials"], rows)


def damaged_section(damaged):
    """Markdown: the damaged files and runs moved aside (each trained again), one line each."""
    lines = [f"- {os.path.basename(entry['path'])} ({entry['reason']}), moved to {entry['moved_to']} on {entry['time']}"
             for entry in damaged]
    return "Damaged files found, moved aside (kept) and trained again:\n\n" + "\n".join(lines)
