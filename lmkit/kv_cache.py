"""The KV cache: past keys and values kept for cached decoding (04 §5, the KV-cache exercise).

Pre-allocated buffers of ``block_size`` positions written in place, so each new token costs
one write instead of a concatenation of everything cached so far.
"""
from __future__ import annotations

from typing import Optional

import torch

from lmkit import _validate

Tensor = torch.Tensor


class KVCache:
    """Keys/values of one layer, each (B, H, T, d_head), written into a pre-allocated buffer.

    ``KVCache(max_length)`` allocates (B, H, max_length, d_head) buffers on the first
    ``update`` and writes each new step in place, so decoding token t costs O(1) copies
    instead of ``torch.cat``'s O(t) (which re-copies the whole cache at every step: O(T^2)
    for T tokens). Without ``max_length`` (or past it) the buffer doubles when full.
    ``update`` returns views of the filled part. Under autograd (a new k or v that requires
    grad) it concatenates instead, since writing in place into a buffer would break backward.
    """

    def __init__(self, max_length: Optional[int] = None) -> None:
        if max_length is not None:
            _validate.positive_int("max_length", max_length)
        self.max_length = max_length
        self._k: Optional[Tensor] = None  # (B, H, capacity, d_head) buffers
        self._v: Optional[Tensor] = None
        self._length = 0

    @property
    def length(self) -> int:
        return self._length

    @property
    def k(self) -> Optional[Tensor]:
        """The cached keys (B, H, T, d_head), or None when empty."""
        return None if self._k is None else self._k[:, :, : self._length]

    @property
    def v(self) -> Optional[Tensor]:
        return None if self._v is None else self._v[:, :, : self._length]

    def _reserve(self, k: Tensor, v: Tensor, needed: int) -> None:
        """Make the buffers hold at least ``needed`` positions, keeping what is cached."""
        fits = (self._k is not None and self._k.shape[:2] == k.shape[:2] and self._k.shape[-1] == k.shape[-1]
                and self._v.shape[-1] == v.shape[-1] and self._k.dtype == k.dtype and self._k.device == k.device)
        capacity = self._k.shape[-2] if fits else 0
        if needed <= capacity:
            return
        target = self.max_length if self.max_length is not None and needed <= self.max_length else max(needed, 2 * capacity, 16)
        new_k = k.new_empty(*k.shape[:2], target, k.shape[-1])
        new_v = v.new_empty(*v.shape[:2], target, v.shape[-1])
        if self._length:
            new_k[:, :, : self._length] = self._k[:, :, : self._length]
            new_v[:, :, : self._length] = self._v[:, :, : self._length]
        self._k, self._v = new_k, new_v

    def update(self, k: Tensor, v: Tensor):
        """Append k, v (B, H, T_new, d_head); return all cached (k, v)."""
        _validate.tensor("k", k, "(B, H, T, d_head)")
        _validate.tensor("v", v, "(B, H, T, d_head)")
        if k.dim() != 4 or v.dim() != 4 or k.shape[:-1] != v.shape[:-1]:
            raise ValueError("KVCache expects k, v of shape (B, H, T, d_head) with the same B, H, T; "
                             f"got {tuple(k.shape)}, {tuple(v.shape)}")
        if self._length and (k.shape[:2] != self._k.shape[:2] or k.shape[-1] != self._k.shape[-1]
                                    or v.shape[-1] != self._v.shape[-1]):
            raise ValueError(f"new k, v {tuple(k.shape)}, {tuple(v.shape)} do not match the cached "
                             f"(B, H, T, d_head) = {tuple(self.k.shape)}, {tuple(self.v.shape)} except in T")
        start, new = self._length, k.shape[-2]
        if k.requires_grad or v.requires_grad or (self._k is not None and self._k.requires_grad):
            keys = k if self._k is None else torch.cat([self.k, k], dim=-2)
            values = v if self._v is None else torch.cat([self.v, v], dim=-2)
            self._k, self._v, self._length = keys, values, start + new
            return keys, values
        self._reserve(k, v, start + new)
        self._k[:, :, start : start + new] = k
        self._v[:, :, start : start + new] = v
        self._length = start + new
        return self.k, self.v

    def reset(self) -> None:
        """Forget the cached positions (the buffers are kept for the next sequence)."""
        self._length = 0


# ------------------------------------------------------- multi-head attention
