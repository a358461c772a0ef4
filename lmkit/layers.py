"""Transformer building blocks: feed-forward, Transformer block, positional encodings.

Backs 03 §3 (where is each token? sinusoidal, learned and rotary positions) and
03 §4 (the Transformer block: feed-forward, residuals, LayerNorm), and every model
of :mod:`lmkit.models`.
"""
from __future__ import annotations

import math
from typing import Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from lmkit import _validate
from lmkit.attention import KVCache, MultiHeadAttention

Tensor = torch.Tensor
ACTIVATIONS = ("gelu", "gelu_tanh", "relu")


def _activation(name: str):
    if name == "gelu":
        return lambda x: F.gelu(x)                      # exact erf form (BERT)
    if name == "gelu_tanh":
        return lambda x: F.gelu(x, approximate="tanh")  # GPT-2's gelu_new
    if name == "relu":
        return F.relu
    raise ValueError(f"activation must be one of {ACTIVATIONS}; got {name!r}")


class FeedForward(nn.Module):
    """Position-wise MLP: (B, L, d_model) -> (B, L, d_model)."""

    def __init__(self, d_model: int, d_ff: Optional[int] = None, *, activation: str = "gelu",
                 dropout: float = 0.0, bias: bool = True) -> None:
        super().__init__()
        _validate.positive_int("d_model", d_model)
        d_ff = 4 * d_model if d_ff is None else _validate.positive_int("d_ff", d_ff)
        _validate.probability("dropout", dropout)
        self.d_model = d_model
        self.act = _activation(activation)
        self.activation = activation
        self.fc_in = nn.Linear(d_model, d_ff, bias=bias)
        self.fc_out = nn.Linear(d_ff, d_model, bias=bias)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        _check_width(x, self.d_model)
        return self.drop(self.fc_out(self.act(self.fc_in(x))))


class TransformerBlock(nn.Module):
    """Attention + feed-forward with residuals; pre-LN (GPT-2) or post-LN (BERT)."""

    def __init__(self, d_model: int, num_heads: int, d_ff: Optional[int] = None, *, norm_first: bool = True,
                 activation: str = "gelu", dropout: float = 0.0, bias: bool = True,
                 layer_norm_eps: float = 1e-5, backend: str = "reference") -> None:
        super().__init__()
        _validate.positive_int("d_model", d_model)
        self.d_model = d_model
        self.norm_first = norm_first
        self.attn = MultiHeadAttention(d_model, num_heads, bias=bias, dropout=dropout, backend=backend)
        self.ffn = FeedForward(d_model, d_ff, activation=activation, dropout=dropout, bias=bias)
        self.norm1 = nn.LayerNorm(d_model, eps=layer_norm_eps)
        self.norm2 = nn.LayerNorm(d_model, eps=layer_norm_eps)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: Tensor, mask: Optional[Tensor] = None, *, is_causal: bool = False,
                need_weights: bool = False, kv_cache: Optional[KVCache] = None):
        """x (B, L, d_model) -> (x, per-head weights (B, H, L, Lk) or None)."""
        _check_width(x, self.d_model)  # before the LayerNorm, whose own error names no argument
        def attend(h: Tensor):
            return self.attn(h, mask=mask, is_causal=is_causal, need_weights=need_weights, kv_cache=kv_cache)
        if self.norm_first:
            a, weights = attend(self.norm1(x))
            x = x + self.drop(a)
            x = x + self.ffn(self.norm2(x))
        else:
            a, weights = attend(x)
            x = self.norm1(x + self.drop(a))
            x = self.norm2(x + self.ffn(x))
        return x, weights


def _check_width(x: Tensor, d_model: int, name: str = "x") -> None:
    """A floating (..., d_model) input: long ids or a wrong width fail deep inside torch otherwise."""
    _validate.float_tensor(name, x, f"(B, L, {d_model})")
    if x.dim() < 2 or x.shape[-1] != d_model:
        raise ValueError(f"{name} must have shape (B, L, {d_model}); got {tuple(x.shape)}")


def _check_fits(length: int, max_len: int, *, offset: int = 0, name: str = "offset") -> None:
    if length > max_len:
        where = f" ({name} {offset} + {length - offset} new positions)" if offset else f" ({name})"
        raise ValueError(f"sequence of length {length} exceeds the context of {max_len} positions{where}")


