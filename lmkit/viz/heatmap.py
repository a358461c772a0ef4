"""Static matplotlib pictures of attention weights.

``attention_heatmap`` draws one head: an (L, L) matrix whose row ``i`` is where
query token ``i`` looks (a distribution over the key tokens along the columns).
``attention_grid`` draws every head of one layer side by side on a shared colour
scale, so strong and diffuse heads can be compared at a glance.

These functions take arrays (NumPy, PyTorch, nested lists) and token strings;
they never import lmkit's model code. The same pictures serve as the static
fallback of :class:`lmkit.viz.explorer.AttentionExplorer`, shown where widgets
cannot run (HTML exports, nbgrader feedback, GitHub's notebook preview).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

DEFAULT_CMAP = "Blues"
# Above this many tokens, label only every k-th tick so the labels stay legible.
MAX_LABELLED_TICKS = 40


def to_numpy(values: Any, name: str = "weights") -> np.ndarray:
    """Return ``values`` (a NumPy array, a torch tensor on any device, or nested
    lists) as a float32 NumPy array on the CPU.

    Raises TypeError for non-numeric data (booleans, complex numbers, strings).
    """
    if hasattr(values, "detach") and hasattr(values, "cpu"):  # a torch tensor, without importing torch
        tensor = values.detach().cpu()
        if tensor.is_complex() or str(tensor.dtype) == "torch.bool":
            raise TypeError(f"{name} must hold real numbers; got a tensor of dtype {tensor.dtype}")
        if tensor.is_floating_point():
            tensor = tensor.float()  # bfloat16 and float16 have no NumPy twin we want
        values = tensor.numpy()
    try:
        array = np.asarray(values)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array; got ragged input ({error})") from None
    if array.dtype.kind not in "fiu":
        raise TypeError(f"{name} must hold real numbers (float or int); got dtype {array.dtype}")
    return array.astype(np.float32, copy=False)


def check_finite(array: np.ndarray, name: str = "weights") -> None:
    """Raise ValueError, naming the first bad position, if ``array`` holds NaN or inf."""
    bad = ~np.isfinite(array)
    if bad.any():
        position = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name} must be finite; got {array[position]} at index {position}")


def check_tokens(tokens: Any, length: int, name: str = "tokens") -> list[str]:
    """Return ``tokens`` as a list of ``length`` strings, or raise TypeError/ValueError."""
    if isinstance(tokens, str) or not isinstance(tokens, Sequence):
        raise TypeError(f"{name} must be a list of strings; got {type(tokens).__name__}")
    not_strings = [type(token).__name__ for token in tokens if not isinstance(token, str)]
    if not_strings:
        raise TypeError(f"{name} must be a list of strings; got an item of type {not_strings[0]}")
    if len(tokens) != length:
        raise ValueError(f"{name} must have one string per position (L={length}); got {len(tokens)} tokens")
    return list(tokens)


def as_square_weights(weights: Any, leading_dims: int, name: str = "weights") -> np.ndarray:
    """Validate attention weights with ``leading_dims`` axes before the (L, L) matrix.

    ``leading_dims=0`` expects (L, L) and ``leading_dims=1`` expects (heads, L, L).
    Returns a finite float32 array of that shape.
    """
    array = to_numpy(weights, name)
    expected = "(" + "heads, " * leading_dims + "L, L)"
    if array.ndim != leading_dims + 2 or array.shape[-1] != array.shape[-2]:
        raise ValueError(f"{name} must have shape {expected}; got {tuple(array.shape)}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {tuple(array.shape)}")
    check_finite(array, name)
    return array


def tick_positions(length: int, max_ticks: int = MAX_LABELLED_TICKS) -> np.ndarray:
    """Positions 0, k, 2k, ... with at most ``max_ticks`` of them, for ``length`` tokens."""
    step = max(1, math.ceil(length / max_ticks))
    return np.arange(0, length, step)


def _label_axes(ax, tokens: list[str] | None, length: int, font_size: float) -> None:
    """Put key tokens along the x axis (top to bottom reading) and query tokens along y."""
    ticks = tick_positions(length)
    ax.set_xticks(ticks)
    ax.set_yticks(ticks)
    if tokens is None:
        return
    labels = [tokens[i] for i in ticks]
    ax.set_xticklabels(labels, rotation=90, fontsize=font_size)
    ax.set_yticklabels(labels, fontsize=font_size)


def _new_axes(ax, size: float):
    """Return ``ax``, or the axes of a new pyplot figure of ``size`` inches when ``ax`` is None."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=(size + 1.2, size), layout="constrained")
    return figure.add_subplot()


