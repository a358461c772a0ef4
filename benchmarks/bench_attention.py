"""Time and peak memory of the attention kernels, forward and forward+backward (fp32, batch 1,
4 heads, head_dim 64, causal).

    python benchmarks/bench_attention.py [--max-len 8192] [--repeats 3] [--threads 2] [--device cuda]

Each (kernel, L) runs in a fresh child process, so that one kernel's memory cannot hide
another's. Peak memory is *measured*: the child resets the kernel's resident-set
high-water mark (writing 5 to /proc/self/clear_refs, Linux >= 4.0), calls the kernel once
and reads VmHWM from /proc/self/status; "extra MB" is that peak minus the resident size just
before the call (the inputs q, k, v are already allocated, and a call on a tiny input has
already paid one-time costs such as starting the thread pool). "fwd+bwd" does the same for
``kernel(q, k, v).backward(grad)`` with q, k, v requiring gradients: what training costs, where
a kernel that keeps its (L, L) probabilities for the backward shows it. On CUDA, peaks are
torch.cuda.max_memory_allocated above what was allocated before the call, and the Triton
kernel (lmkit.kernels.triton_attention) joins the others. Time is the median of
``--repeats`` calls after one warm-up. Linux only; nothing is asserted, numbers are printed.

The last line compares MultiHeadAttention(backend="torch") with the same projections
around a raw F.scaled_dot_product_attention call (the target is a ratio within 1.10).
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from lmkit.attention import MultiHeadAttention, flash_attention, scaled_dot_product_attention
from lmkit.kernels import triton_attention, triton_available

HEADS, HEAD_DIM = 4, 64
KERNELS = {
    "reference": lambda q, k, v: scaled_dot_product_attention(q, k, v, is_causal=True),
    "flash": lambda q, k, v: flash_attention(q, k, v, is_causal=True),
    "torch": lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
    "triton": lambda q, k, v: triton_attention(q, k, v, is_causal=True),  # CUDA only here (the interpreter is slow)
}


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not found in /proc/self/status")


def median_ms(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def peak_extra_mb(fn, device: torch.device) -> float:
    """Peak memory above the current level while ``fn()`` runs (RSS on CPU, allocator on CUDA)."""
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
        fn()
        torch.cuda.synchronize()
        return (torch.cuda.max_memory_allocated() - before) / 2**20
    Path("/proc/self/clear_refs").write_text("5")  # reset the high-water mark to the current RSS
    before_kb = _status_kb("VmRSS")
    fn()
    return max(0, _status_kb("VmHWM") - before_kb) / 1024


def measure_one(kernel: str, length: int, repeats: int, device: torch.device) -> dict:
    """Run in the child: peak extra memory of one call, then the median time; forward, then forward+backward."""
    torch.manual_seed(0)
    q, k, v = (torch.randn(1, HEADS, length, HEAD_DIM, device=device) for _ in range(3))
    grad = torch.randn(1, HEADS, length, HEAD_DIM, device=device)
    fn = KERNELS[kernel]

    def forward() -> None:
        fn(q, k, v)
        _sync(device)

    def training() -> None:
        for t in (q, k, v):
            t.grad = None
        fn(q, k, v).backward(grad)
        _sync(device)

    small = [torch.randn(1, HEADS, 64, HEAD_DIM, device=device, requires_grad=True) for _ in range(3)]
    fn(*small).sum().backward()  # one-time costs: thread pool, lazy loads, kernel compilation
    with torch.no_grad():
        fwd_mb = peak_extra_mb(forward, device)
        fwd_ms = median_ms(forward, repeats)
    for t in (q, k, v):
        t.requires_grad_()
    train_mb = peak_extra_mb(training, device)
    train_ms = median_ms(training, repeats)
    return {"ms": fwd_ms, "extra_mb": fwd_mb, "train_ms": train_ms, "train_mb": train_mb}


def run_child(kernel: str, length: int, repeats: int, threads: int, device: str) -> dict:
    command = [sys.executable, __file__, "--child", kernel, str(length), "--repeats", str(repeats),
               "--threads", str(threads), "--device", device]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def mha_overhead(repeats: int) -> tuple[float, float]:
    """(ms of MultiHeadAttention backend="torch", ms of the same projections + raw SDPA) at L=512."""
    x = torch.randn(1, 512, HEADS * HEAD_DIM)
    mha = MultiHeadAttention(HEADS * HEAD_DIM, HEADS, backend="torch").eval()

    def raw() -> torch.Tensor:
        q, k, v = (mha.split_heads(proj(x)) for proj in (mha.q_proj, mha.k_proj, mha.v_proj))
        return mha.out_proj(mha.merge_heads(F.scaled_dot_product_attention(q, k, v, is_causal=True)))

    # Interleave the two so that a noisy neighbour slows both alike.
    module_times, raw_times = [], []
    with torch.no_grad():
        for _ in range(repeats):
            module_times.append(median_ms(lambda: mha(x, is_causal=True), 1))
            raw_times.append(median_ms(raw, 1))
    return statistics.median(module_times), statistics.median(raw_times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-len", type=int, default=8192)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (CI machines have 2 cores)")
    parser.add_argument("--min-len", type=int, default=256)
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--child", nargs=2, metavar=("KERNEL", "L"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.child:
        print(json.dumps(measure_one(args.child[0], int(args.child[1]), args.repeats, torch.device(args.device))))
        return
    kernels = [name for name in KERNELS if name != "triton" or (args.device == "cuda" and triton_available())]

    input_mb = lambda n: 3 * HEADS * n * HEAD_DIM * 4 / 2**20  # noqa: E731 (q, k, v in fp32)
    print(f"causal attention, fp32, batch 1, {HEADS} heads x {HEAD_DIM}, {args.device}, {args.threads} threads")
    print(f"{'L':>6} {'kernel':>10} {'fwd ms':>10} {'fwd MB':>10} {'fwd+bwd ms':>11} {'fwd+bwd MB':>11} "
          f"{'q,k,v MB':>10}")
    length = args.min_len
    while length <= args.max_len:
        for kernel in kernels:
            r = run_child(kernel, length, args.repeats, args.threads, args.device)
            print(f"{length:>6} {kernel:>10} {r['ms']:>10.2f} {r['extra_mb']:>10.1f} {r['train_ms']:>11.2f} "
                  f"{r['train_mb']:>11.1f} {input_mb(length):>10.1f}", flush=True)
        length *= 2
    with_module, raw = mha_overhead(args.repeats * 20)
    print(f"MultiHeadAttention(backend='torch') {with_module:.2f} ms vs projections + raw SDPA {raw:.2f} ms "
          f"(ratio {with_module / raw:.3f})")


if __name__ == "__main__":
    main()
