"""The @triton.jit kernels of FlashAttention-2 (Dao, 2023): one forward, two backward.

Backs 06 (attention on the GPU: the Triton forward and backward kernels) through
:mod:`lmkit.kernels.triton_attention`, which checks the inputs, launches these kernels
and wraps them in a ``torch.autograd.Function``. This module imports triton at the top,
so it is imported only when a Triton kernel is first needed -- and Triton decides *at
that import* (when ``@triton.jit`` runs) whether the kernels are compiled for a GPU or
run by its numpy interpreter (``TRITON_INTERPRET=1``).

Layout every kernel sees: q, o, do (BH, Lq, D); k, v (BH, Lk, D), contiguous, so the
last dim has stride 1 and one program id picks a (batch * head) slice. lse and delta
are (BH, Lq) fp32. The key-padding mask is (B, Lk) int8 (1 = may attend); the head
h of slice bh belongs to batch bh // H. ``shift = Lk - Lq`` end-aligns causality (query
i sees keys j <= i + shift), as everywhere in lmkit, so a KV cache just works.
"""
from __future__ import annotations

import triton
import triton.language as tl


@triton.jit
def _dot(a, b, PRECISION: tl.constexpr, UPCAST: tl.constexpr):
    """a @ b with fp32 accumulation. UPCAST multiplies in fp32: Triton 3.9's interpreter
    gets tl.dot on bfloat16 wrong (numpy has no bfloat16), so there the operands, already
    rounded to bfloat16, are widened first; on a GPU the tensor cores take bfloat16 as is."""
    if UPCAST:
        a = a.to(tl.float32)
        b = b.to(tl.float32)
    return tl.dot(a, b, input_precision=PRECISION)


@triton.jit
def _load_tile(PTR, bh, offs, L, offs_d, D):
    """Rows ``offs`` of slice bh of a contiguous (BH, L, D) tensor as a (len(offs), BLOCK_D)
    tile; rows past L and columns past D read as 0, so ragged tiles need no special case."""
    mask = (offs[:, None] < L) & (offs_d[None, :] < D)
    return tl.load(PTR + bh * L * D + offs[:, None] * D + offs_d[None, :], mask=mask, other=0.0)


@triton.jit
def _store_tile(PTR, bh, offs, L, offs_d, D, tile):
    """The inverse of :func:`_load_tile`, casting the fp32 tile to the tensor's dtype."""
    mask = (offs[:, None] < L) & (offs_d[None, :] < D)
    tl.store(PTR + bh * L * D + offs[:, None] * D + offs_d[None, :], tile.to(PTR.dtype.element_ty), mask=mask)


@triton.jit
def _keys_end(pid_m, BLOCK_M: tl.constexpr, Lk, shift, IS_CAUSAL: tl.constexpr):
    """One past the last key a query block may see: with causality, tiles entirely right
    of the block's last query are all masked, so they are never loaded."""
    if IS_CAUSAL:
        return tl.minimum(Lk, (pid_m + 1) * BLOCK_M + shift)
    return Lk


