"""Attention kernels and multi-head attention.

Backs 02 (attention scores: §3 the weighted average, §5 causal and padding masks,
§7 online softmax and tiled attention) and 03 §1-2 (queries, keys, values, heads,
and ``MultiHeadAttention`` as an ``nn.Module``).

Two kernels with identical semantics:

* :func:`scaled_dot_product_attention` -- the readable reference that builds the
  full (Lq, Lk) score matrix.
* :func:`flash_attention` -- a tiled, online-softmax kernel that never builds
  the full score matrix (extra memory linear in L).

Mask conventions: a boolean mask uses torch's convention (True = may attend);
a float mask is *added* to the scores. ``is_causal=True`` with Lq != Lk aligns
the causal mask to the END: query i sees keys j <= i + (Lk - Lq), which is what
a KV cache needs (torch's SDPA aligns top-left instead). A fully masked query
row yields an all-zero output and zero weights, never NaN.
"""
from __future__ import annotations

import math
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from lmkit import _validate
from lmkit.kernels.flash import flash_attention_tiles
from lmkit.kv_cache import KVCache  # noqa: F401 - re-exported: lmkit.attention.KVCache

Tensor = torch.Tensor


# --------------------------------------------------------------------- checks
def _check_qkv(q: Tensor, k: Tensor, v: Tensor) -> None:
    for name, t in (("q", q), ("k", k), ("v", v)):
        _validate.tensor(name, t, "(..., L, d)")
        if t.dim() < 2:
            raise ValueError(f"{name} must have shape (..., L, d); got {tuple(t.shape)}")
        if not t.is_floating_point():
            raise TypeError(f"{name} must be a floating-point tensor; got {t.dtype}")
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(f"q and k must share the last dim d; got q {tuple(q.shape)} and k {tuple(k.shape)}")
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(f"k and v must have the same length Lk; got k {tuple(k.shape)} and v {tuple(v.shape)}")
    if q.shape[-2] == 0 or k.shape[-2] == 0:
        raise ValueError(f"q and k must be non-empty (L > 0); got q {tuple(q.shape)} and k {tuple(k.shape)}")


def _check_mask(mask: Optional[Tensor], Lq: int, Lk: int) -> None:
    if mask is None:
        return
    if not isinstance(mask, torch.Tensor):
        raise TypeError(f"mask must be a torch.Tensor; got {type(mask).__name__}")
    if mask.dtype != torch.bool and not mask.is_floating_point():
        raise TypeError(f"mask must be bool (True = attend) or float (added to scores); got {mask.dtype}")
    if mask.dim() < 2 or mask.shape[-1] not in (1, Lk) or mask.shape[-2] not in (1, Lq):
        raise ValueError(f"mask must be broadcastable to (..., {Lq}, {Lk}); got {tuple(mask.shape)}")
    if mask.is_floating_point() and bool((mask == 1).any()) and bool(((mask == 0) | (mask == 1)).all()):
        # A float mask is *added* to the scores: 0/1 would shift some scores by 1 and mask nothing.
        raise ValueError("mask is a float tensor of 0s and 1s, but a float mask is added to the scores "
                         "(0 = keep, -inf = block); got a 0/1 float mask -- pass mask.bool() (True = may attend)")


def _check_causal(is_causal: bool, Lq: int, Lk: int) -> None:
    """Both kernels refuse the same inputs: with more queries than keys, end-aligned
    causality would leave the first Lq - Lk queries without any key."""
    if is_causal and Lq > Lk:
        raise ValueError(f"is_causal=True needs Lq <= Lk (queries are the last Lq of the Lk positions); "
                         f"got Lq={Lq}, Lk={Lk}")


def causal_mask(L: int, device=None, *, Lk: Optional[int] = None) -> Tensor:
    """Boolean (L, Lk) mask, True where query i may see key j <= i + (Lk - L)."""
    L = _validate.positive_int("L", L)
    Lk = L if Lk is None else _validate.positive_int("Lk", Lk)
    if Lk < L:
        raise ValueError(f"causal_mask needs 0 < L <= Lk; got L={L}, Lk={Lk} (Lk must be >= L)")
    return torch.ones(L, Lk, dtype=torch.bool, device=device).tril(diagonal=Lk - L)


