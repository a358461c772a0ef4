"""GPT and BERT, assembled from the blocks in :mod:`lmkit.layers`.

Two model families, written to be read next to their papers:

* :class:`GPT` -- a decoder-only, causal language model in the GPT-2 layout
  (Radford et al., 2019): token + learned position embeddings, a stack of
  pre-LayerNorm Transformer blocks, a final LayerNorm and an LM head that shares
  its weight with the token embedding.
* :class:`BERT` -- a bidirectional encoder (Devlin et al., 2019): word + position
  + segment embeddings, post-LayerNorm blocks, a pooler on the ``[CLS]`` token
  and two pre-training heads (masked language modelling and next-sentence
  prediction), each its own module so a notebook can swap in a task head.

Both return the attention weights of every layer and head on request, as one
tensor of shape ``(n_layer, B, H, L, Lk)``, for the visualisations.

The parameter names follow the pieces they are built from (``attn.q_proj``,
``ffn.fc_in``, ...); :mod:`lmkit.hub` maps Hugging Face checkpoints onto them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from lmkit.attention import KVCache, causal_mask, padding_mask
from lmkit.layers import LearnedPositionalEmbedding, TransformerBlock

__all__ = [
    "GPTConfig",
    "GPT",
    "GPTOutput",
    "BERTConfig",
    "BERT",
    "BERTOutput",
    "BERTEmbeddings",
    "BERTPooler",
    "MLMHead",
]

IGNORE_INDEX = -100  # label value that the losses skip (padding, unmasked tokens)
_BACKENDS = ("reference", "flash", "torch")
_ACTIVATIONS = ("gelu", "gelu_tanh", "relu")


# ----------------------------------------------------------------------------
# Shared helpers: configuration checks, input checks, weight initialisation
# ----------------------------------------------------------------------------


def _check_positive_int(name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int; got {value!r}")


def _check_probability(name: str, value: object) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be a float in [0, 1); got {value!r}")


def _check_choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}; got {value!r}")


def _check_heads_divide(width_name: str, width: int, num_heads: int) -> None:
    if width % num_heads != 0:
        raise ValueError(
            f"{width_name} ({width}) must be divisible by the number of heads ({num_heads}); "
            f"got a remainder of {width % num_heads}"
        )


def _check_token_ids(name: str, ids: object, vocab_size: int) -> torch.Tensor:
    """Check that ``ids`` is a non-empty (B, L) integer tensor with values in [0, vocab_size)."""
    if not isinstance(ids, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of shape (B, L); got {type(ids).__name__}")
    if ids.dtype.is_floating_point or ids.dtype.is_complex or ids.dtype == torch.bool:
        raise TypeError(f"{name} must hold integer token ids (torch.long); got dtype {ids.dtype}")
    if ids.dim() != 2:
        raise ValueError(f"{name} must have shape (B, L); got {tuple(ids.shape)}")
    if ids.numel() == 0:
        raise ValueError(f"{name} must not be empty; got shape {tuple(ids.shape)}")
    low, high = int(ids.min()), int(ids.max())
    if low < 0 or high >= vocab_size:
        bad = low if low < 0 else high
        raise ValueError(f"{name} must be token ids in [0, {vocab_size}); got {bad}")
    return ids.long()


def _check_same_shape(name: str, tensor: torch.Tensor | None, shape: torch.Size, shape_name: str) -> None:
    if tensor is None:
        return
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor; got {type(tensor).__name__}")
    if tensor.shape != shape:
        raise ValueError(f"{name} must have the shape of {shape_name} {tuple(shape)}; got {tuple(tensor.shape)}")


def _init_gpt2_style(module: nn.Module, std: float = 0.02) -> None:
    """GPT-2 / BERT initialisation: N(0, std) weights, zero biases, unit LayerNorms."""
    if isinstance(module, nn.Linear):
        nn.init.normal_(module.weight, mean=0.0, std=std)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.Embedding):
        nn.init.normal_(module.weight, mean=0.0, std=std)
        if module.padding_idx is not None:
            with torch.no_grad():
                module.weight[module.padding_idx].zero_()
    elif isinstance(module, nn.LayerNorm):
        if module.weight is not None:
            nn.init.ones_(module.weight)
        if module.bias is not None:
            nn.init.zeros_(module.bias)


def _stack_attentions(weights: list[torch.Tensor | None]) -> torch.Tensor | None:
    """Per-layer (B, H, L, Lk) weights -> one (n_layer, B, H, L, Lk) tensor."""
    if any(w is None for w in weights):
        return None  # a backend that cannot return weights (checked earlier)
    return torch.stack(weights)


# ----------------------------------------------------------------------------
# GPT
# ----------------------------------------------------------------------------


@dataclass
class GPTConfig:
    """Hyper-parameters of a :class:`GPT`. The defaults are GPT-2 small (124M).

    ``block_size`` is the longest sequence (context window) the model sees;
    ``backend`` selects the attention kernel (see :mod:`lmkit.attention`).
    """

    vocab_size: int = 50257
    block_size: int = 1024
    n_layer: int = 12
    n_head: int = 12
    n_embd: int = 768
    dropout: float = 0.0
    bias: bool = True
    layer_norm_eps: float = 1e-5
    backend: str = "reference"
    activation: str = "gelu_tanh"

    def __post_init__(self) -> None:
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            _check_positive_int(name, getattr(self, name))
        _check_heads_divide("n_embd", self.n_embd, self.n_head)
        _check_probability("dropout", self.dropout)
        if not self.layer_norm_eps > 0:
            raise ValueError(f"layer_norm_eps must be > 0; got {self.layer_norm_eps!r}")
        _check_choice("backend", self.backend, _BACKENDS)
        _check_choice("activation", self.activation, _ACTIVATIONS)


@dataclass
class GPTOutput:
    """What :meth:`GPT.forward` returns.

    logits: (B, L, vocab_size) next-token scores.
    loss: scalar mean cross-entropy over targets != -100, or None without targets.
    attentions: (n_layer, B, H, L, Lk) attention weights, or None unless asked for.
    kv_caches: the per-layer caches passed in (now extended), or None.
    """

    logits: torch.Tensor
    loss: torch.Tensor | None = None
    attentions: torch.Tensor | None = None
    kv_caches: list[KVCache] | None = None


class GPT(nn.Module):
    """A GPT-2 style causal language model.

    input_ids (B, L) -> token + position embeddings -> n_layer pre-LN blocks
    -> final LayerNorm -> logits (B, L, vocab_size), the LM head tied to ``wte``.
    """

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        if not isinstance(config, GPTConfig):
            raise TypeError(f"config must be a GPTConfig; got {type(config).__name__}")
        self.config = config
        d = config.n_embd
        self.wte = nn.Embedding(config.vocab_size, d)
        self.wpe = LearnedPositionalEmbedding(config.block_size, d)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(
            TransformerBlock(
                d,
                config.n_head,
                4 * d,
                norm_first=True,
                activation=config.activation,
                dropout=config.dropout,
                bias=config.bias,
                layer_norm_eps=config.layer_norm_eps,
                backend=config.backend,
            )
            for _ in range(config.n_layer)
        )
        self.ln_f = nn.LayerNorm(d, eps=config.layer_norm_eps, bias=config.bias)
        self.lm_head = nn.Linear(d, config.vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight  # weight tying: one matrix reads and writes tokens
        self._init_weights()

    def _init_weights(self) -> None:
        """GPT-2 init: N(0, 0.02) everywhere, and the two projections that write into
        the residual stream scaled by 1/sqrt(2 * n_layer) so its variance does not
        grow with depth."""
        self.apply(_init_gpt2_style)
        residual_std = 0.02 / math.sqrt(2 * self.config.n_layer)
        for block in self.blocks:
            nn.init.normal_(block.attn.out_proj.weight, mean=0.0, std=residual_std)
            nn.init.normal_(block.ffn.fc_out.weight, mean=0.0, std=residual_std)

    def num_parameters(self, *, exclude_embeddings: bool = False) -> int:
        """Number of parameters (the tied LM head counted once).

        With ``exclude_embeddings`` the position embedding is left out, as in
        nanoGPT's count (the token embedding doubles as the LM head, so it stays).
        """
        total = sum(p.numel() for p in self.parameters())
        if exclude_embeddings:
            total -= self.wpe.embedding.weight.numel()
        return total

    def new_kv_caches(self) -> list[KVCache]:
        """One empty key/value cache per layer, for incremental decoding."""
        return [KVCache() for _ in self.blocks]

    def forward(
        self,
        input_ids: torch.Tensor,
        targets: torch.Tensor | None = None,
        *,
        need_weights: bool = False,
        kv_caches: list[KVCache] | None = None,
        attention_mask: torch.Tensor | None = None,
    ) -> GPTOutput:
        """Run the model.

        input_ids: (B, L) token ids in [0, vocab_size).
        targets: optional (B, L) next-token ids; -100 marks positions to ignore.
        need_weights: also return attentions (n_layer, B, H, L, Lk).
        kv_caches: optional list of n_layer caches (see :meth:`new_kv_caches`); the new
            keys/values are appended and positions continue after the cached ones.
        attention_mask: optional (B, Lk) with 1 for real tokens and 0 for padding,
            Lk = cached + new length. Positions are not shifted for padding.
        Returns a :class:`GPTOutput`.
        """
        cfg = self.config
        input_ids = _check_token_ids("input_ids", input_ids, cfg.vocab_size)
        _check_same_shape("targets", targets, input_ids.shape, "input_ids")
        past = self._check_kv_caches(kv_caches)
        batch, length = input_ids.shape
        if past + length > cfg.block_size:
            raise ValueError(
                f"sequence too long: {past} cached + {length} new = {past + length} tokens, "
                f"but block_size is {cfg.block_size}"
            )
        mask = self._attention_mask(attention_mask, batch, length, past, input_ids.device)

        positions = self.wpe(length, offset=past)  # (L, d), broadcast over the batch
        x = self.drop(self.wte(input_ids) + positions)
        weights = []
        for i, block in enumerate(self.blocks):
            cache = kv_caches[i] if kv_caches is not None else None
            x, w = block(x, mask, is_causal=mask is None, need_weights=need_weights, kv_cache=cache)
            weights.append(w)
        logits = self.lm_head(self.ln_f(x))

        loss = None
        if targets is not None:
            loss = F.cross_entropy(
                logits.reshape(-1, logits.size(-1)).float(), targets.reshape(-1).long(), ignore_index=IGNORE_INDEX
            )
        attentions = _stack_attentions(weights) if need_weights else None
        return GPTOutput(logits=logits, loss=loss, attentions=attentions, kv_caches=kv_caches)

    def _check_kv_caches(self, kv_caches: list[KVCache] | None) -> int:
        """Validate the caches and return how many positions they already hold."""
        if kv_caches is None:
            return 0
        if not isinstance(kv_caches, (list, tuple)) or len(kv_caches) != len(self.blocks):
            got = len(kv_caches) if isinstance(kv_caches, (list, tuple)) else type(kv_caches).__name__
            raise ValueError(f"kv_caches must be a list of {len(self.blocks)} KVCache (one per layer); got {got}")
        return kv_caches[0].length

    @staticmethod
    def _attention_mask(
        attention_mask: torch.Tensor | None, batch: int, length: int, past: int, device: torch.device
    ) -> torch.Tensor | None:
        """Combine causality with a padding mask into a bool (B, 1, L, Lk) mask.

        Returns None without padding, so the blocks can use their fast causal path.
        A query always may attend to itself: that keeps rows of padding queries from
        being empty (which would give NaNs) and changes nothing for real tokens.
        """
        if attention_mask is None:
            return None
        total = past + length
        if not isinstance(attention_mask, torch.Tensor):
            raise TypeError(f"attention_mask must be a torch.Tensor; got {type(attention_mask).__name__}")
        if attention_mask.shape != (batch, total):
            raise ValueError(
                f"attention_mask must have shape (B, cached + L) = ({batch}, {total}); "
                f"got {tuple(attention_mask.shape)}"
            )
        keys_allowed = padding_mask(attention_mask=attention_mask.to(device))  # (B, 1, 1, Lk)
        causal = causal_mask(length, device=device, Lk=total)  # (L, Lk), True = may attend
        query_pos = torch.arange(length, device=device)[:, None] + past
        itself = query_pos == torch.arange(total, device=device)[None, :]
        return causal & (keys_allowed | itself)


# ----------------------------------------------------------------------------
# BERT
# ----------------------------------------------------------------------------


@dataclass
class BERTConfig:
    """Hyper-parameters of a :class:`BERT`. The defaults are BERT-base (uncased).

    ``dropout`` is the hidden-state dropout, ``attention_dropout`` the dropout on
    the attention probabilities; ``pad_token_id`` is the id of ``[PAD]``.
    """

    vocab_size: int = 30522
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    n_layer: int = 12
    n_head: int = 12
    hidden_size: int = 768
    intermediate_size: int = 3072
    dropout: float = 0.1
    attention_dropout: float = 0.1
    layer_norm_eps: float = 1e-12
    pad_token_id: int = 0
    backend: str = "reference"

    def __post_init__(self) -> None:
        for name in ("vocab_size", "max_position_embeddings", "type_vocab_size", "n_layer", "n_head",
                     "hidden_size", "intermediate_size"):
            _check_positive_int(name, getattr(self, name))
        _check_heads_divide("hidden_size", self.hidden_size, self.n_head)
        _check_probability("dropout", self.dropout)
        _check_probability("attention_dropout", self.attention_dropout)
        if not self.layer_norm_eps > 0:
            raise ValueError(f"layer_norm_eps must be > 0; got {self.layer_norm_eps!r}")
        if not isinstance(self.pad_token_id, int) or not 0 <= self.pad_token_id < self.vocab_size:
            raise ValueError(f"pad_token_id must be an id in [0, {self.vocab_size}); got {self.pad_token_id!r}")
        _check_choice("backend", self.backend, _BACKENDS)


@dataclass
class BERTOutput:
    """What :meth:`BERT.forward` returns.

    last_hidden_state: (B, L, hidden) output of the last block.
    pooled_output: (B, hidden) tanh(dense(h_[CLS])), the sentence summary for NSP
        and classification heads.
    mlm_logits: (B, L, vocab_size) or None when ``compute_heads=False``.
    nsp_logits: (B, 2) "is B the next sentence?" scores, or None likewise.
    loss: mlm_loss + nsp_loss over the labels given, or None.
    mlm_loss, nsp_loss: the two parts (None when their labels are not given).
    hidden_states: tuple of n_layer + 1 (B, L, hidden) tensors (embedding output,
        then each block), when asked for.
    attentions: (n_layer, B, H, L, L), when asked for.
    """

    last_hidden_state: torch.Tensor
    pooled_output: torch.Tensor
    mlm_logits: torch.Tensor | None = None
    nsp_logits: torch.Tensor | None = None
    loss: torch.Tensor | None = None
    mlm_loss: torch.Tensor | None = None
    nsp_loss: torch.Tensor | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: torch.Tensor | None = None


class BERTEmbeddings(nn.Module):
    """Word + position + segment (token type) embeddings, then LayerNorm and dropout.

    (input_ids (B, L), token_type_ids (B, L)) -> (B, L, hidden).
    """

    def __init__(self, config: BERTConfig) -> None:
        super().__init__()
        h = config.hidden_size
        self.word_embeddings = nn.Embedding(config.vocab_size, h, padding_idx=config.pad_token_id)
        self.position_embeddings = LearnedPositionalEmbedding(config.max_position_embeddings, h)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, h)
        self.norm = nn.LayerNorm(h, eps=config.layer_norm_eps)
        self.drop = nn.Dropout(config.dropout)

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor) -> torch.Tensor:
        x = self.word_embeddings(input_ids)
        x = x + self.position_embeddings(input_ids.size(1))
        x = x + self.token_type_embeddings(token_type_ids)
        return self.drop(self.norm(x))


class BERTPooler(nn.Module):
    """(B, L, hidden) -> (B, hidden): a dense layer and tanh on the first ([CLS]) token."""

    def __init__(self, hidden_size: int) -> None:
        super().__init__()
        self.dense = nn.Linear(hidden_size, hidden_size)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.dense(hidden_states[:, 0]))


class MLMHead(nn.Module):
    """Masked-language-model head: (B, L, hidden) -> (B, L, vocab_size).

    dense -> GELU -> LayerNorm, then a decoder whose weight is the (tied) word
    embedding matrix plus its own per-word bias.
    """

    def __init__(self, config: BERTConfig, word_embeddings: nn.Embedding) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size, bias=True)
        self.decoder.weight = word_embeddings.weight  # weight tying, as in BERT

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.norm(F.gelu(self.dense(hidden_states))))


class BERT(nn.Module):
    """A BERT encoder with its pre-training heads.

    embeddings -> n_layer post-LN blocks -> last_hidden_state; pooler on [CLS]
    -> pooled_output; ``mlm_head`` and ``nsp_head`` on top.
    """

    def __init__(self, config: BERTConfig) -> None:
        super().__init__()
        if not isinstance(config, BERTConfig):
            raise TypeError(f"config must be a BERTConfig; got {type(config).__name__}")
        self.config = config
        self.embeddings = BERTEmbeddings(config)
        self.blocks = nn.ModuleList(
            TransformerBlock(
                config.hidden_size,
                config.n_head,
                config.intermediate_size,
                norm_first=False,
                activation="gelu",
                dropout=config.dropout,
                bias=True,
                layer_norm_eps=config.layer_norm_eps,
                backend=config.backend,
            )
            for _ in range(config.n_layer)
        )
        self._set_attention_dropout(config.attention_dropout)
        self.pooler = BERTPooler(config.hidden_size)
        self.mlm_head = MLMHead(config, self.embeddings.word_embeddings)
        self.nsp_head = nn.Linear(config.hidden_size, 2)
        self.apply(_init_gpt2_style)

    def _set_attention_dropout(self, p: float) -> None:
        """BERT drops attention probabilities with their own rate; the block's
        ``dropout`` argument sets the hidden-state rate, so set this one on the
        attention modules afterwards."""
        for block in self.blocks:
            block.attn.dropout = p

    def num_parameters(self) -> int:
        """Number of parameters (the tied MLM decoder weight counted once)."""
        return sum(p.numel() for p in self.parameters())

    def forward(
        self,
        input_ids: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        *,
        mlm_labels: torch.Tensor | None = None,
        nsp_labels: torch.Tensor | None = None,
        need_weights: bool = False,
        output_hidden_states: bool = False,
        compute_heads: bool = True,
    ) -> BERTOutput:
        """Encode a batch and (optionally) apply the pre-training heads.

        input_ids: (B, L) ids in [0, vocab_size), L <= max_position_embeddings.
        token_type_ids: (B, L) segment ids (0 = sentence A, 1 = sentence B); zeros if None.
        attention_mask: (B, L), 1 for real tokens, 0 for padding; all ones if None.
        mlm_labels: (B, L) original ids at masked positions, -100 elsewhere.
        nsp_labels: (B,) 0 = "B follows A", 1 = "B is random".
        compute_heads: False skips the MLM/NSP heads (the (B, L, V) MLM logits are
            large), e.g. for sentence embeddings or a task head on pooled_output.
        Returns a :class:`BERTOutput`.
        """
        cfg = self.config
        input_ids = _check_token_ids("input_ids", input_ids, cfg.vocab_size)
        batch, length = input_ids.shape
        if length > cfg.max_position_embeddings:
            raise ValueError(
                f"sequence too long: got {length} tokens, but max_position_embeddings is "
                f"{cfg.max_position_embeddings}"
            )
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        else:
            _check_same_shape("token_type_ids", token_type_ids, input_ids.shape, "input_ids")
            token_type_ids = _check_token_ids("token_type_ids", token_type_ids, cfg.type_vocab_size)
        mask = None
        if attention_mask is not None:
            _check_same_shape("attention_mask", attention_mask, input_ids.shape, "input_ids")
            mask = padding_mask(attention_mask=attention_mask.to(input_ids.device))  # (B, 1, 1, L)
        if (mlm_labels is not None or nsp_labels is not None) and not compute_heads:
            raise ValueError("labels were given but compute_heads=False; the losses need the heads")

        x = self.embeddings(input_ids, token_type_ids)
        hidden_states = [x]
        weights = []
        for block in self.blocks:
            x, w = block(x, mask, need_weights=need_weights)
            hidden_states.append(x)
            weights.append(w)

        out = BERTOutput(last_hidden_state=x, pooled_output=self.pooler(x))
        if output_hidden_states:
            out.hidden_states = tuple(hidden_states)
        if need_weights:
            out.attentions = _stack_attentions(weights)
        if compute_heads:
            out.mlm_logits = self.mlm_head(x)
            out.nsp_logits = self.nsp_head(out.pooled_output)
            self._add_losses(out, mlm_labels, nsp_labels, input_ids.shape)
        return out

    def _add_losses(
        self, out: BERTOutput, mlm_labels: torch.Tensor | None, nsp_labels: torch.Tensor | None, shape: torch.Size
    ) -> None:
        """Fill out.mlm_loss / out.nsp_loss and their sum out.loss from the labels given."""
        if mlm_labels is not None:
            _check_same_shape("mlm_labels", mlm_labels, shape, "input_ids")
            logits = out.mlm_logits
            out.mlm_loss = F.cross_entropy(
                logits.reshape(-1, logits.size(-1)).float(), mlm_labels.reshape(-1).long(), ignore_index=IGNORE_INDEX
            )
        if nsp_labels is not None:
            _check_same_shape("nsp_labels", nsp_labels, shape[:1], "(B,)")
            out.nsp_loss = F.cross_entropy(out.nsp_logits.float(), nsp_labels.long())
        losses = [l for l in (out.mlm_loss, out.nsp_loss) if l is not None]
        out.loss = sum(losses) if losses else None
