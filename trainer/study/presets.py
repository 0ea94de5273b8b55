"""The study's presets: what the sweep trains by default, and the units, budget and learning
rate a search's probes take unless told otherwise. This table is the one place outside data/
that names tasks: each preset lists, per task, its settings."""

import dataclasses
from typing import Dict, Tuple

STUDY_CELLS = ("rnn", "relu_rnn", "additive", "ungated_lstm", "lstm", "gru", "min_gru", "min_lstm", "lru", "ind_rnn",
               "sco_rnn")


@dataclasses.dataclass(frozen=True)
class Preset:
    cells: Tuple[str, ...]  # cells to train
    distances: Dict[str, Tuple[int, ...]]  # task -> training distances; the tasks are its keys
    steps: Dict[str, int]  # task -> training steps per run
    learning_rate: Dict[str, float]  # task -> optimizer learning rate
    units: int  # hidden units
    eval_every: int  # steps between evaluations and checkpoints
    batch_size: int = 64  # sequences per batch


PRESETS = {
    # All cells, every task, a few distances (docs/study.md has its measured time).
    # Copy's learning rate is 1e-2: at 3e-3 the GRU reached 0.49 at d=10 in 6000 steps, at 1e-2 0.92 in 4000.
    "quick": Preset(
        cells=STUDY_CELLS,
        distances={"copy": (5, 20), "agreement": (5, 20, 50), "adding": (10, 50)},
        steps={"copy": 4000, "agreement": 1500, "adding": 2000},
        learning_rate={"copy": 1e-2, "agreement": 3e-3, "adding": 1e-3},
        units=64,
        eval_every=500,
    ),
    # Longer distances, more units and steps: for a GPU or Colab (not timed on a CPU).
    "full": Preset(
        cells=STUDY_CELLS,
        distances={"copy": (10, 20, 50, 100), "agreement": (10, 20, 50, 100, 200), "adding": (50, 100, 200, 400)},
        steps={"copy": 20000, "agreement": 5000, "adding": 10000},
        learning_rate={"copy": 1e-2, "agreement": 3e-3, "adding": 1e-3},
        units=128,
        eval_every=1000,
    ),
}


def get_preset(name):
    """The Preset called name; a ValueError lists the valid names otherwise."""
    try:
        return PRESETS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown preset {name!r}; valid presets: {', '.join(PRESETS)}") from None
