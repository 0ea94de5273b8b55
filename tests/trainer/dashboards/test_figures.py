"""The figure functions on the cases that broke them: long titles, zero gradients, categories
with few or no trials, one seed or several. Each must draw (a PNG) without warnings, and the
greyed and floor markers must be there."""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest

from trainer.dashboards import figures, horizon_figures
from trainer.study.search import Horizon
from trainer.accuracy import Accuracy


@pytest.fixture(autouse=True)
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def is_png(figure):
    return figures.figure_png(figure)[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_long_title_fits_inside_the_figure():
    title = "gru (chrono, forget_bias=2.0) on agreement, d=200: test accuracy against distance"
    points = [(d, [Accuracy.from_counts(900, 1000)]) for d in (1, 2, 5, 10, 20, 50)]
    figure = figures.accuracy_figure({"accuracy (95% interval)": points}, 0.5, "distance", title, trained_up_to=10)
    figure.canvas.draw()
    box = figure.axes[0].title.get_window_extent()
    assert box.x0 >= 0 and box.x1 <= figure.bbox.width
    legend = figure.axes[0].get_legend().get_window_extent()
    assert legend.x0 >= figure.axes[0].get_window_extent().x1  # the legend is beside the data, not on it
    assert is_png(figure)


def test_categories_with_few_trials_are_greyed_and_left_out_of_the_line():
    points = [(0, [Accuracy.from_counts(990, 1000)]), (1, [Accuracy.from_counts(400, 800)]),
              (12, [Accuracy.from_counts(2, 3)]), (13, [Accuracy.from_counts(0, 1)])]
    figure = figures.accuracy_figure({"accuracy": points}, 0.5, "attractors", "attractors", min_trials=figures.MIN_TRIALS)
    axes = figure.axes[0]
    container = next(c for c in axes.containers if c.get_label() == "accuracy")
    assert list(container.lines[0].get_xdata()) == [0, 1]
    labels = [text.get_text() for text in axes.get_legend().get_texts()]
    assert f"fewer than {figures.MIN_TRIALS} trials: too few to read" in labels
    assert is_png(figure)


def test_zero_gradient_norms_are_drawn_on_the_floor():
    norms = [1.0, 0.1, 0.01, 0.0, 0.0]
    figure = figures.gradient_figure({"trained": [norms], "initial": [[1.0, 0.5, 0.25, 0.125, 0.06]]}, "gradient")
    axes = figure.axes[0]
    floor = next(line for line in axes.get_lines() if line.get_label().startswith("zero"))
    assert list(floor.get_xdata()) == [3, 4]
    assert all(y == pytest.approx(axes.get_ylim()[0]) for y in floor.get_ydata())
    assert is_png(figure)


def test_gradient_that_is_zero_everywhere_still_draws():
    assert is_png(figures.gradient_figure({"trained": [[0.0, 0.0, 0.0]]}, "all zero"))


def test_empty_breakdown_and_several_seeds():
    assert is_png(figures.accuracy_figure({}, 0.5, "attractors", "no categories"))
    seeds = [(d, [Accuracy.from_counts(c, 100) for c in (50, 70, 90)]) for d in (5, 20)]
    figure = figures.accuracy_figure({"gru": seeds}, 0.125, "distance", "three seeds", threshold=0.99)
    assert any("median of 3 seeds" in t.get_text() for t in figure.axes[0].get_legend().get_texts())
    assert is_png(figure)


def test_horizon_figures_draw_every_kind():
    below, exact, at_least = (Horizon(0, "below", 0, 0, ()), Horizon(22.5, "exact", 12, 40, ()),
                              Horizon(160, "at_least", 90, 160, ()))
    cells = {"rnn": (below, [0, 0]), "lstm": (exact, [20, 25, 30]), "gru": (at_least, [160])}
    assert is_png(horizon_figures.horizon_figure(cells, "horizon", 5, 160))
    assert is_png(horizon_figures.fraction_figure({"gru": ([5, 10, 21], [1.0, 0.6, 0.2])}, "fractions"))
    budgets = {"lstm": [(125, below), (250, exact), (2000, at_least)], "gru": [(125, exact), (2000, exact)]}
    assert is_png(horizon_figures.budget_figure(budgets, "budget", 5, 160))
    assert is_png(figures.steps_figure({"gru": [(5, [200, 400]), (10, [800])]}, "distance", "steps", "steps", 2000))


def test_budget_figure_keeps_cells_that_share_below_or_at_least_apart():
    below, at_least = Horizon(0, "below", 0, 0, ()), Horizon(160, "at_least", 90, 160, ())
    cells = {label: [(500, below), (1000, at_least)] for label in ("rnn", "lstm", "gru")}
    lines = [line for line in horizon_figures.budget_figure(cells, "budget", 5, 160).axes[0].get_lines()
             if line.get_label() in cells]
    heights = [tuple(line.get_ydata()) for line in lines]
    assert len(set(heights)) == 3
    assert all(y_below < 5 and y_above > 160 for y_below, y_above in heights)
    plt.close("all")


def test_gate_heat_map_marks_every_phase():
    gates = {"update": np.random.default_rng(0).random((30, 4))}
    figure = figures.gate_heatmap_figure(gates, "gates", [(0, "store"), (10, "delay"), (25, "recall")])
    assert [text.get_text() for text in figure.axes[0].texts] == ["store", "delay", "recall"]
    assert is_png(figure)
    plt.close("all")
