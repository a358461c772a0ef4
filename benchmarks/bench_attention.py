"""Time and memory of the attention backends on CPU (fp32, batch 1, 4 heads, head_dim 64).

Memory: we report the *analytic* size of the largest intermediate each kernel builds
(reference: the (H, L, L) score matrix, x3 for scores/exp/weights; flash: the
(H, block, block) tile, x3) plus measured ru_maxrss growth as a cross-check.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import time

import torch
import torch.nn.functional as F

from lmkit.attention import MultiHeadAttention, flash_attention, scaled_dot_product_attention

H, D = 4, 64


def median_time(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter(); fn(); times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-len", type=int, default=8192)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    torch.manual_seed(0)
    print(f"{'L':>6} {'backend':>10} {'ms':>10} {'est. extra MB':>14}")
    L = 256
    with torch.no_grad():
        while L <= args.max_len:
            q, k, v = (torch.randn(1, H, L, D) for _ in range(3))
            ref_mb = 3 * H * L * L * 4 / 2**20
            runs = {"flash": (lambda: flash_attention(q, k, v, is_causal=True), 3 * H * 64 * 64 * 4 / 2**20),
                    "torch": (lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True), float("nan"))}
            if ref_mb < 4096:
                runs = {"reference": (lambda: scaled_dot_product_attention(q, k, v, is_causal=True), ref_mb), **runs}
            else:
                print(f"{L:>6} {'reference':>10} {'skipped':>10} {ref_mb:>14.0f} (> 4 GB)")
            for name, (fn, mb) in runs.items():
                print(f"{L:>6} {name:>10} {1e3 * median_time(fn, args.repeats):>10.2f} {mb:>14.2f}")
            L *= 2
        x = torch.randn(1, 512, H * D)
        mha = MultiHeadAttention(H * D, H, backend="torch").eval()
        qh, kh, vh = (mha.split_heads(p(x)) for p in (mha.q_proj, mha.k_proj, mha.v_proj))
        t_mha = median_time(lambda: mha(x, is_causal=True), args.repeats * 5)
        t_raw = median_time(lambda: mha.out_proj(mha.merge_heads(F.scaled_dot_product_attention(
            mha.split_heads(mha.q_proj(x)), mha.split_heads(mha.k_proj(x)), mha.split_heads(mha.v_proj(x)),
            is_causal=True))), args.repeats * 5)
        print(f"MHA(backend='torch') {1e3 * t_mha:.2f} ms vs raw projections+F.sdpa {1e3 * t_raw:.2f} ms "
              f"(ratio {t_mha / t_raw:.3f})")
    print(f"process max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
