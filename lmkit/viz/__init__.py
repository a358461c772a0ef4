"""Pictures for the course: static matplotlib figures and an attention explorer widget.

Names load lazily, so ``import lmkit.viz`` stays cheap: the static helpers need only
NumPy and matplotlib, and the widget (``AttentionExplorer``, ``show_attention``)
imports anywidget only when first used.
"""

from __future__ import annotations

import importlib

_LAZY_NAMES = {
    "plot_losses": "lmkit.viz.plots",
    "moving_average": "lmkit.viz.plots",
    "plot_word_map": "lmkit.viz.plots",
    "plot_matrix": "lmkit.viz.plots",
    "attention_heatmap": "lmkit.viz.heatmap",
    "attention_grid": "lmkit.viz.heatmap",
    "AttentionExplorer": "lmkit.viz.explorer",
    "show_attention": "lmkit.viz.explorer",
}

__all__ = sorted(_LAZY_NAMES)


def __getattr__(name: str):
    if name not in _LAZY_NAMES:
        raise AttributeError(f"module 'lmkit.viz' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY_NAMES[name]), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
