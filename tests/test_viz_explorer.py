"""Tests of the attention explorer widget (Python side) and the static heatmaps.

The widget's JavaScript is exercised in a real browser by tests/test_browser.py.
"""

from __future__ import annotations

import base64
import importlib.resources
import re
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from lmkit.viz.explorer import (  # noqa: E402
    AttentionExplorer,
    as_layer_head_weights,
    decode_weights,
    encode_weights,
    show_attention,
)
from lmkit.viz.heatmap import attention_grid, attention_heatmap  # noqa: E402

torch = pytest.importorskip("torch")

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
TOKENS = "the cat sat on the mat because it was very tired .".split()
LENGTH = len(TOKENS)


def softmax_attention(*leading: int, length: int = LENGTH, seed: int = 0) -> np.ndarray:
    """Softmax of seeded random scores: shape (*leading, length, length), rows sum to 1."""
    scores = np.random.default_rng(seed).normal(scale=2.0, size=(*leading, length, length))
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    return (weights / weights.sum(-1, keepdims=True)).astype(np.float32)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# -- shapes ------------------------------------------------------------------------------


def test_one_layer_of_heads_becomes_a_single_layer():
    weights = softmax_attention(4)
    explorer = AttentionExplorer(weights, TOKENS)
    assert (explorer.n_layers, explorer.n_heads) == (1, 4)
    np.testing.assert_array_equal(explorer.attentions[0], weights)


def test_layers_by_heads_are_kept():
    weights = softmax_attention(3, 2)
    explorer = AttentionExplorer(weights, TOKENS, layer=2, head=1)
    assert explorer.attentions.shape == (3, 2, LENGTH, LENGTH)
    np.testing.assert_array_equal(explorer.selected_weights, weights[2, 1])


def test_batched_lmkit_output_picks_the_sequence(device):
    weights = torch.tensor(softmax_attention(2, 3, 4), device=device)  # (layers, batch, heads, L, L)
    explorer = AttentionExplorer(weights, TOKENS, batch_index=1)
    np.testing.assert_allclose(explorer.attentions, weights[:, 1].cpu().numpy())
    single = AttentionExplorer(weights[:, :1], TOKENS)  # batch of one: no index needed
    np.testing.assert_allclose(single.attentions, weights[:, 0].cpu().numpy())


def test_from_model_output_accepts_lmkit_and_hugging_face_layouts(device):
    weights = softmax_attention(2, 3, 4)
    lmkit_style = torch.tensor(weights, device=device, requires_grad=True)
    per_layer = tuple(torch.tensor(layer, device=device) for layer in weights)  # HF: per-layer (B, H, L, L)

    class Output:  # any object with .attentions, like a transformers ModelOutput
        attentions = per_layer

    for source in (lmkit_style, per_layer, Output()):
        explorer = AttentionExplorer.from_model_output(source, TOKENS, batch_index=2)
        np.testing.assert_allclose(explorer.attentions, weights[:, 2], rtol=1e-6)
    assert isinstance(show_attention(Output(), TOKENS), AttentionExplorer)


def test_per_sequence_token_lists_follow_batch_index():
    weights = softmax_attention(1, 2, 1)
    other = [f"w{i}" for i in range(LENGTH)]
    explorer = AttentionExplorer.from_model_output(weights, [TOKENS, other], batch_index=1)
    assert explorer.tokens == other


def test_low_precision_tensors_are_read_as_float32():
    weights = torch.tensor(softmax_attention(2, 2)).to(torch.bfloat16)
    array = as_layer_head_weights(weights)
    assert array.dtype == np.float32
    np.testing.assert_array_equal(array, weights.float().numpy())


def test_nested_lists_are_one_array():
    weights = softmax_attention(2, length=3)
    assert as_layer_head_weights(weights.tolist()).shape == (1, 2, 3, 3)