def padding_mask(lengths: Optional[Tensor] = None, attention_mask: Optional[Tensor] = None,
                 *, max_len: Optional[int] = None) -> Tensor:
    """Key mask (B, 1, 1, Lk), True = real token, from lengths (B,) or a 0/1 mask (B, L)."""
    if (lengths is None) == (attention_mask is None):
        raise ValueError("padding_mask needs exactly one of lengths or attention_mask")
    if attention_mask is not None:
        if not isinstance(attention_mask, Tensor):
            raise TypeError(f"attention_mask must be a torch.Tensor of 0/1 (B, L); got {type(attention_mask).__name__}")
        if attention_mask.dim() != 2:
            raise ValueError(f"attention_mask must have shape (B, L); got {tuple(attention_mask.shape)}")
        if attention_mask.dtype != torch.bool and not ((attention_mask == 0) | (attention_mask == 1)).all():
            raise ValueError("attention_mask must hold only 0 (padding) and 1 (token); "
                             f"got values {attention_mask.unique().tolist()[:6]}")
        return attention_mask.bool()[:, None, None, :]
    if isinstance(lengths, (str, bytes)) or not isinstance(lengths, (Tensor, list, tuple)):
        raise _validate.ArgumentTypeError(f"lengths must be a (B,) tensor or list of ints; got {type(lengths).__name__}")
    if max_len is not None:
        _validate.non_negative_int("max_len", max_len)
    lengths = torch.as_tensor(lengths)
    if lengths.dim() != 1 or lengths.numel() == 0:
        raise ValueError(f"lengths must have shape (B,) with B >= 1; got {tuple(lengths.shape)}")
    if lengths.is_floating_point() or lengths.dtype == torch.bool:
        raise TypeError(f"lengths must be integers; got {lengths.dtype}")
    if (lengths < 0).any():
        raise ValueError(f"lengths must be >= 0; got {lengths.tolist()}")
    Lk = int(lengths.max()) if max_len is None else max_len
    if Lk < int(lengths.max()):
        raise ValueError(f"max_len must be >= the longest length {int(lengths.max())}; got {max_len}")
    positions = torch.arange(Lk, device=lengths.device)
    return (positions[None, :] < lengths[:, None])[:, None, None, :]


def _as_additive(mask: Optional[Tensor], dtype: torch.dtype) -> Optional[Tensor]:
    """Turn a bool mask into an additive one (0 / -inf)."""
    if mask is None or mask.dtype != torch.bool:
        return None if mask is None else mask.to(dtype)
    return torch.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill(~mask, float("-inf"))


# ------------------------------------------------------------ reference kernel
def scaled_dot_product_attention(q: Tensor, k: Tensor, v: Tensor, mask: Optional[Tensor] = None, *,
                                 is_causal: bool = False, scale: Optional[float] = None,
                                 dropout_p: float = 0.0, return_weights: bool = False):
    """softmax(q k^T * scale + mask) v.  q (..., Lq, d), k (..., Lk, d), v (..., Lk, dv) -> (..., Lq, dv).

    With ``return_weights`` returns ``(out, weights)``, weights (..., Lq, Lk).
    """
    _check_qkv(q, k, v)
    Lq, Lk = q.shape[-2], k.shape[-2]
    _check_mask(mask, Lq, Lk)
    _check_causal(is_causal, Lq, Lk)
    _validate.probability("dropout_p", dropout_p)
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = (q @ k.transpose(-2, -1)) * scale                      # (..., Lq, Lk)
    additive = _as_additive(mask, scores.dtype)
    if additive is not None:
        scores = scores + additive
    if is_causal:
        scores = scores.masked_fill(~causal_mask(Lq, q.device, Lk=Lk), float("-inf"))
    row_max = scores.amax(dim=-1, keepdim=True)
    row_max = torch.where(torch.isfinite(row_max), row_max, torch.zeros_like(row_max))  # all -inf row
    exp = torch.exp(scores - row_max.detach())
    denom = exp.sum(dim=-1, keepdim=True)
    weights = exp / torch.where(denom > 0, denom, torch.ones_like(denom))  # masked row -> zeros
    if dropout_p > 0.0:
        weights = F.dropout(weights, p=dropout_p)
    out = weights @ v
    return (out, weights) if return_weights else out