class SinusoidalPositionalEncoding(nn.Module):
    """Adds pe[p, 2i] = sin(p / 10000^(2i/d)), pe[p, 2i+1] = cos(...) to (B, L, d_model)."""

    def __init__(self, d_model: int, max_len: int = 5000) -> None:
        super().__init__()
        _validate.positive_int("d_model", d_model)
        if d_model % 2:  # sin and cos come in pairs, one pair per frequency
            raise ValueError(f"d_model must be a positive even int (one sin/cos pair per frequency); got {d_model}")
        _validate.positive_int("max_len", max_len)
        position = torch.arange(max_len, dtype=torch.float32)[:, None]
        inv_freq = torch.exp(-math.log(10000.0) * torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)
        pe = torch.zeros(max_len, d_model)
        pe[:, 0::2] = torch.sin(position * inv_freq)
        pe[:, 1::2] = torch.cos(position * inv_freq)[:, : d_model // 2]
        self.register_buffer("pe", pe, persistent=False)
        self.max_len = max_len

    def forward(self, x: Tensor, offset: int = 0) -> Tensor:
        _validate.float_tensor("x", x, f"(B, L, {self.pe.shape[1]})")
        if x.dim() != 3 or x.shape[-1] != self.pe.shape[1]:
            raise ValueError(f"x must have shape (B, L, {self.pe.shape[1]}); got {tuple(x.shape)}")
        _validate.non_negative_int("offset", offset)
        _check_fits(offset + x.shape[1], self.max_len, offset=offset, name="offset" if offset else "x")
        return x + self.pe[offset:offset + x.shape[1]].to(x.dtype)


class LearnedPositionalEmbedding(nn.Module):
    """A trainable embedding per position."""

    def __init__(self, max_len: int, d_model: int) -> None:
        super().__init__()
        _validate.positive_int("max_len", max_len)
        _validate.positive_int("d_model", d_model)
        self.max_len = max_len
        self.embedding = nn.Embedding(max_len, d_model)

    @property
    def weight(self) -> Tensor:
        return self.embedding.weight

    def forward(self, L_or_positions: Union[int, Tensor], offset: int = 0) -> Tensor:
        """A length L -> the (L, d_model) embeddings of positions offset .. offset+L-1;
        an integer tensor of positions -> their embeddings, shape (..., d_model)."""
        _validate.non_negative_int("offset", offset)
        if isinstance(L_or_positions, Tensor):
            positions = _validate.int_tensor("L_or_positions", L_or_positions, what="integer positions")
            if positions.numel() and int(positions.min()) < 0:
                raise ValueError(f"L_or_positions must be positions >= 0; got {int(positions.min())}")
            if positions.numel() and int(positions.max()) >= self.max_len:
                _check_fits(int(positions.max()) + 1, self.max_len, name="L_or_positions")
            return self.embedding(positions)
        length = _validate.positive_int("L_or_positions", L_or_positions)
        _check_fits(offset + length, self.max_len, offset=offset, name="offset" if offset else "L_or_positions")
        return self.embedding(torch.arange(offset, offset + length, device=self.weight.device))


class RotaryEmbedding(nn.Module):
    """Rotary position embedding (rotate-half convention of GPT-NeoX / LLaMA)."""

    def __init__(self, head_dim: int, max_len: int = 2048, base: float = 10000.0) -> None:
        super().__init__()
        if not isinstance(head_dim, int) or head_dim <= 0 or head_dim % 2 != 0:
            raise ValueError(f"head_dim must be a positive even int for rotary embeddings; got {head_dim}")
        _validate.positive_int("max_len", max_len)
        _validate.positive_number("base", base)
        inv_freq = 1.0 / base ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim)
        angles = torch.arange(max_len, dtype=torch.float32)[:, None] * inv_freq   # (max_len, head_dim/2)
        angles = torch.cat([angles, angles], dim=-1)
        self.register_buffer("cos", angles.cos(), persistent=False)
        self.register_buffer("sin", angles.sin(), persistent=False)
        self.max_len, self.head_dim = max_len, head_dim

    @staticmethod
    def rotate_half(x: Tensor) -> Tensor:
        x1, x2 = x.chunk(2, dim=-1)
        return torch.cat([-x2, x1], dim=-1)

    def forward(self, q: Tensor, k: Tensor, offset: int = 0):
        """q, k (B, H, L, head_dim) at positions offset .. offset+L-1 -> rotated (q, k)."""
        if q.dim() < 2 or q.shape[-1] != self.head_dim or q.shape != k.shape:
            raise ValueError(f"q and k must have the same shape (..., L, head_dim={self.head_dim}); "
                             f"got {tuple(q.shape)}, {tuple(k.shape)}")
        if not isinstance(offset, int) or offset < 0:
            raise ValueError(f"offset must be an int >= 0 (the position of the first token); got {offset!r}")
        L = q.shape[-2]
        _check_fits(offset + L, self.max_len, offset=offset, name="offset" if offset else "q")
        cos = self.cos[offset:offset + L].to(q.dtype)
        sin = self.sin[offset:offset + L].to(q.dtype)
        return q * cos + self.rotate_half(q) * sin, k * cos + self.rotate_half(k) * sin