# -- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ((LENGTH, LENGTH), r"\(heads, L, L\).*got \(12, 12\)"),
        ((2, 3, LENGTH, LENGTH - 1), r"square.*got \(2, 3, 12, 11\)"),
        ((1, 1, 1, 1, 1, LENGTH, LENGTH), r"got \(1, 1, 1, 1, 1, 12, 12\)"),
        ((2, 0, LENGTH, LENGTH), r"must not be empty; got shape \(2, 0, 12, 12\)"),
    ],
)
def test_bad_shapes_name_expected_and_given(shape, message):
    with pytest.raises(ValueError, match=message):
        AttentionExplorer(np.zeros(shape, dtype=np.float32), TOKENS)


def test_batch_needs_an_index_and_the_index_must_fit():
    weights = softmax_attention(2, 3, 4)
    with pytest.raises(ValueError, match="batch of 3 sequences.*pass batch_index"):
        AttentionExplorer(weights, TOKENS)
    with pytest.raises(ValueError, match=r"batch_index must be in \[0, 3\); got 5"):
        AttentionExplorer(weights, TOKENS, batch_index=5)
    with pytest.raises(TypeError, match="batch_index must be an int; got float"):
        AttentionExplorer(weights, TOKENS, batch_index=1.0)
    with pytest.raises(ValueError, match=r"batch_index is only meaningful.*got shape \(2, 4, 12, 12\)"):
        AttentionExplorer(weights[:, 0], TOKENS, batch_index=0)
    with pytest.raises(ValueError, match=r"\(layers, batch, heads, L, L\).*got \(4, 12, 12\)"):
        AttentionExplorer.from_model_output(weights[0, 0], TOKENS)


def test_tokens_must_be_one_string_per_position():
    weights = softmax_attention(2)
    with pytest.raises(ValueError, match=r"one string per position \(L=12\); got 11 tokens"):
        AttentionExplorer(weights, TOKENS[:-1])
    with pytest.raises(TypeError, match="list of strings; got an item of type int"):
        AttentionExplorer(weights, [*TOKENS[:-1], 7])
    with pytest.raises(TypeError, match="list of strings; got str"):
        AttentionExplorer(weights, " ".join(TOKENS))


@pytest.mark.parametrize(
    ("bad", "error", "message"),
    [
        (np.full((2, 3, 3), np.nan), ValueError, r"finite; got nan at index \(0, 0, 0\)"),
        (np.full((2, 3, 3), 1e6), ValueError, "fit in float16"),
        (np.ones((2, 3, 3), dtype=bool), TypeError, "real numbers.*bool"),
        (np.ones((2, 3, 3), dtype=complex), TypeError, "real numbers.*complex"),
        (torch.ones(2, 3, 3, dtype=torch.complex64), TypeError, "real numbers; got a tensor of dtype torch.complex64"),
        (np.array([["a", "b"], ["c", "d"]]), TypeError, "real numbers.*<U1"),
    ],
)
def test_bad_values_are_rejected(bad, error, message):
    with pytest.raises(error, match=message):
        AttentionExplorer(bad, ["a", "b", "c"][: bad.shape[-1]])


def test_selection_is_range_checked():
    explorer = AttentionExplorer(softmax_attention(2, 4), TOKENS)
    with pytest.raises(ValueError, match=r"layer must be in \[0, 2\); got 2"):
        explorer.layer = 2
    with pytest.raises(ValueError, match=r"head must be in \[0, 4\); got -1"):
        explorer.head = -1
    with pytest.raises(ValueError, match=r"token must be in \[0, 12\); got 12"):
        explorer.token = 12
    with pytest.raises(ValueError, match=r"layer must be in \[0, 2\); got 9"):
        AttentionExplorer(softmax_attention(2, 4), TOKENS, layer=9)
    explorer.token = 3
    explorer.token = -1  # -1 means "nothing pinned"
    assert (explorer.layer, explorer.head, explorer.token) == (0, 0, -1)


# -- the synced payload ------------------------------------------------------------------------


def test_payload_round_trips_through_float16():
    weights = softmax_attention(3, 4)
    payload = encode_weights(weights[1])
    assert len(payload) == 2 * 4 * LENGTH * LENGTH  # 2 bytes per weight
    np.testing.assert_allclose(decode_weights(payload, 4, LENGTH), weights[1], rtol=1e-3, atol=1e-4)
    with pytest.raises(ValueError, match=r"must hold 1152 bytes for \(4, 12, 12\) float16; got 10"):
        decode_weights(payload[:10], 4, LENGTH)


