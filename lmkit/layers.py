"""Transformer building blocks: feed-forward, Transformer block, positional encodings."""
from __future__ import annotations

import math
from typing import Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

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
        d_ff = 4 * d_model if d_ff is None else d_ff
        self.act = _activation(activation)
        self.activation = activation
        self.fc_in = nn.Linear(d_model, d_ff, bias=bias)
        self.fc_out = nn.Linear(d_ff, d_model, bias=bias)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        return self.drop(self.fc_out(self.act(self.fc_in(x))))


class TransformerBlock(nn.Module):
    """Attention + feed-forward with residuals; pre-LN (GPT-2) or post-LN (BERT)."""

    def __init__(self, d_model: int, num_heads: int, d_ff: Optional[int] = None, *, norm_first: bool = True,
                 activation: str = "gelu", dropout: float = 0.0, bias: bool = True,
                 layer_norm_eps: float = 1e-5, backend: str = "reference") -> None:
        super().__init__()
        self.norm_first = norm_first
        self.attn = MultiHeadAttention(d_model, num_heads, bias=bias, dropout=dropout, backend=backend)
        self.ffn = FeedForward(d_model, d_ff, activation=activation, dropout=dropout, bias=bias)
        self.norm1 = nn.LayerNorm(d_model, eps=layer_norm_eps)
        self.norm2 = nn.LayerNorm(d_model, eps=layer_norm_eps)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: Tensor, mask: Optional[Tensor] = None, *, is_causal: bool = False,
                need_weights: bool = False, kv_cache: Optional[KVCache] = None):
        """x (B, L, d_model) -> (x, per-head weights (B, H, L, Lk) or None)."""
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


def _check_fits(length: int, max_len: int) -> None:
    if length > max_len:
        raise ValueError(f"sequence of length {length} exceeds the context of {max_len} positions")


class SinusoidalPositionalEncoding(nn.Module):
    """Adds pe[p, 2i] = sin(p / 10000^(2i/d)), pe[p, 2i+1] = cos(...) to (B, L, d_model)."""

    def __init__(self, d_model: int, max_len: int = 5000) -> None:
        super().__init__()
        position = torch.arange(max_len, dtype=torch.float32)[:, None]
        inv_freq = torch.exp(-math.log(10000.0) * torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)
        pe = torch.zeros(max_len, d_model)
        pe[:, 0::2] = torch.sin(position * inv_freq)
        pe[:, 1::2] = torch.cos(position * inv_freq)[:, : d_model // 2]
        self.register_buffer("pe", pe, persistent=False)
        self.max_len = max_len

    def forward(self, x: Tensor, offset: int = 0) -> Tensor:
        if x.dim() != 3 or x.shape[-1] != self.pe.shape[1]:
            raise ValueError(f"x must have shape (B, L, {self.pe.shape[1]}); got {tuple(x.shape)}")
        _check_fits(offset + x.shape[1], self.max_len)
        return x + self.pe[offset:offset + x.shape[1]].to(x.dtype)


class LearnedPositionalEmbedding(nn.Module):
    """A trainable embedding per position."""

    def __init__(self, max_len: int, d_model: int) -> None:
        super().__init__()
        self.max_len = max_len
        self.embedding = nn.Embedding(max_len, d_model)

    @property
    def weight(self) -> Tensor:
        return self.embedding.weight

    def forward(self, L_or_positions: Union[int, Tensor], offset: int = 0) -> Tensor:
        if isinstance(L_or_positions, int):
            _check_fits(offset + L_or_positions, self.max_len)
            positions = torch.arange(offset, offset + L_or_positions, device=self.weight.device)
        else:
            positions = L_or_positions
            if positions.numel() and int(positions.max()) >= self.max_len:
                _check_fits(int(positions.max()) + 1, self.max_len)
        return self.embedding(positions)


class RotaryEmbedding(nn.Module):
    """Rotary position embedding (rotate-half convention of GPT-NeoX / LLaMA)."""

    def __init__(self, head_dim: int, max_len: int = 2048, base: float = 10000.0) -> None:
        super().__init__()
        if not isinstance(head_dim, int) or head_dim <= 0 or head_dim % 2 != 0:
            raise ValueError(f"head_dim must be a positive even int for rotary embeddings; got {head_dim}")
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
        _check_fits(offset + L, self.max_len)
        cos = self.cos[offset:offset + L].to(q.dtype)
        sin = self.sin[offset:offset + L].to(q.dtype)
        return q * cos + self.rotate_half(q) * sin, k * cos + self.rotate_half(k) * sin
