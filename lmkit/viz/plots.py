"""Static matplotlib figures for the course: loss curves, word maps, small matrices.

The functions take arrays (NumPy arrays, torch tensors on any device, nested
lists) and labels, draw on a given ``ax`` or a new figure, and return the axes.
They never import lmkit's model code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from lmkit.viz.heatmap import check_finite, to_numpy

__all__ = ["plot_losses", "moving_average", "plot_word_map", "plot_matrix"]


def _axes(ax, size: tuple[float, float]):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=size)
    return ax


def _labels(labels: Any, count: int, name: str = "labels") -> list[str]:
    if isinstance(labels, str) or not isinstance(labels, Sequence):
        raise TypeError(f"{name} must be a list of strings; got {type(labels).__name__}")
    if len(labels) != count:
        raise ValueError(f"{name} must have one entry per row ({count}); got {len(labels)}")
    return [str(label) for label in labels]


def moving_average(values: Any, window: int) -> np.ndarray:
    """Trailing mean over ``window`` points: (N,) -> (N − window + 1,); window 1 returns a copy."""
    array = to_numpy(values, "values")
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"values must have shape (N,) with N >= 1; got {array.shape}")
    if not isinstance(window, int) or window < 1:
        raise ValueError(f"window must be a positive int; got {window!r}")
    window = min(window, array.size)
    cumulative = np.cumsum(np.concatenate([[0.0], array.astype(np.float64)]))
    return ((cumulative[window:] - cumulative[:-window]) / window).astype(np.float32)


def plot_losses(losses: Any, *, smooth: int = 50, ax=None, title: str = "training loss", xlabel: str = "step"):
    """Plot a loss per step, faint, with its ``smooth``-step moving average on top."""
    array = to_numpy(losses, "losses")
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"losses must have shape (steps,) with at least one step; got {array.shape}")
    check_finite(array, "losses")
    ax = _axes(ax, (6, 3.5))
    steps = np.arange(array.size)
    ax.plot(steps, array, alpha=0.3, linewidth=0.8, label="per step")
    if smooth > 1 and array.size > smooth:
        ax.plot(steps[smooth - 1 :], moving_average(array, smooth), linewidth=2, label=f"mean of {smooth} steps")
        ax.legend()
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    return ax


def plot_word_map(
    points: Any,
    labels: Sequence[str],
    *,
    arrows: Sequence[tuple[str, str]] = (),
    groups: Sequence[str] | None = None,
    ax=None,
    title: str = "word vectors (2-D projection)",
):
    """Scatter (N, 2) points with a word next to each, optionally with arrows.

    ``arrows`` lists (from_word, to_word) pairs, e.g. country → capital, drawn as
    arrows between the two points; ``groups`` (one name per point) colours the
    points by group and adds a legend.
    """
    array = to_numpy(points, "points")
    if array.ndim != 2 or array.shape[1] != 2 or array.shape[0] == 0:
        raise ValueError(f"points must have shape (N, 2) with N >= 1; got {array.shape}")
    check_finite(array, "points")
    words = _labels(labels, array.shape[0])
    position = {word: i for i, word in enumerate(words)}
    ax = _axes(ax, (7, 6))
    if groups is not None:
        group_names = _labels(groups, array.shape[0], "groups")
        for group in dict.fromkeys(group_names):
            mask = np.array([g == group for g in group_names])
            ax.scatter(array[mask, 0], array[mask, 1], s=25, label=group)
        ax.legend()
    else:
        ax.scatter(array[:, 0], array[:, 1], s=25)
    for word, (x, y) in zip(words, array):
        ax.annotate(word, (x, y), xytext=(3, 3), textcoords="offset points", fontsize=9)
    for start, end in arrows:
        missing = [w for w in (start, end) if w not in position]
        if missing:
            raise ValueError(f"arrow ({start!r}, {end!r}) names {missing[0]!r}, which is not among the labels")
        ax.annotate(
            "",
            xy=array[position[end]],
            xytext=array[position[start]],
            arrowprops={"arrowstyle": "->", "color": "grey", "alpha": 0.7},
        )
    ax.set_title(title)
    ax.grid(alpha=0.3)
    return ax


def plot_matrix(
    matrix: Any,
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
    *,
    ax=None,
    title: str = "",
    cmap: str = "viridis",
    annotate: bool = False,
):
    """Draw a small (R, C) matrix (e.g. co-occurrence counts or PPMI) as a labelled heatmap.

    With ``annotate=True`` each cell shows its value (sensible up to ~15×15).
    """
    array = to_numpy(matrix, "matrix")
    if array.ndim != 2 or array.size == 0:
        raise ValueError(f"matrix must have shape (R, C) and not be empty; got {array.shape}")
    check_finite(array, "matrix")
    ax = _axes(ax, (1 + 0.45 * array.shape[1], 0.8 + 0.4 * array.shape[0]))
    image = ax.imshow(array, cmap=cmap, aspect="auto")
    ax.figure.colorbar(image, ax=ax)
    if row_labels is not None:
        ax.set_yticks(range(array.shape[0]), _labels(row_labels, array.shape[0], "row_labels"))
    if col_labels is not None:
        ax.set_xticks(range(array.shape[1]), _labels(col_labels, array.shape[1], "col_labels"), rotation=90)
    if annotate:
        middle = (array.max() + array.min()) / 2
        for (i, j), value in np.ndenumerate(array):
            colour = "black" if value > middle else "white"
            ax.text(j, i, f"{value:.2g}", ha="center", va="center", fontsize=8, color=colour)
    ax.set_title(title)
    return ax
