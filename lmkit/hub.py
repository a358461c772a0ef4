"""Load (and save) Hugging Face checkpoints into lmkit's GPT and BERT.

A Hugging Face model directory holds a ``config.json`` (hyper-parameters), the
weights (``model.safetensors`` or the older pickled ``pytorch_model.bin``) and
the tokenizer files. Loading one into our own classes is mostly renaming: each
checkpoint tensor has one place in the lmkit model. Two wrinkles:

* GPT-2 stores its linear layers as ``Conv1D`` with weight (in, out), the
  transpose of ``nn.Linear``'s (out, in), and packs the query, key and value
  projections into one ``c_attn`` matrix that we split in three.
* BERT checkpoints come with a ``bert.`` prefix (``BertForPreTraining``) or
  without one (``BertModel``, sentence-transformers); the pre-training heads may
  be absent, in which case they keep their fresh initialisation and are listed
  in ``model.missing_keys``.

Nothing here imports ``transformers`` or reaches the network.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import torch
import torch.nn.functional as F

from lmkit.models import BERT, GPT, BERTConfig, GPTConfig

__all__ = [
    "MissingCheckpointFile",
    "load_gpt2",
    "save_gpt2",
    "load_bert",
    "mean_pool",
    "sentence_embedding",
]

SAFETENSORS_NAME = "model.safetensors"
SAFETENSORS_INDEX_NAME = "model.safetensors.index.json"
PYTORCH_NAME = "pytorch_model.bin"

# Hugging Face activation names -> lmkit's FeedForward activation names.
_GPT2_ACTIVATIONS = {"gelu_new": "gelu_tanh", "gelu_pytorch_tanh": "gelu_tanh", "gelu": "gelu", "relu": "relu"}


class MissingCheckpointFile(FileNotFoundError, ValueError):
    """A file a checkpoint directory must contain is not there."""


# ----------------------------------------------------------------------------
# Reading a checkpoint directory
# ----------------------------------------------------------------------------


def _checkpoint_dir(path: str | Path) -> Path:
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path must be a str or pathlib.Path to a model directory; got {type(path).__name__}")
    directory = Path(path)
    if not directory.is_dir():
        raise MissingCheckpointFile(f"expected a model directory; {str(directory)!r} is not a directory")
    return directory


def _read_json(file: Path) -> dict:
    if not file.is_file():
        raise MissingCheckpointFile(f"expected {file.name} in {str(file.parent)!r}; it is missing")
    with open(file, encoding="utf-8") as f:
        return json.load(f)


def _read_state_dict(directory: Path) -> dict[str, torch.Tensor]:
    """All tensors of a checkpoint, from safetensors (single or sharded) or a .bin pickle."""
    from safetensors.torch import load_file  # a small, torch-only dependency

    single = directory / SAFETENSORS_NAME
    index = directory / SAFETENSORS_INDEX_NAME
    pickled = directory / PYTORCH_NAME
    if single.is_file():
        return load_file(str(single))
    if index.is_file():
        shards = sorted(set(_read_json(index)["weight_map"].values()))
        state: dict[str, torch.Tensor] = {}
        for shard in shards:
            state.update(load_file(str(directory / shard)))
        return state
    if pickled.is_file():
        return torch.load(pickled, map_location="cpu", weights_only=True)
    raise MissingCheckpointFile(
        f"expected weights in {str(directory)!r}: {SAFETENSORS_NAME}, {SAFETENSORS_INDEX_NAME} or {PYTORCH_NAME}; "
        f"found none of them (files: {sorted(p.name for p in directory.iterdir())})"
    )


def _strip_prefix(state: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    return {name.removeprefix(prefix): tensor for name, tensor in state.items()}


def _copy_into(model: torch.nn.Module, tensors: dict[str, torch.Tensor], source: dict[str, str]) -> list[str]:
    """Copy ``tensors`` (lmkit name -> tensor) into the model's parameters.

    ``source`` maps each lmkit name to the checkpoint name it came from, for error
    messages. Returns the names of the model's parameters that were not given.
    """
    params = dict(model.named_parameters())  # tied weights appear once
    for name, tensor in tensors.items():
        if name not in params:
            raise ValueError(f"checkpoint tensor {source[name]!r} maps to {name!r}, which the model does not have")
        target = params[name]
        if target.shape != tensor.shape:
            raise ValueError(
                f"shape mismatch for {source[name]!r} -> {name!r}: the model expects "
                f"{tuple(target.shape)}, the checkpoint has {tuple(tensor.shape)}"
            )
        with torch.no_grad():
            target.copy_(tensor.to(target.dtype))
    return [name for name in params if name not in tensors]


def _reject_unexpected(names: set[str], what: str) -> None:
    if names:
        listed = sorted(names)
        more = f" (and {len(listed) - 5} more)" if len(listed) > 5 else ""
        raise ValueError(f"unexpected tensors in the {what} checkpoint: {listed[:5]}{more}")


def _place(model: torch.nn.Module, device: str | torch.device | None, dtype: torch.dtype | None) -> None:
    if dtype is not None:
        if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
            raise TypeError(f"dtype must be a floating torch.dtype; got {dtype!r}")
        model.to(dtype=dtype)
    if device is not None:
        model.to(device=device)


# ----------------------------------------------------------------------------
# GPT-2
# ----------------------------------------------------------------------------


def _gpt2_config(hf: dict, backend: str) -> GPTConfig:
    """Translate a Hugging Face GPT-2 config.json into a GPTConfig, refusing what we do not implement."""
    if hf.get("model_type", "gpt2") != "gpt2":
        raise ValueError(f"expected a GPT-2 checkpoint (model_type 'gpt2'); got model_type {hf['model_type']!r}")
    activation = hf.get("activation_function", "gelu_new")
    if activation not in _GPT2_ACTIVATIONS:
        raise ValueError(f"activation_function must be one of {sorted(_GPT2_ACTIVATIONS)}; got {activation!r}")
    n_embd = hf.get("n_embd", 768)
    unsupported = {
        "n_inner": (hf.get("n_inner") in (None, 4 * n_embd), f"None or 4 * n_embd = {4 * n_embd}"),
        "scale_attn_weights": (hf.get("scale_attn_weights", True) is True, "True"),
        "scale_attn_by_inverse_layer_idx": (hf.get("scale_attn_by_inverse_layer_idx", False) is False, "False"),
        "add_cross_attention": (hf.get("add_cross_attention", False) is False, "False"),
    }
    for key, (ok, expected) in unsupported.items():
        if not ok:
            raise ValueError(f"unsupported GPT-2 config: {key} must be {expected}; got {hf.get(key)!r}")
    return GPTConfig(
        vocab_size=hf.get("vocab_size", 50257),
        block_size=hf.get("n_positions", hf.get("n_ctx", 1024)),
        n_layer=hf.get("n_layer", 12),
        n_head=hf.get("n_head", 12),
        n_embd=n_embd,
        dropout=hf.get("resid_pdrop", 0.1),
        bias=True,
        layer_norm_eps=hf.get("layer_norm_epsilon", 1e-5),
        activation=_GPT2_ACTIVATIONS[activation],
        backend=backend,
    )


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


def _require(state: dict[str, torch.Tensor], name: str) -> torch.Tensor:
    if name not in state:
        raise ValueError(f"the checkpoint lacks tensor {name!r}")
    return state[name]


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


def _bert_config(hf: dict, backend: str) -> BERTConfig:
    """Translate a Hugging Face BERT config.json into a BERTConfig."""
    if hf.get("model_type", "bert") != "bert":
        raise ValueError(f"expected a BERT checkpoint (model_type 'bert'); got model_type {hf['model_type']!r}")
    checks = {
        "hidden_act": (hf.get("hidden_act", "gelu") == "gelu", "'gelu'"),
        "position_embedding_type": (hf.get("position_embedding_type", "absolute") == "absolute", "'absolute'"),
        "is_decoder": (not hf.get("is_decoder", False), "False"),
    }
    for key, (ok, expected) in checks.items():
        if not ok:
            raise ValueError(f"unsupported BERT config: {key} must be {expected}; got {hf.get(key)!r}")
    return BERTConfig(
        vocab_size=hf.get("vocab_size", 30522),
        max_position_embeddings=hf.get("max_position_embeddings", 512),
        type_vocab_size=hf.get("type_vocab_size", 2),
        n_layer=hf.get("num_hidden_layers", 12),
        n_head=hf.get("num_attention_heads", 12),
        hidden_size=hf.get("hidden_size", 768),
        intermediate_size=hf.get("intermediate_size", 3072),
        dropout=hf.get("hidden_dropout_prob", 0.1),
        attention_dropout=hf.get("attention_probs_dropout_prob", 0.1),
        layer_norm_eps=hf.get("layer_norm_eps", 1e-12),
        pad_token_id=hf.get("pad_token_id", 0) or 0,
        backend=backend,
    )


def _linear(hf: str, ours: str) -> list[tuple[str, str]]:
    return [(f"{hf}.weight", f"{ours}.weight"), (f"{hf}.bias", f"{ours}.bias")]


def _bert_names(n_layer: int) -> list[tuple[str, str]]:
    """(Hugging Face name, lmkit name) for every BERT tensor (LayerNorms and Linears
    both have weight + bias)."""
    names = [
        ("embeddings.word_embeddings.weight", "embeddings.word_embeddings.weight"),
        ("embeddings.position_embeddings.weight", "embeddings.position_embeddings.embedding.weight"),
        ("embeddings.token_type_embeddings.weight", "embeddings.token_type_embeddings.weight"),
        *_linear("embeddings.LayerNorm", "embeddings.norm"),
    ]
    for i in range(n_layer):
        hf, ours = f"encoder.layer.{i}", f"blocks.{i}"
        names += _linear(f"{hf}.attention.self.query", f"{ours}.attn.q_proj")
        names += _linear(f"{hf}.attention.self.key", f"{ours}.attn.k_proj")
        names += _linear(f"{hf}.attention.self.value", f"{ours}.attn.v_proj")
        names += _linear(f"{hf}.attention.output.dense", f"{ours}.attn.out_proj")
        names += _linear(f"{hf}.attention.output.LayerNorm", f"{ours}.norm1")
        names += _linear(f"{hf}.intermediate.dense", f"{ours}.ffn.fc_in")
        names += _linear(f"{hf}.output.dense", f"{ours}.ffn.fc_out")
        names += _linear(f"{hf}.output.LayerNorm", f"{ours}.norm2")
    names += _linear("pooler.dense", "pooler.dense")
    names += _linear("cls.predictions.transform.dense", "mlm_head.dense")
    names += _linear("cls.predictions.transform.LayerNorm", "mlm_head.norm")
    names += [("cls.predictions.bias", "mlm_head.decoder.bias")]
    names += _linear("cls.seq_relationship", "nsp_head")
    return names


# Parts of a BERT that a checkpoint may lack (then they keep their initialisation).
_BERT_OPTIONAL_PREFIXES = ("pooler.", "mlm_head.", "nsp_head.")


def _normalise_bert_names(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Drop the ``bert.`` prefix, use the modern LayerNorm names (TF ports say gamma/beta)
    and one name for the MLM output bias."""
    out = {}
    for name, tensor in _strip_prefix(state, "bert.").items():
        name = name.replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias")
        name = name.replace("cls.predictions.decoder.bias", "cls.predictions.bias")
        out[name] = tensor
    return out