# ---------------------------------------------------------------- flash kernel
def flash_attention(q: Tensor, k: Tensor, v: Tensor, mask: Optional[Tensor] = None, *,
                    is_causal: bool = False, scale: Optional[float] = None, block_size: int = 64) -> Tensor:
    """Tiled online-softmax attention; same semantics as the reference, output (..., Lq, dv).

    For each query block we sweep key blocks keeping a running max ``m``, a
    running denominator ``l`` and an accumulator ``acc`` that is rescaled by
    exp(m_old - m_new) whenever the max grows. Only (block, block) tiles exist, in
    the forward and in the backward, which rebuilds them from the saved logsumexp
    (:mod:`lmkit.kernels.flash`), so training memory is linear in L too.
    """
    _check_qkv(q, k, v)
    _validate.positive_int("block_size", block_size)
    Lq, Lk = q.shape[-2], k.shape[-2]
    _check_mask(mask, Lq, Lk)
    _check_causal(is_causal, Lq, Lk)
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    return flash_attention_tiles(q, k, v, _as_additive(mask, q.dtype), is_causal, scale, block_size)


# ------------------------------------------------------------------- KV cache
BACKENDS = ("reference", "flash", "torch", "triton")


def _key_padding(mask: Optional[Tensor], B: int, Lk: int) -> Optional[Tensor]:
    """A bool (B, 1, 1, Lk) or (B, Lk) key mask as (B, Lk), what the Triton kernel takes; else None."""
    if mask is not None and mask.dtype == torch.bool and mask.shape in ((B, 1, 1, Lk), (B, Lk)):
        return mask.reshape(B, Lk)
    return None


def _plain_linear(m: nn.Module) -> bool:
    """An nn.Linear itself (not a subclass, a parametrisation or an adapter) with no hooks of its own."""
    return type(m) is nn.Linear and not m._forward_hooks and not m._forward_pre_hooks


