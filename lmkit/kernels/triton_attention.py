"""FlashAttention-2 in Triton: a forward and a backward kernel behind one autograd Function.

Backs 06 (attention on the GPU: tiling for SRAM, the Triton forward, the backward from
the saved logsumexp) and ``MultiHeadAttention(backend="triton")`` (:mod:`lmkit.attention`).
The kernels themselves live in :mod:`lmkit.kernels._triton_flash`; this module checks the
inputs, picks tile sizes, launches them and tells you clearly when it cannot.

    out = triton_attention(q, k, v, key_padding_mask=None, is_causal=False, scale=None)

q (B, H, Lq, D), k and v (B, H, Lk, D) -> out (B, H, Lq, D), in q's dtype; D in 16..128;
key_padding_mask (B, Lk) bool, True = may attend (the course's convention, the opposite
of ``nn.MultiheadAttention``'s). Scores, softmax statistics and accumulators are fp32
whatever the input dtype (fp32, bf16, fp16; fp64 in the interpreter, for gradcheck).

**Running it without a GPU.** Triton's interpreter runs the same kernels on CPU tensors
with numpy -- slowly, but exactly enough to test them. It must be switched on *before
the kernels are first imported*, because ``@triton.jit`` decides at that moment::

    import os
    os.environ["TRITON_INTERPRET"] = "1"       # first, before lmkit's Triton kernels load
    from lmkit.kernels import triton_attention

CPU tensors without the interpreter, or Triton not installed (``pip install "lmkit[gpu]"``),
raise a RuntimeError that says which and what to do.
"""
from __future__ import annotations

import importlib.util
import math
import os
from typing import Optional

import torch

Tensor = torch.Tensor
BLOCK_M = BLOCK_N = 16  # the smallest tile tl.dot takes; larger tiles are faster on a GPU (see _blocks)


def _interpreter_requested() -> bool:
    return os.environ.get("TRITON_INTERPRET", "0").strip().lower() in ("1", "true", "yes", "on")


def triton_available() -> bool:
    """Whether the ``triton`` package can be imported at all (it does not say a GPU is present)."""
    return importlib.util.find_spec("triton") is not None


def _kernels():
    """The jit kernels, imported on first use (see the module docstring for why it matters when)."""
    if not triton_available():
        raise RuntimeError("triton_attention needs the 'triton' package, which is not installed: "
                           "pip install 'lmkit[gpu]' (or pip install triton)")
    from lmkit.kernels import _triton_flash
    return _triton_flash


def _interpreted(kernels) -> bool:
    """Whether the kernels were built by Triton's interpreter (decided when they were imported)."""
    return type(kernels.flash_forward_kernel).__name__ == "InterpretedFunction"


def _check_device(kernels, t: Tensor) -> None:
    if t.device.type == "cpu" and not _interpreted(kernels):
        hint = ("TRITON_INTERPRET=1 is set now, but lmkit's Triton kernels were imported before it was; "
                "set it at the very top of the script or notebook and restart"
                if _interpreter_requested() else
                "set os.environ['TRITON_INTERPRET'] = '1' before lmkit's Triton kernels are first imported "
                "to run them in Triton's CPU interpreter")
        raise RuntimeError(f"triton_attention got CPU tensors but Triton compiles for a GPU; {hint} "
                           "(or move q, k, v to a CUDA device)")
    if t.device.type not in ("cpu", "cuda", "xpu"):
        raise RuntimeError(f"triton_attention runs on CUDA (or the CPU interpreter); got device {t.device}")


def _check_inputs(q: Tensor, k: Tensor, v: Tensor, key_padding_mask: Optional[Tensor], is_causal: bool) -> None:
    for name, t in (("q", q), ("k", k), ("v", v)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name} must be a torch.Tensor (B, H, L, D); got {type(t).__name__}")
        if t.dim() != 4:
            raise ValueError(f"{name} must have shape (B, H, L, D); got {tuple(t.shape)}")
        if t.dtype not in (torch.float16, torch.bfloat16, torch.float32, torch.float64):
            raise TypeError(f"{name} must be float16, bfloat16, float32 (or float64 in the interpreter); got {t.dtype}")
    if not (q.dtype == k.dtype == v.dtype) or not (q.device == k.device == v.device):
        raise ValueError(f"q, k, v must share dtype and device; got {q.dtype}/{k.dtype}/{v.dtype} "
                         f"on {q.device}/{k.device}/{v.device}")
    B, H, Lq, D = q.shape
    if k.shape[:2] != (B, H) or k.shape != v.shape or k.shape[-1] != D:
        raise ValueError(f"k and v must have shape (B, H, Lk, D) = ({B}, {H}, Lk, {D}); "
                         f"got k {tuple(k.shape)} and v {tuple(v.shape)}")
    if not 16 <= D <= 128:
        raise ValueError(f"head dim D must be in 16..128 (one tile of q must fit in SRAM); got D={D}")
    Lk = k.shape[-2]
    if Lq == 0 or Lk == 0:
        raise ValueError(f"q and k must be non-empty (L > 0); got Lq={Lq}, Lk={Lk}")
    if is_causal and Lq > Lk:
        raise ValueError(f"is_causal=True needs Lq <= Lk (queries are the last Lq of the Lk positions); "
                         f"got Lq={Lq}, Lk={Lk}")
    if key_padding_mask is not None:
        if not isinstance(key_padding_mask, Tensor) or key_padding_mask.dtype != torch.bool:
            got = key_padding_mask.dtype if isinstance(key_padding_mask, Tensor) else type(key_padding_mask).__name__
            raise TypeError(f"key_padding_mask must be a bool tensor (B, Lk), True = may attend; got {got}")
        if key_padding_mask.shape != (B, Lk):
            raise ValueError(f"key_padding_mask must have shape (B, Lk) = ({B}, {Lk}); "
                             f"got {tuple(key_padding_mask.shape)}")


