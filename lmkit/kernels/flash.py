"""The tiled online-softmax attention of 02 §7, in PyTorch, with a backward that recomputes.

Backs 02 §7 (online softmax and tiled attention) through :func:`lmkit.attention.flash_attention`,
which checks the inputs and calls :func:`tiled_attention` here, and 06 (the backward in
PyTorch from the saved logsumexp, before the Triton kernels of
:mod:`lmkit.kernels.triton_attention` do the same on a GPU).

Shapes: q (..., Lq, d), k (..., Lk, d), v (..., Lk, dv), an optional additive mask
broadcastable to (..., Lq, Lk) (0 = keep, -inf = block) -> out (..., Lq, dv).

Why a custom backward: left to autograd, the loop over tiles would keep every (block, block)
tile of probabilities alive until the backward -- all Lq x Lk of them, the very matrix the
tiling avoids. :class:`FlashAttentionFunction` saves only q, k, v, out and the logsumexp
(..., Lq, 1) and rebuilds each tile P = exp(S - lse) in the backward, so training memory
grows linearly in L (FlashAttention's recomputation trick, Dao et al., 2022).
"""
from __future__ import annotations

from typing import Optional

import torch

Tensor = torch.Tensor


def _tile(mask: Tensor, qs: int, nq: int, ks: int, nk: int) -> Tensor:
    """The (.., nq, nk) tile of a broadcastable mask (size-1 dims stay size 1)."""
    rows = mask if mask.shape[-2] == 1 else mask[..., qs:qs + nq, :]
    return rows if rows.shape[-1] == 1 else rows[..., ks:ks + nk]


def _tile_scores(q_blk: Tensor, k_blk: Tensor, additive: Optional[Tensor], is_causal: bool,
                 qs: int, ks: int, shift: int) -> Tensor:
    """Scores of one tile, q_blk already scaled: (..., nq, nk), -inf where masked.
    The forward and the backward both call this, so they mask exactly alike."""
    s = q_blk @ k_blk.transpose(-2, -1)
    if additive is not None:
        s = s + _tile(additive, qs, q_blk.shape[-2], ks, k_blk.shape[-2])
    if is_causal:
        qi = torch.arange(qs, qs + q_blk.shape[-2], device=q_blk.device)[:, None]
        kj = torch.arange(ks, ks + k_blk.shape[-2], device=q_blk.device)[None, :]
        s = s.masked_fill(kj > qi + shift, float("-inf"))
    return s


def _key_blocks(Lk: int, block_size: int, is_causal: bool, last_query: int, shift: int):
    """Start of every key tile a query block must visit: with causality, none past its last query."""
    for ks in range(0, Lk, block_size):
        if is_causal and ks > last_query + shift:
            return                                            # every later key is in the future
        yield ks


def tiled_attention(q: Tensor, k: Tensor, v: Tensor, additive: Optional[Tensor], is_causal: bool,
                    scale: float, block_size: int) -> tuple[Tensor, Tensor]:
    """(out (..., Lq, dv), lse (..., Lq, 1)). Differentiable by plain autograd too (used when a
    float mask itself needs a gradient); :class:`FlashAttentionFunction` calls it without.

    For each query block we sweep key blocks keeping a running max ``m``, a running
    denominator ``l`` and an accumulator ``acc`` that is rescaled by exp(m_old - m_new)
    whenever the max grows. Only (block, block) tiles exist.
    """
    Lq, Lk = q.shape[-2], k.shape[-2]
    shift = Lk - Lq
    outputs, lses = [], []
    for qs in range(0, Lq, block_size):
        q_blk = q[..., qs:qs + block_size, :] * scale
        nq = q_blk.shape[-2]
        m = torch.full((*q_blk.shape[:-1], 1), float("-inf"), dtype=q.dtype, device=q.device)
        l = torch.zeros_like(m)
        acc = None
        for ks in _key_blocks(Lk, block_size, is_causal, qs + nq - 1, shift):
            s = _tile_scores(q_blk, k[..., ks:ks + block_size, :], additive, is_causal, qs, ks, shift)
            # The running max only keeps exp() in range; the result does not depend on it, so it
            # carries no gradient (a differentiable max would leak one through ``correction``).
            m_new = torch.maximum(m, s.detach().amax(dim=-1, keepdim=True))
            m_safe = torch.where(torch.isfinite(m_new), m_new, torch.zeros_like(m_new))
            p = torch.exp(s - m_safe)
            correction = torch.exp(m - m_safe)
            l = l * correction + p.sum(dim=-1, keepdim=True)
            pv = p @ v[..., ks:ks + block_size, :]
            acc = pv if acc is None else acc * correction + pv
            m = m_new
        if acc is None:                                      # no key visible at all
            acc = torch.zeros((*q_blk.shape[:-1], v.shape[-1]), dtype=q.dtype, device=q.device)
        seen = l > 0
        outputs.append(acc / torch.where(seen, l, torch.ones_like(l)))
        # +inf for a row that saw no key: the backward's exp(s - lse) is then 0 everywhere, as in the forward
        lses.append(torch.where(seen, m + torch.log(torch.where(seen, l, torch.ones_like(l))),
                                torch.full_like(l, float("inf"))))
    return torch.cat(outputs, dim=-2), torch.cat(lses, dim=-2)