class MultiHeadAttention(nn.Module):
    """Multi-head attention with q/k/v/out projections.

    backend "torch" calls F.scaled_dot_product_attention; when weights are
    requested (or with an end-aligned causal cache) it falls back to the reference.
    backend "triton" calls :func:`lmkit.kernels.triton_attention` (a CUDA GPU, or CPU
    tensors with ``TRITON_INTERPRET=1``); a mask that is not a bool key-padding mask
    (B, 1, 1, Lk) goes to ``flash_attention``, which has the same semantics.
    Neither "flash" nor "triton" applies attention dropout.
    """

    def __init__(self, d_model: int, num_heads: int, *, bias: bool = True, dropout: float = 0.0,
                 backend: str = "reference") -> None:
        super().__init__()
        _validate.positive_int("d_model", d_model)
        _validate.positive_int("num_heads", num_heads)
        _validate.probability("dropout", dropout)
        if d_model % num_heads != 0:
            raise ValueError(f"d_model must be divisible by num_heads; got d_model={d_model}, num_heads={num_heads}")
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}; got {backend!r}")
        self.d_model, self.num_heads, self.head_dim = d_model, num_heads, d_model // num_heads
        self.backend, self.dropout = backend, dropout
        self.q_proj = nn.Linear(d_model, d_model, bias=bias)
        self.k_proj = nn.Linear(d_model, d_model, bias=bias)
        self.v_proj = nn.Linear(d_model, d_model, bias=bias)
        self.out_proj = nn.Linear(d_model, d_model, bias=bias)

    def _project_qkv(self, x: Tensor, context: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """q (B, H, Lq, hd), k, v (B, H, Lk, hd). In self-attention the three projections read
        the same x, so they run as one (d, 3d) matmul, forward and backward (nanoGPT's c_attn;
        ~5% of a small GPT's training step on a CPU) -- unless a projection was wrapped or
        hooked, whose own forward must then run."""
        projections = (self.q_proj, self.k_proj, self.v_proj)
        if context is not x or not all(_plain_linear(m) for m in projections):
            return self.split_heads(self.q_proj(x)), self.split_heads(self.k_proj(context)), \
                self.split_heads(self.v_proj(context))
        weight = torch.cat([m.weight for m in projections])
        bias = None if self.q_proj.bias is None else torch.cat([m.bias for m in projections])
        q, k, v = F.linear(x, weight, bias).chunk(3, dim=-1)
        return self.split_heads(q), self.split_heads(k), self.split_heads(v)

    def split_heads(self, t: Tensor) -> Tensor:
        """(B, L, d_model) -> (B, H, L, head_dim)."""
        B, L, _ = t.shape
        return t.view(B, L, self.num_heads, self.head_dim).transpose(1, 2)

    def merge_heads(self, t: Tensor) -> Tensor:
        """(B, H, L, head_dim) -> (B, L, d_model)."""
        B, H, L, hd = t.shape
        return t.transpose(1, 2).reshape(B, L, H * hd)

    def forward(self, x: Tensor, context: Optional[Tensor] = None, mask: Optional[Tensor] = None, *,
                is_causal: bool = False, need_weights: bool = False, average_weights: bool = False,
                kv_cache: Optional[KVCache] = None):
        """x (B, Lq, d_model), context (B, Lk, d_model) -> (out (B, Lq, d_model), weights or None)."""
        _validate.float_tensor("x", x, f"(B, L, {self.d_model})")
        if context is not None:
            _validate.float_tensor("context", context, f"(B, Lk, {self.d_model})")
        if x.dim() != 3 or x.shape[-1] != self.d_model:
            raise ValueError(f"x must have shape (B, L, {self.d_model}); got {tuple(x.shape)}")
        if x.shape[1] == 0:
            raise ValueError(f"x must be non-empty; got {tuple(x.shape)}")
        context = x if context is None else context
        if context.dim() != 3 or context.shape[-1] != self.d_model or context.shape[0] != x.shape[0]:
            raise ValueError(f"context must have shape ({x.shape[0]}, Lk, {self.d_model}); got {tuple(context.shape)}")
        q, k, v = self._project_qkv(x, context)
        if kv_cache is not None:
            k, v = kv_cache.update(k, v)
        p = self.dropout if self.training else 0.0
        weights = None
        if need_weights or self.backend == "reference" or (self.backend == "torch" and is_causal and q.shape[-2] != k.shape[-2]):
            out, weights = scaled_dot_product_attention(q, k, v, mask, is_causal=is_causal, dropout_p=p,
                                                        return_weights=True)
        elif self.backend == "triton" and (mask is None or _key_padding(mask, q.shape[0], k.shape[-2]) is not None):
            from lmkit.kernels.triton_attention import triton_attention  # light: triton loads on first call
            kpm = None if mask is None else _key_padding(mask, q.shape[0], k.shape[-2])
            out = triton_attention(q, k, v, kpm, is_causal=is_causal)
        elif self.backend in ("flash", "triton"):
            out = flash_attention(q, k, v, mask, is_causal=is_causal)
        else:
            _check_mask(mask, q.shape[-2], k.shape[-2])
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p, is_causal=is_causal)
        out = self.out_proj(self.merge_heads(out))
        if not need_weights:
            return out, None
        return out, (weights.mean(dim=1) if average_weights else weights)

    @classmethod
    def from_torch(cls, mha: nn.MultiheadAttention, *, backend: str = "reference") -> "MultiHeadAttention":
        """Copy an nn.MultiheadAttention (equal q/k/v dims required)."""
        if not mha._qkv_same_embed_dim:
            raise ValueError("from_torch requires equal q/k/v dims (kdim == vdim == embed_dim)")
        d = mha.embed_dim
        new = cls(d, mha.num_heads, bias=mha.in_proj_bias is not None, dropout=mha.dropout, backend=backend)
        with torch.no_grad():
            for i, proj in enumerate((new.q_proj, new.k_proj, new.v_proj)):
                proj.weight.copy_(mha.in_proj_weight[i * d:(i + 1) * d])
                if proj.bias is not None:
                    proj.bias.copy_(mha.in_proj_bias[i * d:(i + 1) * d])
            new.out_proj.weight.copy_(mha.out_proj.weight)
            if new.out_proj.bias is not None:
                new.out_proj.bias.copy_(mha.out_proj.bias)
        return new.to(mha.in_proj_weight.device, mha.in_proj_weight.dtype)

    def to_torch(self) -> nn.MultiheadAttention:
        """An equivalent nn.MultiheadAttention(batch_first=True).

        Note torch's bool attn_mask / key_padding_mask use True = NOT allowed: pass ``~mask``.
        """
        bias = self.q_proj.bias is not None
        w = self.q_proj.weight
        mha = nn.MultiheadAttention(self.d_model, self.num_heads, dropout=self.dropout, bias=bias,
                                    batch_first=True, device=w.device, dtype=w.dtype)
        with torch.no_grad():
            mha.in_proj_weight.copy_(torch.cat([self.q_proj.weight, self.k_proj.weight, self.v_proj.weight]))
            mha.out_proj.weight.copy_(self.out_proj.weight)
            if bias:
                mha.in_proj_bias.copy_(torch.cat([self.q_proj.bias, self.k_proj.bias, self.v_proj.bias]))
                mha.out_proj.bias.copy_(self.out_proj.bias)
        return mha
