"""lmkit.training.train_steps(autocast=...): mixed precision without changing what is learned.

Two copies of a tiny GPT start from the same weights and see the same batches, one in fp32 and
one under torch.autocast(bfloat16) (on the CPU here; CUDA too where present). Tolerance, measured
and stated: every step's loss within 5% of the fp32 loss (bf16 keeps 8 bits of mantissa, ~0.4%
per rounding, compounding over steps; observed max 0.8% over 40 steps with 2 threads, 2.3% with 1), and both runs must have learned (final loss
well below the first). The weights and the optimiser stay fp32; the matmuls really ran in bf16.
"""
import copy

import pytest
import torch

from lmkit.models import GPT, GPTConfig
from lmkit.training import train_steps


def _batches(vocab, steps, device, seed=0):
    g = torch.Generator().manual_seed(seed)
    base = torch.randint(0, vocab, (4, 33), generator=g)
    data = base.repeat(steps, 1, 1)                       # the same 4 sequences each step: learnable fast
    return [(d[:, :-1].to(device), d[:, 1:].to(device)) for d in data]


@pytest.mark.parametrize("dtype", [torch.bfloat16])
def test_bf16_autocast_matches_fp32_losses(device, dtype):
    if device.type == "mps":
        pytest.skip("autocast on MPS is not what this test measures")
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=40, block_size=32, n_layer=2, n_head=2, n_embd=32, backend="torch")).to(device)
    twin = copy.deepcopy(model)
    steps = 40
    seen = []
    hook = twin.blocks[0].ffn.fc_in.register_forward_hook(lambda m, i, out: seen.append(out.dtype))
    full = train_steps(model, _batches(40, steps, device), torch.optim.AdamW(model.parameters(), lr=3e-3),
                       steps=steps, progress=False)
    mixed = train_steps(twin, _batches(40, steps, device), torch.optim.AdamW(twin.parameters(), lr=3e-3),
                        steps=steps, progress=False, autocast=dtype)
    hook.remove()
    assert set(seen) == {dtype}, f"the Linear layers ran in {set(seen)}, not {dtype}"
    assert all(p.dtype == torch.float32 for p in twin.parameters())
    rel = [abs(a - b) / a for a, b in zip(full, mixed)]
    assert max(rel) < 0.05, f"bf16 losses drift from fp32 by up to {max(rel):.3%} (step {rel.index(max(rel))})"
    assert mixed[-1] < 0.5 * mixed[0] and full[-1] < 0.5 * full[0]


def test_fp16_autocast_uses_a_grad_scaler_and_learns():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=40, block_size=32, n_layer=1, n_head=2, n_embd=32, backend="torch"))
    losses = train_steps(model, _batches(40, 30, "cpu"), torch.optim.AdamW(model.parameters(), lr=3e-3),
                         steps=30, progress=False, autocast=torch.float16, max_grad_norm=1.0)
    assert all(l == l for l in losses) and losses[-1] < 0.7 * losses[0]


def test_autocast_must_be_a_half_dtype():
    model = GPT(GPTConfig(vocab_size=10, block_size=8, n_layer=1, n_head=1, n_embd=8))
    with pytest.raises(ValueError, match="autocast must be None, torch.bfloat16 or torch.float16; got torch.float64"):
        train_steps(model, [], torch.optim.SGD(model.parameters(), lr=0.1), steps=1, autocast=torch.float64)