@triton.jit
def _scores(q, k, offs_m, offs_n, bh, H, Lk, shift, KPM, sm_scale,
            HAS_MASK: tl.constexpr, IS_CAUSAL: tl.constexpr, PRECISION: tl.constexpr, UPCAST: tl.constexpr):
    """One (BLOCK_M, BLOCK_N) tile of scaled scores, -inf where a key is out of range,
    padding or in the future. Forward and both backward kernels build tiles this one
    way, so the three can never disagree about what is masked."""
    s = _dot(q, tl.trans(k), PRECISION, UPCAST) * sm_scale  # fp32 accumulation
    valid = offs_n[None, :] < Lk                                       # the ragged last tile
    if HAS_MASK:
        keep = tl.load(KPM + (bh // H) * Lk + offs_n, mask=offs_n < Lk, other=0)
        valid = valid & (keep[None, :] != 0)
    if IS_CAUSAL:
        valid = valid & (offs_n[None, :] <= offs_m[:, None] + shift)
    return tl.where(valid, s, float("-inf"))


@triton.jit
def flash_forward_kernel(Q, K, V, O, LSE, KPM, sm_scale, H, Lq, Lk, D, shift,
                         HAS_MASK: tl.constexpr, IS_CAUSAL: tl.constexpr,
                         PRECISION: tl.constexpr, UPCAST: tl.constexpr,
                         BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_D: tl.constexpr):
    """Grid (cdiv(Lq, BLOCK_M), BH): one program owns BLOCK_M query rows of one head,
    keeps them in SRAM and streams every K/V tile past them once."""
    pid_m, bh = tl.program_id(0), tl.program_id(1).to(tl.int64)  # int64: BH * L * D may pass 2**31
    offs_m = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
    offs_d = tl.arange(0, BLOCK_D)              # BLOCK_D = next power of two >= D; the rest is masked
    q = _load_tile(Q, bh, offs_m, Lq, offs_d, D)

    m_i = tl.full([BLOCK_M], float("-inf"), tl.float32)   # running max of each row
    l_i = tl.zeros([BLOCK_M], tl.float32)                  # running sum of exp(s - m_i)
    acc = tl.zeros([BLOCK_M, BLOCK_D], tl.float32)         # running sum of exp(s - m_i) @ v
    for start_n in range(0, _keys_end(pid_m, BLOCK_M, Lk, shift, IS_CAUSAL), BLOCK_N):
        offs_n = start_n + tl.arange(0, BLOCK_N)
        k = _load_tile(K, bh, offs_n, Lk, offs_d, D)
        v = _load_tile(V, bh, offs_n, Lk, offs_d, D)
        s = _scores(q, k, offs_m, offs_n, bh, H, Lk, shift, KPM, sm_scale, HAS_MASK, IS_CAUSAL, PRECISION, UPCAST)
        m_new = tl.maximum(m_i, tl.max(s, 1))
        # A row that has seen only masked keys has max -inf; subtracting 0 instead keeps
        # exp(-inf - 0) = 0 rather than exp(-inf + inf) = NaN.
        m_safe = tl.where(m_new == float("-inf"), 0.0, m_new)
        p = tl.exp(s - m_safe[:, None])
        alpha = tl.exp(m_i - m_safe)            # rescales what was summed under the old max
        l_i = l_i * alpha + tl.sum(p, 1)
        acc = acc * alpha[:, None] + _dot(p.to(v.dtype), v, PRECISION, UPCAST)
        m_i = m_new

    seen = l_i > 0                              # False only for a row with no visible key
    _store_tile(O, bh, offs_m, Lq, offs_d, D, acc / tl.where(seen, l_i, 1.0)[:, None])  # such a row stays 0
    # logsumexp is all the backward needs to rebuild P = exp(S - lse) tile by tile. +inf for an
    # empty row makes every rebuilt probability exp(s - inf) = 0, which is what the forward used.
    lse = tl.where(seen, m_i + tl.log(tl.where(seen, l_i, 1.0)), float("inf"))
    tl.store(LSE + bh * Lq + offs_m, lse, mask=offs_m < Lq)


@triton.jit
def flash_backward_dkdv_kernel(Q, K, V, DO, LSE, DELTA, DK, DV, KPM, sm_scale, H, Lq, Lk, D, shift,
                               HAS_MASK: tl.constexpr, IS_CAUSAL: tl.constexpr,
                               PRECISION: tl.constexpr, UPCAST: tl.constexpr,
                               BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_D: tl.constexpr):
    """Grid (cdiv(Lk, BLOCK_N), BH): one program owns a K/V tile and sweeps the query
    tiles, so dK and dV are summed in registers and written once (no atomics).

    dV = P^T dO,  dP = dO V^T,  dS = P * (dP - delta),  dK = scale * dS^T Q,
    with P rebuilt from the saved logsumexp and delta = rowsum(dO * O).
    """
    pid_n, bh = tl.program_id(0), tl.program_id(1).to(tl.int64)
    offs_n = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
    offs_d = tl.arange(0, BLOCK_D)
    k = _load_tile(K, bh, offs_n, Lk, offs_d, D)
    v = _load_tile(V, bh, offs_n, Lk, offs_d, D)
    dk = tl.zeros([BLOCK_N, BLOCK_D], tl.float32)
    dv = tl.zeros([BLOCK_N, BLOCK_D], tl.float32)
    lo = 0
    if IS_CAUSAL:  # queries before (first key - shift) cannot see this tile: start at its block
        lo = tl.maximum(0, pid_n * BLOCK_N - shift) // BLOCK_M * BLOCK_M
    for start_m in range(lo, Lq, BLOCK_M):
        offs_m = start_m + tl.arange(0, BLOCK_M)
        q = _load_tile(Q, bh, offs_m, Lq, offs_d, D)
        do = _load_tile(DO, bh, offs_m, Lq, offs_d, D)
        lse = tl.load(LSE + bh * Lq + offs_m, mask=offs_m < Lq, other=float("inf"))
        delta = tl.load(DELTA + bh * Lq + offs_m, mask=offs_m < Lq, other=0.0)
        s = _scores(q, k, offs_m, offs_n, bh, H, Lk, shift, KPM, sm_scale, HAS_MASK, IS_CAUSAL, PRECISION, UPCAST)
        p = tl.exp(s - lse[:, None])                                      # (BLOCK_M, BLOCK_N)
        dv += _dot(tl.trans(p.to(do.dtype)), do, PRECISION, UPCAST)
        ds = p * (_dot(do, tl.trans(v), PRECISION, UPCAST) - delta[:, None])
        dk += _dot(tl.trans(ds.to(q.dtype)), q, PRECISION, UPCAST)
    _store_tile(DK, bh, offs_n, Lk, offs_d, D, dk * sm_scale)
    _store_tile(DV, bh, offs_n, Lk, offs_d, D, dv)


@triton.jit
def flash_backward_dq_kernel(Q, K, V, DO, LSE, DELTA, DQ, KPM, sm_scale, H, Lq, Lk, D, shift,
                             HAS_MASK: tl.constexpr, IS_CAUSAL: tl.constexpr,
                             PRECISION: tl.constexpr, UPCAST: tl.constexpr,
                             BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_D: tl.constexpr):
    """Grid (cdiv(Lq, BLOCK_M), BH): the forward's loop again, now summing
    dQ = scale * dS K over the key tiles. Recomputing S here costs FLOPs but no
    memory; the alternative, atomically adding dQ from the dK/dV kernel, would make
    the result depend on the order of the additions."""
    pid_m, bh = tl.program_id(0), tl.program_id(1).to(tl.int64)
    offs_m = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
    offs_d = tl.arange(0, BLOCK_D)
    q = _load_tile(Q, bh, offs_m, Lq, offs_d, D)
    do = _load_tile(DO, bh, offs_m, Lq, offs_d, D)
    lse = tl.load(LSE + bh * Lq + offs_m, mask=offs_m < Lq, other=float("inf"))
    delta = tl.load(DELTA + bh * Lq + offs_m, mask=offs_m < Lq, other=0.0)
    dq = tl.zeros([BLOCK_M, BLOCK_D], tl.float32)
    for start_n in range(0, _keys_end(pid_m, BLOCK_M, Lk, shift, IS_CAUSAL), BLOCK_N):
        offs_n = start_n + tl.arange(0, BLOCK_N)
        k = _load_tile(K, bh, offs_n, Lk, offs_d, D)
        v = _load_tile(V, bh, offs_n, Lk, offs_d, D)
        s = _scores(q, k, offs_m, offs_n, bh, H, Lk, shift, KPM, sm_scale, HAS_MASK, IS_CAUSAL, PRECISION, UPCAST)
        p = tl.exp(s - lse[:, None])
        ds = p * (_dot(do, tl.trans(v), PRECISION, UPCAST) - delta[:, None])
        dq += _dot(ds.to(k.dtype), k, PRECISION, UPCAST)
    _store_tile(DQ, bh, offs_m, Lq, offs_d, D, dq * sm_scale)
