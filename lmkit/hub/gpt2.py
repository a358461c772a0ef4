"""GPT-2 checkpoints: load a Hugging Face GPT-2 directory into lmkit's GPT, and save one.

Backs 02 §8 (attention inside a pretrained model) and 04 §5 (decoding with real
weights). GPT-2's one wrinkle: it stores its linear layers as ``Conv1D`` with
weight (in, out), the transpose of ``nn.Linear``'s (out, in), and packs the query,
key and value projections into one ``c_attn`` matrix that we split in three.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import torch

from lmkit.hub.files import (SAFETENSORS_NAME, MissingCheckpointFile, _checkpoint_dir, _config_from_hf, _copy_into,
                             _place, _read_json, _read_state_dict, _reject_unexpected, _require, _strip_prefix)
from lmkit.models import GPT, GPTConfig

# Hugging Face activation names -> lmkit's FeedForward activation names.
_GPT2_ACTIVATIONS = {"gelu_new": "gelu_tanh", "gelu_pytorch_tanh": "gelu_tanh", "gelu": "gelu", "relu": "relu"}

# GPTConfig field <- (Hugging Face config.json keys, first present wins; default).
_GPT2_FIELDS = {
    "vocab_size": (("vocab_size",), 50257),
    "block_size": (("n_positions", "n_ctx"), 1024),
    "n_layer": (("n_layer",), 12),
    "n_head": (("n_head",), 12),
    "n_embd": (("n_embd",), 768),
    "dropout": (("resid_pdrop",), 0.1),
    "layer_norm_eps": (("layer_norm_epsilon",), 1e-5),
}


def _gpt2_config(hf: dict, backend: str) -> GPTConfig:
    """Translate a Hugging Face GPT-2 config.json into a GPTConfig, refusing what we do not implement."""
    if hf.get("model_type", "gpt2") != "gpt2":
        raise ValueError(f"expected a GPT-2 checkpoint (model_type 'gpt2'); got model_type {hf['model_type']!r}")
    activation = hf.get("activation_function", "gelu_new")
    if activation not in _GPT2_ACTIVATIONS:
        raise ValueError(f"activation_function must be one of {sorted(_GPT2_ACTIVATIONS)}; got {activation!r}")
    n_embd = hf.get("n_embd", 768)
    if not isinstance(n_embd, int) or isinstance(n_embd, bool):
        raise ValueError(f"the GPT-2 config.json key 'n_embd' must be an int; got {n_embd!r}")
    unsupported = {
        "n_inner": (hf.get("n_inner") in (None, 4 * n_embd), f"None or 4 * n_embd = {4 * n_embd}"),
        "scale_attn_weights": (hf.get("scale_attn_weights", True) is True, "True"),
        "scale_attn_by_inverse_layer_idx": (hf.get("scale_attn_by_inverse_layer_idx", False) is False, "False"),
        "add_cross_attention": (hf.get("add_cross_attention", False) is False, "False"),
    }
    for key, (ok, expected) in unsupported.items():
        if not ok:
            raise ValueError(f"unsupported GPT-2 config: {key} must be {expected}; got {hf.get(key)!r}")
    return _config_from_hf(hf, _GPT2_FIELDS, GPTConfig, "GPT-2", bias=True,
                           activation=_GPT2_ACTIVATIONS[activation], backend=backend)


def _gpt2_names(n_layer: int) -> Iterator[tuple[str, str, bool]]:
    """(Hugging Face name, lmkit name, stored as Conv1D (transposed)) for every
    GPT-2 tensor except the packed q/k/v projection, which :func:`_split_qkv` handles."""
    yield "wte.weight", "wte.weight", False
    yield "wpe.weight", "wpe.embedding.weight", False
    for i in range(n_layer):
        hf, ours = f"h.{i}.", f"blocks.{i}."
        for kind in ("weight", "bias"):
            yield f"{hf}ln_1.{kind}", f"{ours}norm1.{kind}", False
            yield f"{hf}ln_2.{kind}", f"{ours}norm2.{kind}", False
            yield f"{hf}attn.c_proj.{kind}", f"{ours}attn.out_proj.{kind}", kind == "weight"
            yield f"{hf}mlp.c_fc.{kind}", f"{ours}ffn.fc_in.{kind}", kind == "weight"
            yield f"{hf}mlp.c_proj.{kind}", f"{ours}ffn.fc_out.{kind}", kind == "weight"
    yield "ln_f.weight", "ln_f.weight", False
    yield "ln_f.bias", "ln_f.bias", False


def _split_qkv(state: dict[str, torch.Tensor], layer: int) -> Iterator[tuple[str, str, torch.Tensor]]:
    """GPT-2's c_attn: weight (d, 3d) and bias (3d,) holding [q | k | v] side by side."""
    hf = f"h.{layer}.attn.c_attn."
    weight = _require(state, hf + "weight").t()  # Conv1D (in, out) -> Linear (out, in) = (3d, d)
    bias = _require(state, hf + "bias")
    for proj, w, b in zip(("q_proj", "k_proj", "v_proj"), weight.chunk(3, dim=0), bias.chunk(3, dim=0)):
        yield hf + "weight", f"blocks.{layer}.attn.{proj}.weight", w
        yield hf + "bias", f"blocks.{layer}.attn.{proj}.bias", b