def test_synced_state_carries_the_selected_layer():
    weights = softmax_attention(3, 4)
    explorer = AttentionExplorer(weights, TOKENS, head=2)
    state = explorer.get_state()
    for name in ("tokens", "n_layers", "n_heads", "layer", "head", "token", "token_role", "_weights", "_weights_layer", "_esm", "_css"):
        assert name in state, f"{name} should be synced with the browser"
    assert state["tokens"] == TOKENS and (state["n_layers"], state["n_heads"], state["head"]) == (3, 4, 2)
    assert state["_weights_layer"] == 0
    np.testing.assert_allclose(decode_weights(state["_weights"], 4, LENGTH), weights[0], rtol=1e-3, atol=1e-4)

    explorer.layer = 2  # what the browser does when a layer button is clicked
    state = explorer.get_state()
    assert state["_weights_layer"] == 2
    np.testing.assert_allclose(decode_weights(state["_weights"], 4, LENGTH), weights[2], rtol=1e-3, atol=1e-4)


def test_attentions_are_read_only():
    explorer = AttentionExplorer(softmax_attention(1, 2), TOKENS)
    with pytest.raises(ValueError, match="read-only"):
        explorer.attentions[0, 0, 0, 0] = 1.0


# -- static fallback -----------------------------------------------------------------------------