def _blocks(t: Tensor, D: int, backward: bool) -> tuple[int, int]:
    """(BLOCK_M, BLOCK_N). The interpreter runs tile by tile in numpy, where 16 (the smallest
    tile tl.dot takes) is fastest; a GPU wants bigger tiles to reuse each load, bounded by
    what fits in SRAM -- the backward holds four tiles (k, v, dk, dv) beside q and dO, so its
    tiles are smaller. Untuned: these are common starting points, not measured optima."""
    if t.device.type == "cpu":
        return BLOCK_M, BLOCK_N
    if backward:
        return (64, 64) if D <= 64 else (32, 32)
    return (128, 64) if D <= 64 else (64, 64)


def _launch_meta(q: Tensor, k: Tensor, has_mask: bool, is_causal: bool, interpreted: bool,
                 backward: bool = False) -> dict:
    """The arguments the three kernels share (the tile sizes may differ between passes:
    the logsumexp saved between them is per row, whatever the tiling)."""
    B, H, Lq, D = q.shape
    block_m, block_n = _blocks(q, D, backward)
    return dict(H=H, Lq=Lq, Lk=k.shape[-2], D=D, shift=k.shape[-2] - Lq,
                HAS_MASK=has_mask, IS_CAUSAL=bool(is_causal),
                # tl.dot on fp32 would use TF32 on a GPU (10-bit mantissa): ask for full precision
                PRECISION="ieee" if q.dtype in (torch.float32, torch.float64) else "tf32",
                UPCAST=interpreted and q.dtype == torch.bfloat16,  # see _triton_flash._dot
                BLOCK_M=block_m, BLOCK_N=block_n, BLOCK_D=max(16, 1 << (D - 1).bit_length()))


class TritonFlashAttention(torch.autograd.Function):
    """Saves q, k, v, o and the (B, H, Lq) fp32 logsumexp -- nothing of size Lq x Lk."""

    @staticmethod
    def forward(ctx, q: Tensor, k: Tensor, v: Tensor, key_padding_mask: Optional[Tensor], is_causal: bool,
                scale: float) -> Tensor:
        kernels = _kernels()
        _check_device(kernels, q)
        B, H, Lq, D = q.shape
        q, k, v = (t.contiguous() for t in (q, k, v))
        # int8, not bool: a pointer to bool is awkward in Triton, and one byte per key is all we need
        kpm = key_padding_mask.to(torch.int8).contiguous() if key_padding_mask is not None else q.new_empty(1, dtype=torch.int8)
        out = torch.empty_like(q)
        lse = torch.empty(B, H, Lq, device=q.device, dtype=torch.float32)
        meta = _launch_meta(q, k, key_padding_mask is not None, is_causal, _interpreted(kernels))
        grid = (triton_cdiv(Lq, meta["BLOCK_M"]), B * H)
        kernels.flash_forward_kernel[grid](q, k, v, out, lse, kpm, scale, **meta)
        ctx.save_for_backward(q, k, v, out, lse, kpm)
        ctx.meta = _launch_meta(q, k, key_padding_mask is not None, is_causal, _interpreted(kernels), backward=True)
        ctx.scale = scale
        return out

    @staticmethod
    def backward(ctx, grad_out: Tensor):
        kernels = _kernels()
        q, k, v, out, lse, kpm = ctx.saved_tensors
        meta = ctx.meta
        do = grad_out.contiguous()
        # delta_i = sum_d dO_id O_id = sum_j P_ij dP_ij: the softmax backward's row term, O(L d) to compute
        delta = (do.float() * out.float()).sum(-1)
        dq, dk, dv = torch.empty_like(q), torch.empty_like(k), torch.empty_like(v)
        B, H = q.shape[:2]
        kernels.flash_backward_dkdv_kernel[(triton_cdiv(meta["Lk"], meta["BLOCK_N"]), B * H)](
            q, k, v, do, lse, delta, dk, dv, kpm, ctx.scale, **meta)
        kernels.flash_backward_dq_kernel[(triton_cdiv(meta["Lq"], meta["BLOCK_M"]), B * H)](
            q, k, v, do, lse, delta, dq, kpm, ctx.scale, **meta)
        return dq, dk, dv, None, None, None


def triton_cdiv(n: int, block: int) -> int:
    """Number of tiles of ``block`` that cover ``n`` (the grid size along one axis)."""
    return -(-n // block)


def triton_attention(q: Tensor, k: Tensor, v: Tensor, key_padding_mask: Optional[Tensor] = None,
                     is_causal: bool = False, scale: Optional[float] = None) -> Tensor:
    """softmax(q k^T * scale, masked) v with the Triton FlashAttention-2 kernels; differentiable.

    q (B, H, Lq, D), k, v (B, H, Lk, D) -> (B, H, Lq, D). ``is_causal`` with Lq < Lk is
    end-aligned (query i sees keys j <= i + Lk - Lq), like the rest of lmkit; a query that
    may see no key at all gets a zero output (never NaN).
    """
    _check_inputs(q, k, v, key_padding_mask, is_causal)
    if key_padding_mask is not None and key_padding_mask.device != q.device:
        raise ValueError(f"key_padding_mask must be on q's device {q.device}; got {key_padding_mask.device}")
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    _check_device(_kernels(), q)  # before autograd records anything, so the error is the first thing seen
    return TritonFlashAttention.apply(q, k, v, key_padding_mask, is_causal, scale)
