"""The figures a run and a sweep draw (matplotlib, Agg), as figures and as PNG bytes.

    accuracy_figure       accuracy with 95% intervals against distance or a breakdown's categories,
                          several seeds as their median, range and points
    steps_figure          steps to solve against distance, seeds likewise
    gradient_figure       gradient norm against lag, log scale, seeds likewise
    gate_heatmap_figure   gate activations, unit x time step, with the example's phases marked
"""

import io
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import ticker  # noqa: E402
import numpy as np  # noqa: E402

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
MIN_TRIALS = 30  # a category with fewer trials is drawn grey and left out of the line: too few to read


def legend_outside(axes, **options):
    """The legend to the right of the axes, where it cannot hide data."""
    axes.legend(loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0, fontsize="small", **options)


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


def _seed_errors(accuracies):
    """[[below], [above]] of each seed's 95% interval, for errorbar."""
    return [[a.accuracy - a.low for a in accuracies], [a.high - a.accuracy for a in accuracies]]


def _draw_seeds(axes, index, label, points, shift, connect, accuracies=True, min_trials=None):
    """One series of a figure: points [(x, [value per seed])], values Accuracy (accuracies) or
    numbers. One seed: the points (with their 95% intervals). Several: the median line, a band
    from the lowest to the highest seed, and each seed's point, faint. With min_trials, points
    whose every seed has fewer trials are drawn grey and open, outside the line; returns
    whether there were any."""
    colour, marker = f"C{index % 10}", MARKERS[index % len(MARKERS)]
    small = []
    if accuracies and min_trials:
        small = [(x, values) for x, values in points if max(v.trials for v in values) < min_trials]
        points = [(x, values) for x, values in points if max(v.trials for v in values) >= min_trials]
        for x, values in small:
            for value in values:
                axes.errorbar([shift(x)], [value.accuracy], yerr=_seed_errors([value]), marker=marker, color="0.6",
                              markerfacecolor="white", capsize=2, linestyle="none", elinewidth=0.8)
    if not points:
        return bool(small)
    value = (lambda a: a.accuracy) if accuracies else float
    xs = [shift(x) for x, _ in points]
    seeds = max(len(values) for _, values in points)
    if seeds == 1:
        ys = [value(values[0]) for _, values in points]
        errors = _seed_errors([values[0] for _, values in points]) if accuracies else None
        axes.errorbar(xs, ys, yerr=errors, marker=marker, color=colour, capsize=3, label=label,
                      linestyle="-" if connect else "none")
        return bool(small)
    medians = [float(np.median([value(v) for v in values])) for _, values in points]
    lows = [min(value(v) for v in values) for _, values in points]
    highs = [max(value(v) for v in values) for _, values in points]
    if connect:
        axes.fill_between(xs, lows, highs, color=colour, alpha=0.15, linewidth=0)
    else:
        axes.vlines(xs, lows, highs, color=colour, alpha=0.25, linewidth=6)
    for x, (_, values) in zip(xs, points):
        ys = [value(v) for v in values]
        axes.errorbar([x] * len(ys), ys, yerr=_seed_errors(values) if accuracies else None, marker=marker,
                      color=colour, alpha=0.35, markersize=3, linestyle="none", elinewidth=0.8)
    counts = {len(values) for _, values in points}
    spread = f"median of {seeds} seeds, range" if len(counts) == 1 else "median and range of the seeds at each point"
    axes.plot(xs, medians, marker=marker, color=colour, linestyle="-" if connect else "none", label=f"{label}: {spread}")
    return bool(small)


def wants_log_axis(all_xs):
    """Whether xs span enough (a factor of 20) for a logarithmic axis."""
    return len(all_xs) > 1 and min(all_xs) > 0 and max(all_xs) / min(all_xs) >= 20


def distance_ticks(axes, xs, log_x):
    """Ticks at every x when there are few; else at 1, 2, 5 x powers of ten (log) or matplotlib's."""
    if log_x:
        axes.set_xscale("log")
    if len(xs) <= 8:
        axes.set_xticks(xs, [str(x) for x in xs])
        axes.minorticks_off()
    elif log_x:
        axes.xaxis.set_major_locator(ticker.LogLocator(subs=(1, 2, 5)))
        axes.xaxis.set_major_formatter(ticker.ScalarFormatter())
        axes.xaxis.set_minor_locator(ticker.NullLocator())


