"""An interactive, offline attention explorer for Jupyter (an anywidget).

``AttentionExplorer(attentions, tokens)`` shows the attention weights of a model:
pick a layer, see all its heads as thumbnails, click one to study it in a
two-column "token -> token" line view and a heatmap, and hover or click a token
to see where it looks (its row) or who looks at it (its column).

The front end is ``explorer.js`` (+ ``explorer.css``), plain JavaScript shipped
inside the package: no CDN, no build step, nothing fetched from the network.
Only the selected layer's weights travel to the browser, as float16 bytes, so
a few hundred tokens stay responsive.

Displayed in a notebook, the explorer makes two outputs (``_ipython_display_``):
a static picture (PNG heatmap of the selected head, as ``image/png`` and as
``text/html``; redrawn in place when another layer or head is selected), then
the live widget view. While the live view is on the page,
explorer.css hides the picture. Where no widget can run, the picture stays: an
HTML export or nbgrader's feedback (no widget state is saved), GitHub's preview,
and a notebook reopened after its kernel is gone, where JupyterLab would
otherwise show "Error displaying widget: model not found" (a ``<style>`` in the
picture's HTML hides that message).
"""

from __future__ import annotations

import base64
import html
import io
import pathlib
from collections.abc import Sequence
from typing import Any

import anywidget
import numpy as np
import traitlets

from lmkit.viz.heatmap import (
    attention_heatmap,
    check_finite,
    check_tokens,
    to_numpy,
)

_HERE = pathlib.Path(__file__).parent
FLOAT16_MAX = float(np.finfo(np.float16).max)

# Shipped inside the picture's HTML (a trusted output may style the page): in the output right after
# a fallback picture, JupyterLab's widget renderer with no element inside it is its "Loading
# widget..." or "Error displaying widget: model not found" text; hide it, the picture says it all.
# A live view has elements inside and stays. (CSS :has(): Chromium 105+, Firefox 121+, Safari 15.4+.)
HIDE_DEAD_VIEW = (
    "<style>.jp-OutputArea-child:has(.lmkit-attention-fallback) + .jp-OutputArea-child"
    " > .jp-OutputArea-output:not(:has(*))"
    "{display:none}</style>"
)


def _stack_layers(attentions: Any) -> np.ndarray:
    """Turn a tensor/array, or a tuple of per-layer tensors (Hugging Face style), into one array."""
    # A sequence of arrays/tensors is one entry per layer; plain nested lists are one array.
    if isinstance(attentions, (list, tuple)) and attentions and hasattr(attentions[0], "ndim"):
        layers = [to_numpy(layer, f"attentions[{i}]") for i, layer in enumerate(attentions)]
        shapes = {layer.shape for layer in layers}
        if len(shapes) != 1:
            raise ValueError(f"every layer's attentions must have the same shape; got {sorted(shapes)}")
        if layers[0].ndim not in (3, 4):
            raise ValueError(
                "a sequence of layers must hold (heads, L, L) or (batch, heads, L, L) arrays; "
                f"got arrays of shape {layers[0].shape}"
            )
        return np.stack(layers)
    return to_numpy(attentions, "attentions")


def as_layer_head_weights(attentions: Any, *, batch_index: int | None = None) -> np.ndarray:
    """Bring attention weights to the explorer's shape (layers, heads, L, L), float32.

    Accepts:
        (heads, L, L)                  one layer;
        (layers, heads, L, L)          a stack of layers;
        (layers, batch, heads, L, L)   lmkit models' ``attentions`` output; pick the
                                       sequence with ``batch_index`` (may be omitted
                                       when batch == 1);
        a list/tuple of per-layer (heads, L, L) or (batch, heads, L, L) arrays
                                       (Hugging Face's ``output.attentions``).
    NumPy arrays, nested lists and torch tensors on any device all work.

    Values must be finite and fit in float16 (the format sent to the browser). Rows
    of softmax attention sum to 1, but this is not required: any non-negative
    scores can be explored.
    """
    array = _stack_layers(attentions)
    check_finite(array, "attentions")  # before reshaping, so the index given is the caller's
    if array.size and float(np.abs(array).max()) > FLOAT16_MAX:
        raise ValueError(
            f"attentions must fit in float16 (|x| <= {FLOAT16_MAX:g}); got a value of magnitude {float(np.abs(array).max()):g}"
        )
    if array.ndim == 5:
        array = _select_batch(array, batch_index)
    elif batch_index is not None:
        raise ValueError(
            "batch_index is only meaningful for (layers, batch, heads, L, L) input; "
            f"got shape {tuple(array.shape)}"
        )
    if array.ndim == 3:
        array = array[None]  # one layer
    if array.ndim != 4 or array.shape[-1] != array.shape[-2]:
        raise ValueError(
            "attentions must have shape (heads, L, L), (layers, heads, L, L) or "
            f"(layers, batch, heads, L, L) with square (L, L) matrices; got {tuple(array.shape)}"
        )
    if array.size == 0:
        raise ValueError(f"attentions must not be empty; got shape {tuple(array.shape)}")
    return np.ascontiguousarray(array)


