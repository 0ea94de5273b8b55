"""The figures of a memory-horizon search (matplotlib, Agg); trainer.study.report writes them.

    horizon_figure    each cell's horizon with its 95% interval over seeds, and each seed's own
                      last-solved distance, log axis
    fraction_figure   the share of seeds that solved each distance probed, one line per cell,
                      with the line at one half where the horizon is read
    budget_figure     the horizon against the step budget (B/16 ... B), or against the size, one
                      line per cell, log axes
    retention_figure  each cell's horizon beside how far its learned solutions hold (the median
                      over seeds with its 95% interval, and each seed's), log axis
"""

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from trainer.dashboards.figures import MARKERS, distance_ticks, legend_outside, wants_log_axis  # noqa: E402

KIND_MARKERS = {"exact": "o", "at_least": "^", "below": "v"}


def _shown(value, kind, start, longest):
    """Where a horizon is drawn on a log axis: "below start" under start, "at least" at longest."""
    if kind == "below" or value <= 0:
        return start / 1.5
    return min(value, longest) if kind == "at_least" else value


def _one_column_per_cell(figure, axes, labels, title, y_label, bottom, top):
    """The layout of the figures with a column per cell: a log distance axis from bottom to top."""
    axes.set_yscale("log")
    axes.set_ylim(bottom, top)
    axes.set_xticks(range(len(labels)), labels, rotation=15 if len(labels) > 4 else 0)
    axes.set_ylabel(y_label)
    axes.set_title(title, fontsize="medium")
    axes.grid(alpha=0.3, axis="y", which="both")
    legend_outside(axes)
    figure.tight_layout()
    return figure


def horizon_figure(cells, title, start, longest):
    """cells: {label: (Horizon, [each seed's last-solved distance, 0 if none])}."""
    figure, axes = plt.subplots(figsize=(8, 4), dpi=100)
    labels = list(cells)
    for index, label in enumerate(labels):
        horizon, seeds = cells[label]
        colour = f"C{index % 10}"
        value = _shown(horizon.value, horizon.kind, start, longest)
        low, high = (_shown(v, "exact", start, longest) for v in (horizon.low, horizon.high))
        axes.errorbar([index], [value], yerr=[[max(value - low, 0)], [max(high - value, 0)]], color=colour,
                      marker=KIND_MARKERS[horizon.kind], markersize=9, capsize=5, linestyle="none")
        offsets = np.linspace(-0.25, 0.25, len(seeds)) if len(seeds) > 1 else [0.0]
        for offset, last in zip(offsets, seeds):
            axes.plot(index + 0.3 + offset / 3, _shown(last, "exact" if last else "below", start, longest), marker=".",
                      color=colour, alpha=0.5, linestyle="none")
    axes.axhline(longest, color="grey", linestyle="--", label=f"longest distance searched ({longest})")
    axes.axhline(start, color="grey", linestyle=":", label=f"first distance searched ({start})")
    axes.plot([], [], marker="o", color="black", linestyle="none", label="horizon: half the seeds solve (95% interval)")
    axes.plot([], [], marker="^", color="black", linestyle="none", label="at least the longest")
    axes.plot([], [], marker="v", color="black", linestyle="none", label=f"below {start}")
    axes.plot([], [], marker=".", color="black", alpha=0.5, linestyle="none", label="each seed's longest solved")
    return _one_column_per_cell(figure, axes, labels, title, "training distance", start / 2.2, longest * 1.8)


def fraction_figure(cells, title):
    """cells: {label: ([distances probed], [share of seeds that solved each])}."""
    figure, axes = plt.subplots(figsize=(8, 4), dpi=100)
    all_xs = sorted({d for distances, _ in cells.values() for d in distances})
    for index, (label, (distances, fractions)) in enumerate(cells.items()):
        axes.plot(distances, fractions, marker=MARKERS[index % len(MARKERS)], color=f"C{index % 10}", label=label)
    axes.axhline(0.5, color="grey", linestyle="--", label="half the seeds")
    distance_ticks(axes, all_xs, wants_log_axis(all_xs) or len(all_xs) > 8)
    axes.set_ylim(-0.03, 1.03)
    axes.set_xlabel("training distance of the probes")
    axes.set_ylabel("share of seeds that solved it")
    axes.set_title(title, fontsize="medium")
    axes.grid(alpha=0.3)
    legend_outside(axes)
    figure.tight_layout()
    return figure


def _row(index, count, low, high):
    """The index-th of count rows spaced evenly on a log axis between low and high."""
    return low * (high / low) ** (index / max(count - 1, 1))


