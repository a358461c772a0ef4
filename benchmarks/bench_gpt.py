"""Benchmark lmkit's GPT: training throughput per attention backend, against a nanoGPT-style
model, and decoding with and without the KV cache.

    python benchmarks/bench_gpt.py [--device cpu|cuda|mps] [--steps 20] [--new-tokens 256] [--profile] [--decode-only]
                                   [--nanogpt-dir PATH]

Training uses nanoGPT's shakespeare_char CPU configuration (4 layers, 4 heads,
128 wide, block 64, batch 12, 65 characters) with AdamW; a few warm-up steps are
discarded and the median step time reported. Decoding is greedy, batch 1. The
numbers are printed as a table, not checked anywhere.

The comparison model, :class:`NanoGPT`, is written here from nanoGPT's public design
(karpathy/nanoGPT ``model.py``, not copied into this repository): one fused q/k/v Linear,
``F.scaled_dot_product_attention(is_causal=True)``, an exact-GELU MLP, pre-LayerNorm blocks
and an LM head tied to the token embedding. Both models use biases and exact GELU, so they
compute the same function with the same parameter count; the models are timed interleaved
(one model's steps, then the next's, three rounds) so a noisy neighbour slows all alike, and
the ratio reported is the median over the rounds. It is reported twice: with one plain AdamW for
every model (the models alone: their forward and backward take the same time, but AdamW's CPU loop
runs ~10 small ops per parameter tensor and lmkit's separate q/k/v projections make 68 tensors to
nanoGPT's 52), and with each project's own optimiser recipe (nanoGPT's ``configure_optimizers``,
which fuses only on CUDA; :func:`lmkit.training.adamw`, fused on the CPU too). ``--profile`` prints torch.profiler's table
of where one lmkit training step spends its time. ``--nanogpt-dir`` times nanoGPT's own
``model.py`` instead, from a checkout of karpathy/nanoGPT outside this repository (its ``GPT`` with
``bias=True``, ``dropout=0``; its forward returns ``(logits, loss)``).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from lmkit.generation import generate
from lmkit.models import GPT, GPTConfig
from lmkit.runtime import get_device
from lmkit.training.loop import adamw, decay_groups

BACKENDS = ("reference", "flash", "torch")
CHAR_CONFIG = dict(vocab_size=65, block_size=64, n_layer=4, n_head=4, n_embd=128, dropout=0.0)
BATCH = 12


class NanoGPTBlock(nn.Module):
    """Pre-LN block in nanoGPT's layout: fused c_attn (d -> 3d), SDPA, c_proj; GELU MLP."""

    def __init__(self, d: int, n_head: int) -> None:
        super().__init__()
        self.n_head = n_head
        self.ln_1, self.ln_2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.c_attn, self.c_proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))
        return x + self.mlp(self.ln_2(x))


