"""Time one SGNS and one GPT training step with a given torch thread count.

    python benchmarks/thread_count.py [--threads N] [--steps 30]

Without ``--threads`` the count is whatever the process ends up with after importing lmkit
(``lmkit.runtime.configure_threads``: the CPUs the process may really use, from its affinity and its
cgroup's CPU quota). Run it pinned or inside a CPU-limited cgroup to see why that matters, e.g.

    taskset -c 0 python benchmarks/thread_count.py --threads 2   # 2 threads sharing one core
    taskset -c 0 python benchmarks/thread_count.py               # what lmkit configures (1)

SGNS: the 01 notebook's skip-gram model (vocabulary 2,000, 50 dimensions, batch 1,024, 5 negatives,
Adam). GPT: the 04 notebook's size class (4 layers, 4 heads, 128 wide, block 64, batch 16, AdamW).
Prints the median and the 90th percentile of the step time in ms; nothing is asserted anywhere.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch

from lmkit.embeddings import SkipGramModel
from lmkit.models import GPT, GPTConfig
from lmkit.runtime import available_cpus


def _time(step, steps: int, warmup: int = 3) -> tuple[float, float]:
    times = []
    for i in range(steps + warmup):
        start = time.perf_counter()
        step(i)
        if i >= warmup:
            times.append(time.perf_counter() - start)
    times.sort()
    return statistics.median(times) * 1000, times[int(0.9 * (len(times) - 1))] * 1000


def sgns_step_ms(steps: int) -> tuple[float, float]:
    torch.manual_seed(0)
    vocab, dim, batch, k = 2000, 50, 1024, 5
    model = SkipGramModel(vocab, dim)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    data = torch.randint(0, vocab, (steps + 3, batch, 2 + k))

    def step(i):
        ids = data[i]
        loss = model(ids[:, 0], ids[:, 1], ids[:, 2:])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return _time(step, steps)


def gpt_step_ms(steps: int) -> tuple[float, float]:
    torch.manual_seed(0)
    config = GPTConfig(vocab_size=256, block_size=64, n_layer=4, n_head=4, n_embd=128, dropout=0.0)
    model = GPT(config).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    data = torch.randint(0, config.vocab_size, (steps + 3, 16, config.block_size + 1))

    def step(i):
        x, y = data[i, :, :-1], data[i, :, 1:]
        loss = model(x, targets=y).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return _time(step, steps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads(N) before timing")
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"affinity {affinity} CPUs, lmkit.runtime.available_cpus() = {available_cpus()}, "
          f"torch threads = {torch.get_num_threads()}, load average {os.getloadavg()[0]:.1f}")
    for name, bench in (("SGNS step", sgns_step_ms), ("GPT step", gpt_step_ms)):
        median, p90 = bench(args.steps)
        print(f"{name:10s} median {median:8.1f} ms   p90 {p90:8.1f} ms")


if __name__ == "__main__":
    main()