def _is_bert_ignorable(name: str) -> bool:
    """A BERT checkpoint's non-parameters: the position-id buffer and the tied decoder weight."""
    return name in ("embeddings.position_ids", "embeddings.token_type_ids", "cls.predictions.decoder.weight")


def load_bert(
    path: str | Path,
    *,
    backend: str = "reference",
    device: str | torch.device | None = None,
    dtype: torch.dtype | None = None,
):
    """Load a Hugging Face BERT directory as ``(BERT, WordPieceTokenizer or None)``.

    Accepts ``BertModel``/sentence-transformers checkpoints (bare names) and
    ``BertForPreTraining``-style ones (``bert.`` prefix, with ``cls.*`` heads).
    The pooler, MLM and NSP heads are optional: those the checkpoint lacks keep
    their initialisation, and their parameter names are listed in the returned
    model's ``missing_keys`` attribute. The tokenizer comes from vocab.txt (with
    ``do_lower_case`` from tokenizer_config.json); None if there is no vocab.txt.
    """
    directory = _checkpoint_dir(path)
    config = _bert_config(_read_json(directory / "config.json"), backend)
    state = _normalise_bert_names(_read_state_dict(directory))

    tensors: dict[str, torch.Tensor] = {}
    source: dict[str, str] = {}
    for hf_name, name in _bert_names(config.n_layer):
        if hf_name in state:
            tensors[name], source[name] = state[hf_name], hf_name
    _reject_unexpected({n for n in state if n not in source.values() and not _is_bert_ignorable(n)}, "BERT")

    model = BERT(config)
    missing = _copy_into(model, tensors, source)
    required = [name for name in missing if not name.startswith(_BERT_OPTIONAL_PREFIXES)]
    if required:
        raise ValueError(f"the BERT checkpoint did not provide {required[:5]}{' ...' if len(required) > 5 else ''}")
    model.missing_keys = missing
    _place(model, device, dtype)
    model.eval()
    return model, _load_wordpiece_tokenizer(directory)