def tiled_attention_backward(q: Tensor, k: Tensor, v: Tensor, out: Tensor, lse: Tensor, grad_out: Tensor,
                             additive: Optional[Tensor], is_causal: bool, scale: float,
                             block_size: int) -> tuple[Tensor, Tensor, Tensor]:
    """(dq, dk, dv) for out = softmax(S) v, S = scale q k^T + mask, one tile at a time.

    With P = exp(S - lse) rebuilt per tile and delta = rowsum(dO * O) (which equals
    rowsum(P * dP), the term the softmax's backward subtracts):
    dV = P^T dO,  dP = dO V^T,  dS = P * (dP - delta),  dQ = scale dS K,  dK = scale dS^T Q.
    Each is at the broadcast shape of q, k, v, reduced to each input's own shape at the end.
    """
    Lq, Lk = q.shape[-2], k.shape[-2]
    shift = Lk - Lq
    lead = torch.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2], grad_out.shape[:-2])
    delta = (grad_out * out).sum(dim=-1, keepdim=True)              # (..., Lq, 1)
    dq = torch.zeros((*lead, Lq, q.shape[-1]), dtype=q.dtype, device=q.device)
    dk = torch.zeros((*lead, Lk, k.shape[-1]), dtype=k.dtype, device=k.device)
    dv = torch.zeros((*lead, Lk, v.shape[-1]), dtype=v.dtype, device=v.device)
    for qs in range(0, Lq, block_size):
        rows = slice(qs, qs + block_size)
        q_blk = q[..., rows, :]
        do_blk, lse_blk, delta_blk = grad_out[..., rows, :], lse[..., rows, :], delta[..., rows, :]
        for ks in _key_blocks(Lk, block_size, is_causal, qs + q_blk.shape[-2] - 1, shift):
            cols = slice(ks, ks + block_size)
            k_blk, v_blk = k[..., cols, :], v[..., cols, :]
            p = torch.exp(_tile_scores(q_blk * scale, k_blk, additive, is_causal, qs, ks, shift) - lse_blk)
            dv[..., cols, :] += p.transpose(-2, -1) @ do_blk
            ds = p * (do_blk @ v_blk.transpose(-2, -1) - delta_blk)
            dq[..., rows, :] += (ds @ k_blk) * scale
            dk[..., cols, :] += (ds.transpose(-2, -1) @ q_blk) * scale
    return dq.sum_to_size(q.shape), dk.sum_to_size(k.shape), dv.sum_to_size(v.shape)


class FlashAttentionFunction(torch.autograd.Function):
    """Saves q, k, v, out and lse (..., Lq, 1) -- no tile of P -- and recomputes in the backward."""

    @staticmethod
    def forward(ctx, q: Tensor, k: Tensor, v: Tensor, additive: Optional[Tensor], is_causal: bool,
                scale: float, block_size: int) -> Tensor:
        out, lse = tiled_attention(q, k, v, additive, is_causal, scale, block_size)
        ctx.save_for_backward(q, k, v, out, lse, additive)
        ctx.is_causal, ctx.scale, ctx.block_size = is_causal, scale, block_size
        return out

    @staticmethod
    def backward(ctx, grad_out: Tensor):
        q, k, v, out, lse, additive = ctx.saved_tensors
        dq, dk, dv = tiled_attention_backward(q, k, v, out, lse, grad_out, additive, ctx.is_causal, ctx.scale,
                                              ctx.block_size)
        return dq, dk, dv, None, None, None, None


def flash_attention_tiles(q: Tensor, k: Tensor, v: Tensor, additive: Optional[Tensor], is_causal: bool,
                          scale: float, block_size: int) -> Tensor:
    """The differentiable tiled kernel on checked inputs: the recomputing backward, unless a
    float mask needs its own gradient (then autograd goes through the tiles, memory O(Lq Lk))."""
    if additive is not None and additive.requires_grad and torch.is_grad_enabled():
        return tiled_attention(q, k, v, additive, is_causal, scale, block_size)[0]
    return FlashAttentionFunction.apply(q, k, v, additive, is_causal, scale, block_size)