def _select_batch(array: np.ndarray, batch_index: int | None) -> np.ndarray:
    """(layers, batch, heads, L, L) -> (layers, heads, L, L) for one sequence of the batch."""
    batch = array.shape[1]
    if batch_index is None:
        if batch != 1:
            raise ValueError(
                f"attentions hold a batch of {batch} sequences (shape {tuple(array.shape)}); "
                "pass batch_index to choose one"
            )
        batch_index = 0
    if not isinstance(batch_index, (int, np.integer)) or isinstance(batch_index, bool):
        raise TypeError(f"batch_index must be an int; got {type(batch_index).__name__}")
    if not -batch <= batch_index < batch:
        raise ValueError(f"batch_index must be in [0, {batch}); got {batch_index}")
    return array[:, batch_index]


def encode_weights(heads: np.ndarray) -> bytes:
    """(heads, L, L) float weights -> little-endian float16 bytes, row-major (the wire format)."""
    return np.ascontiguousarray(heads, dtype="<f2").tobytes()


def decode_weights(payload: bytes, n_heads: int, length: int) -> np.ndarray:
    """Inverse of :func:`encode_weights`: bytes -> (heads, L, L) float32 array."""
    expected = 2 * n_heads * length * length
    if len(payload) != expected:
        raise ValueError(f"payload must hold {expected} bytes for ({n_heads}, {length}, {length}) float16; got {len(payload)}")
    return np.frombuffer(payload, dtype="<f2").astype(np.float32).reshape(n_heads, length, length)