def _is_gpt2_ignorable(name: str) -> bool:
    """Tensors a GPT-2 checkpoint may hold that are not parameters we load:
    the tied LM head and the old causal-mask buffers."""
    return name == "lm_head.weight" or name.endswith((".attn.bias", ".attn.masked_bias"))


def load_gpt2(
    path: str | Path,
    *,
    backend: str = "reference",
    device: str | torch.device | None = None,
    dtype: torch.dtype | None = None,
):
    """Load a Hugging Face GPT-2 directory as ``(GPT, BPETokenizer or None)``.

    Reads config.json, the weights (model.safetensors or pytorch_model.bin) and,
    when both are present, the tokenizer files vocab.json + merges.txt.
    ``backend`` picks the attention kernel; ``device``/``dtype`` place the model.
    Raises :class:`MissingCheckpointFile` (a ValueError) for missing files and
    ValueError for unsupported config values or mismatched tensor shapes.
    """
    directory = _checkpoint_dir(path)
    config = _gpt2_config(_read_json(directory / "config.json"), backend)
    state = _strip_prefix(_read_state_dict(directory), "transformer.")

    tensors: dict[str, torch.Tensor] = {}
    source: dict[str, str] = {}
    for hf_name, name, conv1d in _gpt2_names(config.n_layer):
        tensor = _require(state, hf_name)
        tensors[name] = tensor.t() if conv1d else tensor
        source[name] = hf_name
    for layer in range(config.n_layer):
        for hf_name, name, tensor in _split_qkv(state, layer):
            tensors[name], source[name] = tensor, hf_name
    _reject_unexpected({n for n in state if n not in source.values() and not _is_gpt2_ignorable(n)}, "GPT-2")

    model = GPT(config)
    missing = _copy_into(model, tensors, source)
    if missing:
        raise ValueError(f"the GPT-2 checkpoint did not provide {missing}")
    _place(model, device, dtype)
    model.eval()
    return model, _load_bpe_tokenizer(directory)


def _load_bpe_tokenizer(directory: Path):
    vocab, merges = directory / "vocab.json", directory / "merges.txt"
    if not vocab.is_file() and not merges.is_file():
        return None
    for file in (vocab, merges):
        if not file.is_file():
            raise MissingCheckpointFile(f"expected both vocab.json and merges.txt in {str(directory)!r}; {file.name} is missing")
    from lmkit.tokenizers import BPETokenizer

    return BPETokenizer.from_gpt2_files(vocab, merges)


def save_gpt2(model: GPT, tokenizer=None, path: str | Path = ".") -> Path:
    """Write ``model`` (and a BPE tokenizer, if given) as a Hugging Face GPT-2
    directory that :func:`load_gpt2` and ``transformers.GPT2LMHeadModel`` read.

    Returns the directory. The model must use biases (GPT-2 always does).
    """
    from safetensors.torch import save_file

    if not isinstance(model, GPT):
        raise TypeError(f"model must be an lmkit GPT; got {type(model).__name__}")
    cfg = model.config
    if not cfg.bias:
        raise ValueError("save_gpt2 needs a model with bias=True (the GPT-2 format has biases); got bias=False")
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)

    params = {name: p.detach().cpu().float() for name, p in model.named_parameters()}
    state: dict[str, torch.Tensor] = {}
    for hf_name, name, conv1d in _gpt2_names(cfg.n_layer):
        state["transformer." + hf_name] = params[name].t() if conv1d else params[name]
    for i in range(cfg.n_layer):
        ours = f"blocks.{i}.attn."
        for kind, dim in (("weight", 0), ("bias", 0)):
            packed = torch.cat([params[f"{ours}{p}.{kind}"] for p in ("q_proj", "k_proj", "v_proj")], dim=dim)
            state[f"transformer.h.{i}.attn.c_attn.{kind}"] = packed.t() if kind == "weight" else packed
    save_file({k: v.contiguous() for k, v in state.items()}, str(directory / SAFETENSORS_NAME), metadata={"format": "pt"})

    activation = {"gelu_tanh": "gelu_new", "gelu": "gelu", "relu": "relu"}[cfg.activation]
    hf_config = {
        "architectures": ["GPT2LMHeadModel"],
        "model_type": "gpt2",
        "vocab_size": cfg.vocab_size,
        "n_positions": cfg.block_size,
        "n_ctx": cfg.block_size,
        "n_layer": cfg.n_layer,
        "n_head": cfg.n_head,
        "n_embd": cfg.n_embd,
        "activation_function": activation,
        "layer_norm_epsilon": cfg.layer_norm_eps,
        "resid_pdrop": cfg.dropout,
        "embd_pdrop": cfg.dropout,
        "attn_pdrop": cfg.dropout,
        "tie_word_embeddings": True,
    }
    with open(directory / "config.json", "w", encoding="utf-8") as f:
        json.dump(hf_config, f, indent=2)
    if tokenizer is not None:
        _save_bpe_tokenizer(tokenizer, directory)
    return directory


def _save_bpe_tokenizer(tokenizer, directory: Path) -> None:
    """Write vocab.json + merges.txt (the GPT-2 tokenizer format)."""
    tokenizer.save(directory)
    for name in ("vocab.json", "merges.txt"):
        if not (directory / name).is_file():
            raise ValueError(f"{type(tokenizer).__name__}.save did not write {name}, which the GPT-2 format needs")


# ----------------------------------------------------------------------------
# BERT
# ----------------------------------------------------------------------------