def budget_figure(cells, title, start, longest, x_label="step budget of each probe"):
    """cells: {label: [(budget or size, Horizon)] ascending}: the horizon against it, log axes,
    with the 95% interval as a band. "Below start" and "at least longest" are not distances, so
    each cell draws them on a row of its own (below the first distance, above the longest) and
    cells that share them stay visible."""
    figure, axes = plt.subplots(figsize=(8, 4), dpi=100)
    budgets = sorted({b for points in cells.values() for b, _ in points})
    for index, (label, points) in enumerate(cells.items()):
        colour = f"C{index % 10}"
        below_row = _row(index, len(cells), start / 1.9, start / 1.15)
        above_row = _row(index, len(cells), longest * 1.1, longest * 1.6)

        def shown(value, kind):
            if kind == "below" or value <= 0:
                return below_row
            return above_row if kind == "at_least" else value

        xs = [b for b, _ in points]
        values = [shown(h.value, h.kind) for _, h in points]
        axes.plot(xs, values, color=colour, label=label)
        axes.fill_between(xs, [shown(h.low, "exact") for _, h in points], [shown(h.high, "exact") for _, h in points],
                          color=colour, alpha=0.12)
        for x, value, (_, horizon) in zip(xs, values, points):
            axes.plot([x], [value], marker=KIND_MARKERS[horizon.kind], color=colour, linestyle="none")
    axes.axhline(longest, color="grey", linestyle="--", label=f"longest distance searched ({longest})")
    axes.axhline(start, color="grey", linestyle=":", label=f"first distance searched ({start})")
    axes.plot([], [], marker="^", color="black", linestyle="none", label=f"at least {longest} (a row per cell)")
    axes.plot([], [], marker="v", color="black", linestyle="none", label=f"below {start} (a row per cell)")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xticks(budgets, [str(b) for b in budgets])
    axes.minorticks_off()
    axes.set_ylim(start / 2.2, longest * 1.8)
    axes.set_xlabel(x_label)
    axes.set_ylabel("horizon (training distance)")
    axes.set_title(title, fontsize="medium")
    axes.grid(alpha=0.3, which="both")
    legend_outside(axes)
    figure.tight_layout()
    return figure


def retention_figure(cells, title, start, longest):
    """cells: {label: (Horizon, retention entry of horizon.json)}: per cell the horizon (circle,
    95% interval) and how far the solutions hold (square, 95% interval; dots: each seed's,
    a triangle where a seed still held at its climb's end)."""
    figure, axes = plt.subplots(figsize=(8, 4), dpi=100)
    labels, top = list(cells), longest
    for index, label in enumerate(labels):
        horizon, retention = cells[label]
        colour = f"C{index % 10}"
        value = _shown(horizon.value, horizon.kind, start, longest)
        low, high = (_shown(v, "exact", start, longest) for v in (horizon.low, horizon.high))
        axes.errorbar([index - 0.15], [value], yerr=[[max(value - low, 0)], [max(high - value, 0)]], color=colour,
                      marker=KIND_MARKERS[horizon.kind], markersize=8, capsize=4, linestyle="none")
        held = _shown(retention["value"], "exact", start, math.inf)
        held_low, held_high = (_shown(v, "exact", start, math.inf) for v in (retention["low"], retention["high"]))
        axes.errorbar([index + 0.15], [held], yerr=[[max(held - held_low, 0)], [max(held_high - held, 0)]],
                      color=colour, marker="s", markersize=8, capsize=4, linestyle="none", markerfacecolor="white")
        seeds = retention["seeds"]
        offsets = np.linspace(-0.1, 0.1, len(seeds)) if len(seeds) > 1 else [0.0]
        for offset, seed in zip(offsets, seeds):
            y = _shown(seed["holds_to"], "exact" if seed["holds_to"] else "below", start, math.inf)
            top = max(top, y)
            axes.plot(index + 0.35 + offset, y, marker="^" if seed["at_least"] else ".", color=colour, alpha=0.5,
                      linestyle="none")
    axes.axhline(longest, color="grey", linestyle="--", label=f"longest distance searched ({longest})")
    axes.plot([], [], marker="o", color="black", linestyle="none", label="horizon: half the seeds learn it")
    axes.plot([], [], marker="s", color="black", markerfacecolor="white", linestyle="none",
              label="holds to: median over seeds (95% interval)")
    axes.plot([], [], marker=".", color="black", alpha=0.5, linestyle="none", label="each seed's")
    axes.plot([], [], marker="^", color="black", alpha=0.5, linestyle="none", label="a seed still held at the climb's end")
    return _one_column_per_cell(figure, axes, labels, title, "distance", start / 2.2, top * 1.8)