def attention_heatmap(
    weights: Any,
    tokens: Sequence[str] | None = None,
    *,
    ax=None,
    title: str | None = None,
    cmap: str = DEFAULT_CMAP,
    vmin: float = 0.0,
    vmax: float | None = None,
    colorbar: bool = True,
):
    """Draw one attention head as a heatmap: query tokens down, key tokens across.

    Args:
        weights: (L, L) attention weights; row i is the distribution of query i over keys.
        tokens: L token strings labelling both axes (every k-th one when L > 40).
        ax: matplotlib Axes to draw into; a new pyplot figure is made when None
            (Jupyter's inline backend then shows it at the end of the cell).
        title: optional title above the heatmap.
        cmap, vmin, vmax: colour scale; ``vmax=None`` uses the largest weight.
        colorbar: add a colour bar to the right.

    Returns:
        The matplotlib Axes drawn into (its figure is ``ax.figure``).
    """
    matrix = as_square_weights(weights, leading_dims=0)
    length = matrix.shape[0]
    labels = None if tokens is None else check_tokens(tokens, length)
    ax = _new_axes(ax, size=min(9.0, 2.5 + 0.22 * min(length, MAX_LABELLED_TICKS)))
    image = ax.imshow(
        matrix,
        cmap=cmap,
        vmin=vmin,
        vmax=float(matrix.max()) if vmax is None else vmax,
        interpolation="nearest",
        aspect="equal",
    )
    _label_axes(ax, labels, length, font_size=9 if length <= 20 else 7)
    ax.set_xlabel("key (attended to)")
    ax.set_ylabel("query (attending)")
    ax.xaxis.set_label_position("top")
    ax.xaxis.tick_top()
    if title is not None:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="attention weight")
    return ax


def attention_grid(
    weights: Any,
    tokens: Sequence[str] | None = None,
    *,
    ncols: int | None = None,
    title: str | None = None,
    cmap: str = DEFAULT_CMAP,
    highlight: int | None = None,
    figure=None,
):
    """Draw every head of one layer as a grid of small heatmaps on one colour scale.

    Args:
        weights: (heads, L, L) attention weights of one layer.
        tokens: L token strings; labels are drawn on the outer axes when L <= 16.
        ncols: heads per row (default: up to 4).
        title: optional figure title.
        cmap: matplotlib colour map name.
        highlight: index of a head to outline (e.g. the one selected in the explorer).
        figure: matplotlib Figure to draw into; a new pyplot figure is made when None.

    Returns:
        The matplotlib Figure.
    """
    heads = as_square_weights(weights, leading_dims=1)
    n_heads, length = heads.shape[0], heads.shape[-1]
    labels = None if tokens is None else check_tokens(tokens, length)
    if ncols is None:
        ncols = min(4, n_heads)
    if not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"ncols must be a positive int; got {ncols!r}")
    if highlight is not None and not 0 <= highlight < n_heads:
        raise ValueError(f"highlight must be a head index in [0, {n_heads}); got {highlight}")
    nrows = math.ceil(n_heads / ncols)
    if figure is None:
        import matplotlib.pyplot as plt

        figure = plt.figure(figsize=(2.6 * ncols + 0.8, 2.6 * nrows + 0.4), layout="constrained")
    axes = np.atleast_1d(figure.subplots(nrows, ncols, squeeze=False)).ravel()
    vmax = float(heads.max())
    show_labels = labels is not None and length <= 16
    for head, ax in enumerate(axes):
        if head >= n_heads:
            ax.set_visible(False)
            continue
        image = ax.imshow(heads[head], cmap=cmap, vmin=0.0, vmax=vmax, interpolation="nearest")
        ax.set_title(f"head {head}", fontsize=10, fontweight="bold" if head == highlight else "normal")
        ax.set_xticks([])
        ax.set_yticks([])
        if show_labels and head % ncols == 0:  # first column: query labels
            ax.set_yticks(range(length), labels, fontsize=7)
        if show_labels and head >= n_heads - ncols:  # bottom row: key labels
            ax.set_xticks(range(length), labels, rotation=90, fontsize=7)
        if head == highlight:
            for spine in ax.spines.values():
                spine.set_edgecolor("#d9480f")
                spine.set_linewidth(2.5)
    figure.colorbar(image, ax=axes[:n_heads].tolist(), shrink=0.8, label="attention weight")
    if title is not None:
        figure.suptitle(title)
    return figure
