"""The figures a run and a sweep draw (matplotlib, Agg), as figures and as PNG bytes.

    accuracy_figure       accuracy with 95% intervals against distance or a breakdown's categories
    gradient_figure       gradient norm against lag, log scale
    gate_heatmap_figure   gate activations, unit x time step, with the example's phases marked
"""

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def dodge(index, count, xs, log_x, width=0.05):
    """x -> x moved sideways by the index-th of count series (a fraction of the axis span), so
    series with equal values stay visible side by side."""
    if count < 2 or len(xs) < 2:
        return lambda x: x
    fraction = width * (index - (count - 1) / 2) / (count - 1)
    if log_x:
        factor = (max(xs) / min(xs)) ** fraction
        return lambda x: x * factor
    step = (max(xs) - min(xs)) * fraction
    return lambda x: x + step


def accuracy_figure(series, chance, xlabel, title, trained_up_to=None, tick_label=str, connect=True):
    """Accuracy with 95% intervals against xlabel, one line per series, the chance line, and
    (if given) a vertical line at the longest training distance.

    series: {label: [(x, Accuracy)]}, x an integer (a distance, a count or a category);
    tick_label(x) names the ticks; connect=False draws points only (categories, not counts).
    With x spanning a factor of 20 or more the x axis is
    logarithmic.
    """
    figure, axes = plt.subplots(figsize=(6, 4), dpi=100)
    all_xs = sorted({x for points in series.values() for x, _ in points})
    log_x = len(all_xs) > 1 and min(all_xs) > 0 and max(all_xs) / min(all_xs) >= 20
    for index, (label, points) in enumerate(series.items()):
        shift = dodge(index, len(series), all_xs, log_x)
        xs = [shift(x) for x, _ in points]
        ys = [a.accuracy for _, a in points]
        errors = [[a.accuracy - a.low for _, a in points], [a.high - a.accuracy for _, a in points]]
        axes.errorbar(xs, ys, yerr=errors, marker=MARKERS[index % len(MARKERS)], capsize=3, label=label,
                      linestyle="-" if connect else "none")
    axes.axhline(chance, color="grey", linestyle="--", label=f"chance ({chance:.3g})")
    if trained_up_to is not None:
        axes.axvline(trained_up_to, color="tab:orange", linestyle=":", label=f"longest training distance ({trained_up_to})")
    if log_x:
        axes.set_xscale("log")
    axes.set_xticks(all_xs, [tick_label(x) for x in all_xs])
    axes.minorticks_off()
    axes.set_ylim(0, 1.02)
    axes.set_xlabel(xlabel)
    axes.set_ylabel("accuracy")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend(loc="best", fontsize="small")
    figure.tight_layout()
    return figure


def figure_png(figure):
    """PNG bytes of a matplotlib figure (which is closed)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


def gradient_figure(curves, title):
    """Gradient norm against lag on a log y axis, one line per curve. curves: {label: norms [T]}."""
    figure, axes = plt.subplots(figsize=(6, 4), dpi=100)
    for label, norms in curves.items():
        norms = np.asarray(norms, dtype=float)
        shown = np.where(norms > 0, norms, np.nan)  # a zero norm has no place on a log axis
        axes.plot(np.arange(len(norms)), shown, label=label)
    axes.set_yscale("log")
    axes.set_xlabel("lag (steps before the last input)")
    axes.set_ylabel("mean |d loss(last step) / d input|")
    axes.set_title(title)
    axes.grid(alpha=0.3, which="both")
    axes.legend(loc="best", fontsize="small")
    figure.tight_layout()
    return figure


def gate_heatmap_figure(gates, title, markers=()):
    """One panel per gate: units (rows) against time (columns), colour = activation in [0, 1].

    gates: {name: [T, u]} for one sequence; markers: [(time step, label)] drawn as vertical lines.
    """
    figure, panels = plt.subplots(len(gates), 1, figsize=(7, 1.2 + 1.6 * len(gates)), dpi=100, sharex=True, squeeze=False)
    for axes, (name, values) in zip(panels[:, 0], gates.items()):
        image = axes.imshow(np.asarray(values).T, aspect="auto", vmin=0, vmax=1, cmap="viridis", interpolation="nearest")
        axes.set_ylabel(f"{name}\nunit")
        for position, label in markers:
            axes.axvline(position - 0.5, color="white", linestyle="--", linewidth=1)
    for position, label in markers:
        panels[0, 0].annotate(label, (position - 0.5, 1), xycoords=("data", "axes fraction"), xytext=(2, 2),
                              textcoords="offset points", fontsize="small")
    panels[-1, 0].set_xlabel("time step")
    panels[0, 0].set_title(title, pad=16)
    figure.colorbar(image, ax=panels[:, 0].tolist(), label="activation")
    return figure