def accuracy_figure(series, chance, xlabel, title, trained_up_to=None, tick_label=str, connect=True, threshold=None,
                    min_trials=None):
    """Accuracy against xlabel, one line per series, the chance line, the solved threshold
    (if given) and a vertical line at the longest training distance (if given).

    series: {label: [(x, [Accuracy, one per seed])]}, x an integer (a distance, a count or a
    category); one seed is drawn with its 95% interval, several as their median, the band from
    the lowest to the highest seed and each seed's point (_draw_seeds). tick_label(x) names
    the ticks; connect=False draws points only (categories, not counts); min_trials greys the
    categories with fewer trials than that (_draw_seeds). With x spanning a factor of 20 or
    more the x axis is logarithmic.
    """
    figure, axes = plt.subplots(figsize=(8, 4), dpi=100)
    all_xs = sorted({x for points in series.values() for x, _ in points})
    log_x = wants_log_axis(all_xs)
    greyed = False
    for index, (label, points) in enumerate(series.items()):
        greyed |= _draw_seeds(axes, index, label, points, dodge(index, len(series), all_xs, log_x), connect,
                              min_trials=min_trials)
    if greyed:
        axes.plot([], [], marker="o", color="0.6", markerfacecolor="white", linestyle="none",
                  label=f"fewer than {min_trials} trials: too few to read")
    axes.axhline(chance, color="grey", linestyle="--", label=f"chance ({chance:.3g})")
    if threshold is not None:
        axes.axhline(threshold, color="tab:green", linestyle=":", label=f"solved ({threshold:g})")
    if trained_up_to is not None:
        axes.axvline(trained_up_to, color="tab:orange", linestyle=":", label=f"longest training distance ({trained_up_to})")
    if log_x:
        axes.set_xscale("log")
    axes.set_xticks(all_xs, [tick_label(x) for x in all_xs])
    axes.minorticks_off()
    axes.set_ylim(0, 1.02)
    axes.set_xlabel(xlabel)
    axes.set_ylabel("accuracy")
    axes.set_title(title, fontsize="medium")
    axes.grid(alpha=0.3)
    legend_outside(axes)
    figure.tight_layout()
    return figure


def steps_figure(series, xlabel, ylabel, title, budget=None):
    """A count (steps to solve) against distance, one line per series, seeds as in accuracy_figure.

    series: {label: [(distance, [value per seed])]}; budget (if given) is drawn as a line.
    """
    figure, axes = plt.subplots(figsize=(8, 4), dpi=100)
    all_xs = sorted({x for points in series.values() for x, _ in points})
    log_x = wants_log_axis(all_xs)
    for index, (label, points) in enumerate(series.items()):  # not dodged: the cells' distances differ anyway
        _draw_seeds(axes, index, label, points, lambda x: x, True, accuracies=False)
    if budget is not None:
        axes.axhline(budget, color="grey", linestyle="--", label=f"budget ({budget} steps)")
    distance_ticks(axes, all_xs, log_x)
    axes.set_ylim(bottom=0)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(title, fontsize="medium")
    axes.grid(alpha=0.3)
    legend_outside(axes)
    figure.tight_layout()
    return figure


def figure_png(figure):
    """PNG bytes of a matplotlib figure (which is closed)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


def gradient_figure(curves, title):
    """Gradient norm against lag on a log y axis, one line per curve.

    curves: {label: [norms [T], one per seed]}; several seeds are drawn as their median with a
    band from the lowest to the highest. A norm of zero has no place on a log axis: it is
    drawn as a grey downward triangle on the bottom edge ("zero").
    """
    figure, axes = plt.subplots(figsize=(8, 4), dpi=100)
    zeros = []
    for index, (label, per_seed) in enumerate(curves.items()):
        norms = np.asarray(per_seed, dtype=float)
        positive = np.where(norms > 0, norms, np.nan)
        lags = np.arange(norms.shape[1])
        colour = f"C{index % 10}"
        with warnings.catch_warnings():  # a lag at which every seed's norm is zero stays empty
            warnings.simplefilter("ignore", RuntimeWarning)
            if len(norms) > 1:
                axes.fill_between(lags, np.nanmin(positive, axis=0), np.nanmax(positive, axis=0), color=colour,
                                  alpha=0.15, linewidth=0)
                label = f"{label}: median of {len(norms)} seeds, range"
            axes.plot(lags, np.nanmedian(positive, axis=0), color=colour, label=label)
        zeros.extend(lags[np.median(norms, axis=0) <= 0])
    axes.set_yscale("log")
    if zeros:
        bottom = axes.get_ylim()[0]
        axes.plot(zeros, [bottom] * len(zeros), marker="v", color="0.5", linestyle="none", clip_on=False,
                  label="zero (below any log axis)")
        axes.set_ylim(bottom=bottom)
    axes.set_xlabel("lag (steps before the last input)")
    axes.set_ylabel("mean |d loss(last step) / d input|")
    axes.set_title(title, fontsize="medium")
    axes.grid(alpha=0.3, which="both")
    legend_outside(axes)
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
    panels[0, 0].set_title(title, pad=16, fontsize="medium")
    figure.colorbar(image, ax=panels[:, 0].tolist(), label="activation")
    return figure
