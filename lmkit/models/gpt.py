"""GPT: a decoder-only, causal language model in the GPT-2 layout (Radford et al., 2019).

Backs 03 §6-7 (counting parameters, training a tiny model and looking inside its
heads), 04 §2 (causal language modelling) and 04 §5 (decoding, with
:mod:`lmkit.generation`). Token + learned position embeddings, a stack of
pre-LayerNorm Transformer blocks from :mod:`lmkit.layers`, a final LayerNorm and an
LM head that shares its weight with the token embedding. Parameter names follow
the pieces (``attn.q_proj``, ``ffn.fc_in``, ...); :mod:`lmkit.hub.gpt2` maps
Hugging Face checkpoints onto them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from lmkit import _validate
from lmkit.attention import BACKENDS, KVCache, causal_mask, padding_mask
from lmkit.layers import ACTIVATIONS, LearnedPositionalEmbedding, TransformerBlock
from lmkit.models._common import IGNORE_INDEX, _check_heads_divide, _check_token_ids, _init_gpt2_style, _stack_attentions


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
    norm_first: bool = True  # pre-LN (GPT-2); False: post-LN, as in 03's comparison and 04's ablation

    def __post_init__(self) -> None:
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            _validate.positive_int(name, getattr(self, name))
        _check_heads_divide("n_embd", self.n_embd, self.n_head)
        _validate.probability("dropout", self.dropout)
        _validate.positive_number("layer_norm_eps", self.layer_norm_eps)
        _validate.choice("backend", self.backend, BACKENDS)
        _validate.choice("activation", self.activation, ACTIVATIONS)


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
    (post-LN with ``config.norm_first=False``) -> final LayerNorm -> logits (B, L, vocab_size), the LM head tied to ``wte``.
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
                norm_first=config.norm_first,
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
        """One empty key/value cache per layer, for incremental decoding; each pre-allocates
        room for ``block_size`` positions (the most a sequence can hold)."""
        return [KVCache(self.config.block_size) for _ in self.blocks]

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
        if targets is not None:  # float targets would be truncated by .long(), all -100 gives a NaN loss
            targets = _validate.targets("targets", targets, input_ids.shape, "input_ids", cfg.vocab_size, IGNORE_INDEX)
        past = self._check_kv_caches(kv_caches)
        batch, length = input_ids.shape
        if past + length > cfg.block_size:
            raise ValueError(
                f"input_ids is too long: {past} cached + {length} new = {past + length} tokens, "
                f"but block_size is {cfg.block_size}"
            )
        mask = self._attention_mask(attention_mask, batch, length, past, input_ids.device)

        positions = self.wpe(length, offset=past)  # (L, d), broadcast over the batch
        x = self.drop(self.wte(input_ids) + positions)
        weights = []
        # One new token after cached ones is the last position: the causal mask lets it see every
        # key, so it needs none (the decoding step of 04 §5 then skips building a mask per layer).
        is_causal = mask is None and not (past > 0 and length == 1)
        for i, block in enumerate(self.blocks):
            cache = kv_caches[i] if kv_caches is not None else None
            x, w = block(x, mask, is_causal=is_causal, need_weights=need_weights, kv_cache=cache)
            weights.append(w)
        logits = self.lm_head(self.ln_f(x))

        loss = None
        if targets is not None:
            loss = F.cross_entropy(
                logits.reshape(-1, logits.size(-1)).float(), targets.reshape(-1), ignore_index=IGNORE_INDEX
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


class MiniGPT(nn.Module):
    """:class:`GPT` behind the interface of 03's MiniGPT exercise, for 04 §2.

    MiniGPT(vocab_size, block_size, n_layer=2, n_head=2, d_model=64, norm_first=True);
    forward(idx (B, L), targets (B, L) | None) -> (logits (B, L, V), loss | None). 04 trains
    the learner's own MiniGPT and falls back to this one when theirs is missing or fails.
    """

    def __init__(self, vocab_size: int, block_size: int, n_layer: int = 2, n_head: int = 2, d_model: int = 64,
                 norm_first: bool = True) -> None:
        super().__init__()
        self.block_size = block_size
        self.gpt = GPT(GPTConfig(vocab_size=vocab_size, block_size=block_size, n_layer=n_layer, n_head=n_head,
                                 n_embd=d_model, activation="gelu", norm_first=norm_first))

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None):
        out = self.gpt(idx, targets)
        return out.logits, out.loss