def test_mimebundle_has_live_view_png_and_html():
    explorer = AttentionExplorer(softmax_attention(2, 4), TOKENS, layer=1, head=3)
    data, _ = explorer._repr_mimebundle_()
    assert data[WIDGET_VIEW]["model_id"] == explorer.model_id
    png = base64.b64decode(data["image/png"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5_000
    html = data["text/html"]
    assert f'src="data:image/png;base64,{data["image/png"]}"' in html
    assert "layer 1 of 2, head 3 of 4, 12 tokens" in html
    assert data["text/plain"] == "AttentionExplorer(layers=2, heads=4, tokens=12, layer=1, head=3)"


def test_display_puts_the_picture_before_the_live_view(monkeypatch):
    """Two outputs: the picture (kept where the widget's model is gone), then the widget view."""
    import IPython.display

    shown, updates = [], []

    class Handle:  # what display(..., display_id=True) returns
        def update(self, data, raw=False):
            updates.append((data, raw))

    def display(data, raw=False, **kwargs):
        shown.append((data, raw))
        return Handle() if kwargs.get("display_id") else None

    monkeypatch.setattr(IPython.display, "display", display)
    explorer = AttentionExplorer(softmax_attention(2, 4), TOKENS, layer=1, head=3)
    explorer._ipython_display_()
    (picture, raw_picture), (view, raw_view) = shown
    assert raw_picture and raw_view
    assert sorted(picture) == ["image/png", "text/html", "text/plain"]
    assert base64.b64decode(picture["image/png"]).startswith(b"\x89PNG")
    assert "layer 1 of 2, head 3 of 4, 12 tokens" in picture["text/plain"]
    # The picture's HTML hides JupyterLab's "model not found" text in the next output (see explorer.py).
    assert picture["text/html"].startswith("<style>") and ":not(:has(*))" in picture["text/html"]
    assert f'src="data:image/png;base64,{picture["image/png"]}"' in picture["text/html"]
    assert view[WIDGET_VIEW]["model_id"] == explorer.model_id and view["text/plain"] == ""
    assert "image/png" not in view, "the picture must not be in the widget's output (JupyterLab would never show it)"
    # Selecting another head redraws the picture in place (a saved notebook carries the last selection).
    explorer.head = 1
    (redrawn, raw_redrawn), = updates
    assert raw_redrawn and "layer 1 of 2, head 1 of 4" in redrawn["text/plain"]
    assert redrawn["image/png"] != picture["image/png"]


def test_fallback_figure_shows_the_selected_head():
    weights = softmax_attention(2, 4)
    explorer = AttentionExplorer(weights, TOKENS, layer=1, head=2)
    axes = explorer.figure().axes[0]
    assert axes.get_title() == "layer 1, head 2"
    np.testing.assert_array_equal(axes.images[0].get_array(), weights[1, 2])


# -- the static heatmaps ---------------------------------------------------------------------------


def test_heatmap_labels_queries_and_keys(device):
    weights = torch.tensor(softmax_attention(), device=device)
    axes = attention_heatmap(weights, TOKENS, title="one head")
    assert [label.get_text() for label in axes.get_xticklabels()] == TOKENS
    assert [label.get_text() for label in axes.get_yticklabels()] == TOKENS
    assert (axes.get_xlabel(), axes.get_ylabel(), axes.get_title()) == ("key (attended to)", "query (attending)", "one head")
    assert len(axes.figure.axes) == 2, "the heatmap should come with a colour bar"
    np.testing.assert_allclose(axes.images[0].get_array(), weights.cpu().numpy())


def test_heatmap_thins_labels_for_long_inputs_and_draws_into_given_axes():
    tokens = [f"t{i}" for i in range(100)]
    _, given = plt.subplots()
    axes = attention_heatmap(softmax_attention(length=100), tokens, ax=given, colorbar=False)
    assert axes is given
    labels = [label.get_text() for label in axes.get_xticklabels()]
    assert labels == tokens[::3] and len(labels) <= 40


def test_heatmap_validates_input():
    with pytest.raises(ValueError, match=r"weights must have shape \(L, L\); got \(2, 12, 12\)"):
        attention_heatmap(softmax_attention(2), TOKENS)
    with pytest.raises(ValueError, match=r"\(L=12\); got 3 tokens"):
        attention_heatmap(softmax_attention(), TOKENS[:3])


def test_grid_draws_every_head_on_one_scale():
    weights = softmax_attention(6, length=5)
    figure = attention_grid(weights, TOKENS[:5], highlight=4, title="layer 0")
    visible = [axes for axes in figure.axes if axes.get_visible() and axes.images]
    assert [axes.get_title() for axes in visible] == [f"head {h}" for h in range(6)]
    assert {axes.images[0].get_clim() for axes in visible} == {(0.0, float(weights.max()))}
    assert [label.get_text() for label in visible[0].get_yticklabels()] == TOKENS[:5]
    with pytest.raises(ValueError, match=r"highlight must be a head index in \[0, 6\); got 6"):
        attention_grid(weights, highlight=6)
    with pytest.raises(ValueError, match=r"\(heads, L, L\); got \(5, 5\)"):
        attention_grid(weights[0])


# -- the shipped front end -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["explorer.js", "explorer.css"])
def test_front_end_is_shipped_and_offline(name):
    source = importlib.resources.files("lmkit.viz").joinpath(name).read_text(encoding="utf-8")
    assert not re.search(r"https?://", source), f"{name} must not reference the network"
    assert not re.search(r"^\s*import\b|\bimport\(|@import", source, re.MULTILINE), f"{name} must load nothing else"
    if name.endswith(".js"):
        assert "export default" in source
        assert str(AttentionExplorer(softmax_attention(1), TOKENS)._esm) == source


# -- an HTML export without widget state -------------------------------------------------------------


@pytest.mark.slow
def test_nbconvert_html_export_shows_the_fallback_picture(tmp_path: Path):
    notebook = Path(__file__).parent / "browser" / "explorer.ipynb"
    result = subprocess.run(
        [
            sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--execute",
            "--ExecutePreprocessor.store_widget_state=False", "--ExecutePreprocessor.timeout=600",
            f"--output-dir={tmp_path}", str(notebook),
        ],
        # 7 s at load 4 on 2 cores (kernel start, torch import, one figure); the limits leave 100x room.
        capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    html = (tmp_path / "explorer.html").read_text(encoding="utf-8")
    # The output shown is the text/html fallback: a figure with the PNG inlined.
    assert re.search(r'data-mime-type="text/html"[^>]*>\s*(<style>[^<]*</style>)?<figure class="lmkit-attention-fallback"', html)
    assert "layer 0 of 2, head 0 of 4, 12 tokens" in html
    pictures = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert pictures and base64.b64decode(pictures[0]).startswith(b"\x89PNG")
