"""BERT: a bidirectional encoder with its pre-training heads (Devlin et al., 2019).

Backs 04 §3 (masked language modelling and next-sentence prediction), 05 §1-2 (the
pretrained toy encoder and a classification head on its pooled output) and 05 §6
(all-MiniLM-L6-v2 loaded by :mod:`lmkit.hub.bert`). Word + position + segment
embeddings, post-LayerNorm blocks, a pooler on the ``[CLS]`` token and two heads
(masked LM, next-sentence prediction), each its own module so a notebook can swap
in a task head.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from lmkit import _validate
from lmkit.attention import BACKENDS, padding_mask
from lmkit.layers import LearnedPositionalEmbedding, TransformerBlock
from lmkit.models._common import (IGNORE_INDEX, _check_heads_divide, _check_same_shape, _check_token_ids,
                                  _init_gpt2_style, _stack_attentions)


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
            _validate.positive_int(name, getattr(self, name))
        _check_heads_divide("hidden_size", self.hidden_size, self.n_head)
        _validate.probability("dropout", self.dropout)
        _validate.probability("attention_dropout", self.attention_dropout)
        _validate.positive_number("layer_norm_eps", self.layer_norm_eps)
        if not isinstance(self.pad_token_id, int) or not 0 <= self.pad_token_id < self.vocab_size:
            raise ValueError(f"pad_token_id must be an id in [0, {self.vocab_size}); got {self.pad_token_id!r}")
        _validate.choice("backend", self.backend, BACKENDS)


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
                f"input_ids is too long: got {length} tokens, but max_position_embeddings is "
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
            mlm_labels = _validate.targets("mlm_labels", mlm_labels, shape, "input_ids", self.config.vocab_size, IGNORE_INDEX)
            logits = out.mlm_logits
            out.mlm_loss = F.cross_entropy(
                logits.reshape(-1, logits.size(-1)).float(), mlm_labels.reshape(-1), ignore_index=IGNORE_INDEX
            )
        if nsp_labels is not None:
            nsp_labels = _validate.targets("nsp_labels", nsp_labels, shape[:1], "(B,)", 2, IGNORE_INDEX)
            out.nsp_loss = F.cross_entropy(out.nsp_logits.float(), nsp_labels)
        losses = [l for l in (out.mlm_loss, out.nsp_loss) if l is not None]
        out.loss = sum(losses) if losses else None
