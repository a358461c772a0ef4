"""lmkit's attention kernels written for an accelerator, and the PyTorch tiled kernel beside them.

Backs 06 (attention on the GPU) and 02 §7 (the tiled online-softmax kernel):

* :func:`flash_attention` (:mod:`lmkit.kernels.flash`) -- tiled online-softmax attention in
  plain PyTorch with a recomputing backward, so training memory grows linearly in L;
  re-exported by :mod:`lmkit.attention`.
* :func:`triton_attention` (:mod:`lmkit.kernels.triton_attention`) -- FlashAttention-2 in
  Triton, forward and backward. Importing this package never imports triton; the first
  call does. To run on CPU tensors, set ``TRITON_INTERPRET=1`` before that first call.
* :func:`~lmkit.kernels.costs.attention_costs` (:mod:`lmkit.kernels.costs`) -- FLOPs and HBM
  bytes of one attention forward, naive and tiled: the roofline of 06 §1.
"""
from lmkit.kernels.triton_attention import triton_attention, triton_available

__all__ = ["triton_attention", "triton_available"]
