"""Benchmark lmkit's GPT: training throughput per attention backend, and decoding
with and without the KV cache.

    python benchmarks/bench_gpt.py [--device cpu|cuda|mps] [--steps 20] [--new-tokens 256]

Training uses nanoGPT's shakespeare_char CPU configuration (4 layers, 4 heads,
128 wide, block 64, batch 12, 65 characters) with AdamW; a few warm-up steps are
discarded and the median step time reported. Decoding is greedy, batch 1. The
numbers are printed as a table, not checked anywhere.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from lmkit.generation import generate
from lmkit.models import GPT, GPTConfig
from lmkit.runtime import get_device

BACKENDS = ("reference", "flash", "torch")


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()
    elif device.type == "mps":
        torch.mps.synchronize()


def training_tokens_per_second(backend: str, device: torch.device, steps: int, warmup: int = 3) -> float:
    """Median tokens/s of forward + backward + AdamW step on random character data."""
    torch.manual_seed(0)
    config = GPTConfig(vocab_size=65, block_size=64, n_layer=4, n_head=4, n_embd=128, dropout=0.0, backend=backend)
    model = GPT(config).to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    batch, block = 12, config.block_size
    data = torch.randint(0, config.vocab_size, (steps + warmup, batch, block + 1), device=device)
    times = []
    for step in range(steps + warmup):
        x, y = data[step, :, :-1], data[step, :, 1:]
        _sync(device)
        start = time.perf_counter()
        loss = model(x, targets=y).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        _sync(device)
        if step >= warmup:
            times.append(time.perf_counter() - start)
    return batch * block / statistics.median(times)


def decode_tokens_per_second(use_cache: bool, device: torch.device, new_tokens: int, prompt_len: int = 16,
                             repeats: int = 3) -> float:
    """Median greedy decoding speed of a model with room for the prompt plus all new tokens."""
    torch.manual_seed(0)
    config = GPTConfig(vocab_size=65, block_size=prompt_len + new_tokens, n_layer=4, n_head=4, n_embd=128)
    model = GPT(config).to(device).eval()
    prompt = torch.randint(0, config.vocab_size, (1, prompt_len), device=device)
    generate(model, prompt, 8, do_sample=False, use_cache=use_cache)  # warm-up
    times = []
    for _ in range(repeats):
        _sync(device)
        start = time.perf_counter()
        generate(model, prompt, new_tokens, do_sample=False, use_cache=use_cache)
        _sync(device)
        times.append(time.perf_counter() - start)
    return new_tokens / statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default=None, help="default: lmkit.get_device()")
    parser.add_argument("--steps", type=int, default=20, help="timed training steps per backend")
    parser.add_argument("--new-tokens", type=int, default=256)
    args = parser.parse_args()
    device = torch.device(args.device) if args.device else get_device()
    print(f"device: {device}, torch {torch.__version__}, threads {torch.get_num_threads()}")

    print("\nTraining step (n_layer=4, n_head=4, n_embd=128, block 64, batch 12, vocab 65, AdamW)")
    print(f"{'backend':<12}{'tokens/s':>12}")
    for backend in BACKENDS:
        print(f"{backend:<12}{training_tokens_per_second(backend, device, args.steps):>12,.0f}")

    print(f"\nGreedy decoding, batch 1, {args.new_tokens} new tokens")
    uncached = decode_tokens_per_second(False, device, args.new_tokens)
    cached = decode_tokens_per_second(True, device, args.new_tokens)
    print(f"{'mode':<12}{'tokens/s':>12}")
    print(f"{'no cache':<12}{uncached:>12,.1f}")
    print(f"{'KV cache':<12}{cached:>12,.1f}")
    print(f"speed-up: {cached / uncached:.1f}x")


if __name__ == "__main__":
    main()