def _load_wordpiece_tokenizer(directory: Path):
    vocab = directory / "vocab.txt"
    if not vocab.is_file():
        return None
    settings_file = directory / "tokenizer_config.json"
    settings = _read_json(settings_file) if settings_file.is_file() else {}
    from lmkit.tokenizers import WordPieceTokenizer

    return WordPieceTokenizer.from_vocab_file(vocab, lowercase=bool(settings.get("do_lower_case", True)))


# ----------------------------------------------------------------------------
# Sentence embeddings
# ----------------------------------------------------------------------------


def mean_pool(last_hidden_state: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Average the token vectors of each sequence, ignoring padding.

    last_hidden_state: (B, L, H); attention_mask: (B, L), 1 = real token.
    Returns (B, H).
    """
    if last_hidden_state.dim() != 3:
        raise ValueError(f"last_hidden_state must have shape (B, L, H); got {tuple(last_hidden_state.shape)}")
    if attention_mask.shape != last_hidden_state.shape[:2]:
        raise ValueError(
            f"attention_mask must have shape (B, L) = {tuple(last_hidden_state.shape[:2])}; "
            f"got {tuple(attention_mask.shape)}"
        )
    weights = attention_mask.to(last_hidden_state.dtype).unsqueeze(-1)  # (B, L, 1)
    return (last_hidden_state * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)


def sentence_embedding(
    model: BERT,
    tokenizer,
    sentences: str | Sequence[str],
    *,
    batch_size: int = 32,
    normalize: bool = True,
    max_length: int | None = None,
) -> torch.Tensor:
    """Embed sentences as sentence-transformers does for all-MiniLM-L6-v2.

    Tokenise (padding, truncation to ``max_length``, default the model's
    max_position_embeddings; the MiniLM model was trained with 256), run the
    encoder, mean-pool the last hidden states over real tokens and, with
    ``normalize``, scale to unit length so dot products are cosine similarities.
    Returns (N, hidden) on the model's device (a single string gives N = 1).
    """
    if isinstance(sentences, str):
        sentences = [sentences]
    if not isinstance(sentences, Sequence) or len(sentences) == 0:
        raise ValueError(f"sentences must be a non-empty list of str; got {sentences!r}")
    for s in sentences:
        if not isinstance(s, str):
            raise TypeError(f"sentences must all be str; got {type(s).__name__}")
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size must be an int >= 1; got {batch_size!r}")
    max_length = max_length or model.config.max_position_embeddings
    device = next(model.parameters()).device

    was_training = model.training
    model.eval()
    chunks = []
    try:
        with torch.no_grad():
            for start in range(0, len(sentences), batch_size):
                batch = list(sentences[start : start + batch_size])
                enc = tokenizer(batch, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
                enc = {k: v.to(device) for k, v in enc.items()}
                out = model(
                    enc["input_ids"], enc.get("token_type_ids"), enc["attention_mask"], compute_heads=False
                )
                chunks.append(mean_pool(out.last_hidden_state, enc["attention_mask"]))
    finally:
        model.train(was_training)
    embeddings = torch.cat(chunks)
    return F.normalize(embeddings, p=2, dim=-1) if normalize else embeddings