class AttentionExplorer(anywidget.AnyWidget):
    """Interactive attention explorer: layers, heads, tokens; offline; with a static fallback.

    Args:
        attentions: weights of shape (heads, L, L), (layers, heads, L, L),
            (layers, batch, heads, L, L), or a list of per-layer arrays; see
            :func:`as_layer_head_weights`.
        tokens: the L token strings (for batched input, also a list of per-sequence
            token lists, indexed by ``batch_index``).
        batch_index: which sequence of a batch to show.
        layer, head: the initial selection.
        title: optional caption shown above the explorer.

    Synced state (read or set from Python; the view follows):
        layer, head: selected layer and head.
        token: the pinned token (-1 when none), token_role: "query" shows its row
            (where it attends), "key" its column (what attends to it).
    """

    _esm = _HERE / "explorer.js"
    _css = _HERE / "explorer.css"

    tokens = traitlets.List(traitlets.Unicode(), read_only=True).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    n_layers = traitlets.Int(read_only=True).tag(sync=True)
    n_heads = traitlets.Int(read_only=True).tag(sync=True)
    layer = traitlets.Int(0).tag(sync=True)
    head = traitlets.Int(0).tag(sync=True)
    token = traitlets.Int(-1).tag(sync=True)
    token_role = traitlets.Enum(["query", "key"], default_value="query").tag(sync=True)
    # The selected layer's (heads, L, L) weights as float16 bytes, and which layer they are.
    _weights = traitlets.Bytes(read_only=True).tag(sync=True)
    _weights_layer = traitlets.Int(-1, read_only=True).tag(sync=True)

    def __init__(
        self,
        attentions: Any,
        tokens: Sequence[str],
        *,
        batch_index: int | None = None,
        layer: int = 0,
        head: int = 0,
        title: str = "",
        **kwargs: Any,
    ) -> None:
        if batch_index is not None and tokens and not isinstance(tokens[0], str):
            tokens = _pick_sequence_tokens(tokens, batch_index)
        weights = as_layer_head_weights(attentions, batch_index=batch_index)
        n_layers, n_heads, length, _ = weights.shape
        tokens = check_tokens(tokens, length)
        _check_index("layer", layer, n_layers)  # before the widget opens its channel to the browser
        _check_index("head", head, n_heads)
        self._attentions = weights
        self._pictures: list[Any] = []  # display handles of the static pictures shown (see _ipython_display_)
        super().__init__(**kwargs)
        with self.hold_sync():  # one message to the browser, not one per trait
            self.set_trait("tokens", tokens)
            self.set_trait("n_layers", n_layers)
            self.set_trait("n_heads", n_heads)
            self.title = title
            self.head = head
            self.layer = layer  # a change ships that layer's weights (see _on_layer)
            if self._weights_layer != layer:  # layer 0 is the default: no change fired
                self._send_layer(layer)

    @classmethod
    def from_model_output(
        cls,
        attentions: Any,
        tokens: Sequence[str] | Sequence[Sequence[str]],
        *,
        batch_index: int = 0,
        **kwargs: Any,
    ) -> "AttentionExplorer":
        """Explore a model's attention output directly.

        ``attentions`` is lmkit's (layers, batch, heads, L, L) tensor, Hugging Face's
        tuple of per-layer (batch, heads, L, L) tensors, or a model output object with
        an ``attentions`` attribute. The sequence ``batch_index`` (default 0) is shown;
        ``tokens`` are its token strings, or one token list per sequence.
        """
        if hasattr(attentions, "attentions"):
            attentions = attentions.attentions
        if attentions is None:
            raise ValueError("the model output has no attentions; run the model with attentions returned")
        array = _stack_layers(attentions)
        if array.ndim == 4:  # a single layer's (batch, heads, L, L)
            array = array[None]
        if array.ndim != 5:
            raise ValueError(
                "model attentions must have shape (layers, batch, heads, L, L), or be a list of "
                f"(batch, heads, L, L) per layer; got {tuple(array.shape)}"
            )
        return cls(array, tokens, batch_index=batch_index, **kwargs)

    # -- state -------------------------------------------------------------------

    @property
    def attentions(self) -> np.ndarray:
        """All weights shown, (layers, heads, L, L) float32 (a read-only view)."""
        view = self._attentions.view()
        view.flags.writeable = False
        return view

    @property
    def selected_weights(self) -> np.ndarray:
        """The selected head's (L, L) weights."""
        return self.attentions[self.layer, self.head]

    @traitlets.validate("layer")
    def _check_layer(self, proposal: traitlets.Bunch) -> int:
        return _check_index("layer", proposal["value"], self.n_layers)

    @traitlets.validate("head")
    def _check_head(self, proposal: traitlets.Bunch) -> int:
        return _check_index("head", proposal["value"], self.n_heads)

    @traitlets.validate("token")
    def _check_token(self, proposal: traitlets.Bunch) -> int:
        value = proposal["value"]
        return -1 if value == -1 else _check_index("token", value, len(self.tokens))

    @traitlets.observe("layer")
    def _on_layer(self, change: traitlets.Bunch) -> None:
        self._send_layer(change["new"])

    @traitlets.observe("layer", "head")
    def _refresh_pictures(self, change: traitlets.Bunch) -> None:
        """Redraw the static pictures on display for the new selection (in place, by display id)."""
        if self._pictures:
            bundle = self._static_bundle()
            for picture in self._pictures:
                picture.update(bundle, raw=True)

    def _send_layer(self, layer: int) -> None:
        """Ship one layer's weights to the browser (only the layer on screen travels)."""
        with self.hold_sync():
            self.set_trait("_weights", encode_weights(self._attentions[layer]))
            self.set_trait("_weights_layer", layer)

    # -- static fallback -----------------------------------------------------------

    def figure(self):
        """A matplotlib Figure of the selected head's heatmap (not registered with pyplot)."""
        from matplotlib.figure import Figure

        length = len(self.tokens)
        side = min(9.0, 2.8 + 0.22 * min(length, 40))
        figure = Figure(figsize=(side + 1.3, side), layout="constrained", dpi=100)
        attention_heatmap(
            self.selected_weights,
            self.tokens,
            ax=figure.add_subplot(),
            title=self.title or f"layer {self.layer}, head {self.head}",
        )
        return figure

    def to_png(self) -> bytes:
        """The static heatmap of the selected head as PNG bytes."""
        buffer = io.BytesIO()
        self.figure().savefig(buffer, format="png")
        return buffer.getvalue()

    def _caption(self) -> str:
        return (
            f"Attention weights, layer {self.layer} of {self.n_layers}, head {self.head} of "
            f"{self.n_heads}, {len(self.tokens)} tokens (static picture; run the notebook "
            "for the interactive explorer)."
        )

    def _fallback_html(self, png_base64: str, *, hide_dead_view: bool = False) -> str:
        caption = html.escape(self._caption())
        figure = (
            '<figure class="lmkit-attention-fallback" style="margin:0">'
            f'<img alt="{caption}" src="data:image/png;base64,{png_base64}" '
            'style="max-width:100%;height:auto"/>'
            f"<figcaption>{caption}</figcaption></figure>"
        )
        return (HIDE_DEAD_VIEW if hide_dead_view else "") + figure

    def _static_bundle(self) -> dict[str, str]:
        """The picture alone: ``image/png``, ``text/html`` (figure and caption), ``text/plain``."""
        png_base64 = base64.b64encode(self.to_png()).decode("ascii")
        return {
            "text/plain": self._caption(),
            "image/png": png_base64,
            "text/html": self._fallback_html(png_base64, hide_dead_view=True),
        }

    def _ipython_display_(self, **kwargs: Any) -> None:
        """Display the static picture, then the live view (two outputs; see the module docstring).

        One output holding both cannot work: JupyterLab always prefers the widget mimetype, and
        where the widget's model is gone (a reopened notebook) it shows an error, not the picture.
        """
        from IPython.display import display

        picture = display(self._static_bundle(), raw=True, display_id=True)
        if picture is not None:  # kept up to date with the selection, so a saved notebook shows the last one
            self._pictures.append(picture)
        data, metadata = super()._repr_mimebundle_(**kwargs)
        # Where the view cannot be drawn (an export, an untrusted notebook) the picture above
        # already says what this is: no second line of text under it.
        display({**data, "text/plain": ""}, metadata=metadata, raw=True)

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict, dict]:
        """One bundle: the live widget view plus ``image/png`` and ``text/html``.

        IPython displays the explorer through :meth:`_ipython_display_` (two outputs); this
        single bundle serves front ends that ask an object for its mimebundle directly.
        """
        data, metadata = super()._repr_mimebundle_(**kwargs)
        png_base64 = base64.b64encode(self.to_png()).decode("ascii")
        data = {**data, "image/png": png_base64, "text/html": self._fallback_html(png_base64)}
        return data, metadata

    def __repr__(self) -> str:
        # Deterministic (no memory address), so nbval can compare text/plain outputs.
        return (
            f"AttentionExplorer(layers={self.n_layers}, heads={self.n_heads}, "
            f"tokens={len(self.tokens)}, layer={self.layer}, head={self.head})"
        )


def _check_index(name: str, value: int, size: int) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int; got {type(value).__name__}")
    if not 0 <= value < size:
        raise ValueError(f"{name} must be in [0, {size}); got {value}")
    return int(value)


def _pick_sequence_tokens(tokens: Sequence[Sequence[str]], batch_index: int) -> Sequence[str]:
    """From one token list per sequence of a batch, take the list of ``batch_index``."""
    if not -len(tokens) <= batch_index < len(tokens):
        raise ValueError(f"batch_index must index the {len(tokens)} token lists given; got {batch_index}")
    return tokens[batch_index]


def show_attention(attentions: Any, tokens: Sequence[str], **kwargs: Any) -> AttentionExplorer:
    """Build an :class:`AttentionExplorer`; make it a cell's last value to display it.

    A model output object with an ``attentions`` attribute (Hugging Face style) goes
    through :meth:`AttentionExplorer.from_model_output`; anything else is passed to
    ``AttentionExplorer(attentions, tokens, **kwargs)``.
    """
    if hasattr(attentions, "attentions"):
        return AttentionExplorer.from_model_output(attentions, tokens, **kwargs)
    return AttentionExplorer(attentions, tokens, **kwargs)
