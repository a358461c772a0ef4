"""FLOPs and HBM traffic of one attention forward, naive and tiled: the arithmetic of 06 §1.

Backs 06 (attention on the GPU, §1: memory hierarchy, arithmetic intensity and the roofline).
The counts are the textbook model of Dao et al. (2022), written out so each term can be read:

* FLOPs: ``4 L^2 d`` -- S = Q K^T and O = P V are each L x L x d multiply-adds (2 FLOPs each);
  the softmax's O(L^2) exp/sum are left out, as in the paper.
* naive: three kernels, each reading its inputs from HBM and writing its output back:
  S = Q K^T reads Q, K and writes S; P = softmax(S) reads S and writes P; O = P V reads P, V
  and writes O: ``4 L d + 4 L^2`` elements.
* tiled (FlashAttention's forward): n_t = ceil(L / block_size) query tiles; each reads its Q
  tile once and streams all of K and V: ``2 L d + 2 n_t L d`` elements, plus the logsumexp,
  one fp32 (4 bytes) per row, whatever the element size.
"""
from __future__ import annotations

__all__ = ["attention_costs"]


def attention_costs(L: int, d: int, block_size: int, bytes_per_element: int = 2) -> dict[str, int]:
    """{"flops", "naive_bytes", "tiled_bytes"} of one head's attention forward at length L, head dim d."""
    for name, value in (("L", L), ("d", d), ("block_size", block_size), ("bytes_per_element", bytes_per_element)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int; got {value!r}")
    n_tiles = -(-L // block_size)                        # query tiles; the last may be short
    naive_elements = 4 * L * d + 4 * L * L               # Q, K, V, O once; S written, read; P written, read
    tiled_elements = 2 * L * d + 2 * n_tiles * L * d     # Q read and O written once; K, V once per query tile
    return {"flops": 4 * L * L * d,
            "naive_bytes": naive_elements * bytes_per_element,
            "tiled_bytes": tiled_elements * bytes_per_element + 4 * L}
