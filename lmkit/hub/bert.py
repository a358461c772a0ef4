"""BERT checkpoints: load a Hugging Face BERT (or sentence-transformers) directory.

Backs 05 §6 (real open-source weights: all-MiniLM-L6-v2). BERT checkpoints come
with a ``bert.`` prefix (``BertForPreTraining``) or without one (``BertModel``,
sentence-transformers); the pre-training heads may be absent, in which case they
keep their fresh initialisation and are listed in ``model.missing_keys``.
"""

from __future__ import annotations

from pathlib import Path

import torch

from lmkit.hub.files import (_checkpoint_dir, _config_from_hf, _copy_into, _place, _read_json, _read_state_dict,
                             _reject_unexpected, _strip_prefix)
from lmkit.models import BERT, BERTConfig

# BERTConfig field <- (Hugging Face config.json keys; default).
_BERT_FIELDS = {
    "vocab_size": (("vocab_size",), 30522),
    "max_position_embeddings": (("max_position_embeddings",), 512),
    "type_vocab_size": (("type_vocab_size",), 2),
    "n_layer": (("num_hidden_layers",), 12),
    "n_head": (("num_attention_heads",), 12),
    "hidden_size": (("hidden_size",), 768),
    "intermediate_size": (("intermediate_size",), 3072),
    "dropout": (("hidden_dropout_prob",), 0.1),
    "attention_dropout": (("attention_probs_dropout_prob",), 0.1),
    "layer_norm_eps": (("layer_norm_eps",), 1e-12),
}


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
    return _config_from_hf(hf, _BERT_FIELDS, BERTConfig, "BERT", pad_token_id=hf.get("pad_token_id", 0) or 0,
                           backend=backend)


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