class NanoGPT(nn.Module):
    """Token + position embeddings, n_layer blocks, final LayerNorm, tied LM head, cross-entropy."""

    def __init__(self, vocab_size: int, block_size: int, n_layer: int, n_head: int, n_embd: int, **_) -> None:
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab_size, n_embd), nn.Embedding(block_size, n_embd)
        self.blocks = nn.ModuleList(NanoGPTBlock(n_embd, n_head) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight

    def forward(self, idx: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(idx.shape[1], device=idx.device)
        x = self.wte(idx) + self.wpe(pos)
        for block in self.blocks:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)


def _lmkit_model(backend: str, **overrides) -> nn.Module:
    return GPT(GPTConfig(**{**CHAR_CONFIG, "activation": "gelu", **overrides, "backend": backend}))


# shakespeare_char's optimiser settings (nanoGPT config/train_shakespeare_char.py).
LR, WEIGHT_DECAY, BETAS = 1e-3, 0.1, (0.9, 0.99)


def _optimizer(model: nn.Module, device: torch.device, own: bool) -> torch.optim.Optimizer:
    """own=False: one plain AdamW over model.parameters() for every model (the models alone compared).
    own=True: each model's own recipe -- nanoGPT's ``configure_optimizers`` (decay on matrices; fused
    only on CUDA, its choice), lmkit's :func:`lmkit.training.adamw` (the same groups, fused on CPU too)."""
    if not own:
        return torch.optim.AdamW(model.parameters(), lr=LR)
    if isinstance(model, GPT):
        return adamw(model, lr=LR, weight_decay=WEIGHT_DECAY, betas=BETAS)
    if hasattr(model, "configure_optimizers"):  # nanoGPT's own model.py (it prints its groups)
        return model.configure_optimizers(WEIGHT_DECAY, LR, BETAS, device.type)
    return torch.optim.AdamW(decay_groups(model, WEIGHT_DECAY), lr=LR, betas=BETAS)  # the inline NanoGPT


def _step_fn(model: nn.Module, device: torch.device, own_optimizer: bool = False):
    """One AdamW training step on random characters, as a closure over its optimiser and data."""
    optimizer = _optimizer(model, device, own_optimizer)
    data = torch.randint(0, CHAR_CONFIG["vocab_size"], (BATCH, CHAR_CONFIG["block_size"] + 1), device=device)
    x, y = data[:, :-1].contiguous(), data[:, 1:].contiguous()  # as nanoGPT's get_batch stacks them
    is_lmkit = isinstance(model, GPT)

    def step() -> None:
        loss = model(x, targets=y).loss if is_lmkit else model(x, y)
        if isinstance(loss, tuple):  # nanoGPT's own model.py: (logits, loss)
            loss = loss[1]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return step


def _timed(step, device: torch.device) -> float:
    _sync(device)
    start = time.perf_counter()
    step()
    _sync(device)
    return time.perf_counter() - start


def nanogpt_from_checkout(directory: str) -> nn.Module:
    """nanoGPT's own GPT (``model.py`` of a karpathy/nanoGPT checkout) in the same configuration."""
    import importlib.util
    from pathlib import Path

    path = Path(directory) / "model.py"
    if not path.is_file():
        raise SystemExit(f"--nanogpt-dir: no model.py in {directory}")
    spec = importlib.util.spec_from_file_location("nanogpt_model", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fields = {k: v for k, v in CHAR_CONFIG.items() if k != "dropout"}
    return module.GPT(module.GPTConfig(**fields, dropout=0.0, bias=True))


def versus_nanogpt(device: torch.device, steps: int, rounds: int = 3, warmup: int = 3,
                   reference: nn.Module | None = None, own_optimizer: bool = False) -> dict[str, float]:
    """Median over ``rounds`` of (nanoGPT step time / lmkit step time) per backend: > 1 means lmkit is faster.

    Within a round the models take turns step by step (nanoGPT, lmkit "torch", lmkit "reference",
    nanoGPT, ...), so neighbours that slow the machine for a moment slow every model alike; each
    round's ratio compares the median step times.
    """
    torch.manual_seed(0)
    models = {"nanoGPT": reference if reference is not None else NanoGPT(**CHAR_CONFIG)}
    models.update({backend: _lmkit_model(backend) for backend in ("torch", "reference")})
    sizes = {name: sum(p.numel() for p in m.parameters()) for name, m in models.items()}
    assert len(set(sizes.values())) == 1, f"models must match in size: {sizes}"
    step_fns = {name: _step_fn(model.to(device).train(), device, own_optimizer) for name, model in models.items()}
    ratios: dict[str, list[float]] = {name: [] for name in models if name != "nanoGPT"}
    for _ in range(rounds):
        times: dict[str, list[float]] = {name: [] for name in models}
        for i in range(warmup + steps):
            for name, step in step_fns.items():
                seconds = _timed(step, device)
                if i >= warmup:
                    times[name].append(seconds)
        for name in ratios:
            ratios[name].append(statistics.median(times["nanoGPT"]) / statistics.median(times[name]))
    return {name: statistics.median(r) for name, r in ratios.items()}


def profile_step(backend: str, device: torch.device, steps: int = 10, rows: int = 25) -> None:
    """Print torch.profiler's table (self CPU time) over ``steps`` lmkit training steps."""
    from torch.profiler import ProfilerActivity, profile

    step = _step_fn(_lmkit_model(backend).to(device).train(), device)
    for _ in range(3):
        step()
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    with profile(activities=activities) as prof:
        for _ in range(steps):
            step()
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=rows))


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
    parser.add_argument("--profile", default=None, metavar="BACKEND", help="profile lmkit's step with this backend")
    parser.add_argument("--decode-only", action="store_true", help="only the decoding table (KV cache or not)")
    parser.add_argument("--nanogpt-dir", default=None, help="a karpathy/nanoGPT checkout: time its own model.py")
    args = parser.parse_args()
    device = torch.device(args.device) if args.device else get_device()
    print(f"device: {device}, torch {torch.__version__}, threads {torch.get_num_threads()}")
    if args.profile:
        profile_step(args.profile, device)
        return
    if args.decode_only:
        decoding_table(device, args.new_tokens)
        return

    reference = nanogpt_from_checkout(args.nanogpt_dir) if args.nanogpt_dir else None
    which = f"nanoGPT's model.py from {args.nanogpt_dir}" if reference is not None else "a nanoGPT-style model"
    print(f"\nTraining step vs {which} (interleaved, median of 3 rounds; > 1: lmkit faster)")
    for own, title in ((False, "same optimiser: plain AdamW(model.parameters()) for both"),
                       (True, "each its own optimiser: nanoGPT's configure_optimizers, lmkit.training.adamw")):
        print(f" {title}")
        for backend, ratio in versus_nanogpt(device, args.steps, reference=reference, own_optimizer=own).items():
            print(f"  lmkit backend={backend!r:<12} {ratio:.3f}x nanoGPT's speed")

    print("\nTraining step (n_layer=4, n_head=4, n_embd=128, block 64, batch 12, vocab 65, AdamW)")
    print(f"{'backend':<12}{'tokens/s':>12}")
    for backend in BACKENDS:
        print(f"{backend:<12}{training_tokens_per_second(backend, device, args.steps):>12,.0f}")

    decoding_table(device, args.new_tokens)


def decoding_table(device: torch.device, new_tokens: int) -> None:
    """Greedy decoding speed with and without the (pre-allocated) KV cache, and the ratio."""
    print(f"\nGreedy decoding, batch 1, {new_tokens} new tokens")
    uncached = decode_tokens_per_second(False, device, new_tokens)
    cached = decode_tokens_per_second(True, device, new_tokens)
    print(f"{'mode':<12}{'tokens/s':>12}")
    print(f"{'no cache':<12}{uncached:>12,.1f}")
    print(f"{'KV cache':<12}{cached:>12,.1f}")
    print(f"speed-up: {cached / uncached:.1f}x")


if __name__ == "__main__":
    main()
