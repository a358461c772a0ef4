"""lmkit.training.loop's reference of 04's training-loop exercise: schedule, decay groups, train()."""

import math

import torch

from lmkit.generation import generate
from lmkit.models import GPT, GPTConfig
from lmkit.models.gpt import MiniGPT
from lmkit.training.loop import ProbeLM, adamw, cosine_lr, decay_groups, train


def _batches(n, seed):
    g = torch.Generator().manual_seed(seed)
    return [(torch.randint(0, 11, (4, 6), generator=g), torch.randint(0, 11, (4, 6), generator=g)) for _ in range(n)]


def test_cosine_lr_warmup_join_and_end():
    rates = [cosine_lr(s, lr=1.0, warmup_steps=4, steps=20, min_lr=0.1) for s in range(22)]
    assert rates[:5] == [0.25, 0.5, 0.75, 1.0, 1.0]
    assert math.isclose(rates[12], 0.55) and math.isclose(rates[20], 0.1) and math.isclose(rates[21], 0.1)
    assert cosine_lr(0, lr=2.0, warmup_steps=0, steps=10) == 2.0


def test_decay_groups_matrices_only_and_tied_once():
    model = GPT(GPTConfig(vocab_size=13, block_size=8, n_layer=1, n_head=2, n_embd=8))
    decay, rest = decay_groups(model, 0.3)
    assert all(p.dim() >= 2 for p in decay["params"]) and all(p.dim() < 2 for p in rest["params"])
    assert len(decay["params"]) + len(rest["params"]) == len(list(model.parameters()))
    assert (decay["weight_decay"], rest["weight_decay"]) == (0.3, 0.0)


def test_adamw_is_fused_on_cpu_and_updates_like_the_plain_loop():
    """adamw() = AdamW over decay_groups with the fused kernel: same trajectory as the
    per-tensor implementation to float rounding, over steps with a tied embedding."""
    config = GPTConfig(vocab_size=13, block_size=8, n_layer=2, n_head=2, n_embd=8)
    torch.manual_seed(0)
    fused_model = GPT(config)
    plain_model = GPT(config)
    plain_model.load_state_dict(fused_model.state_dict())
    fused = adamw(fused_model, lr=3e-2, weight_decay=0.2, betas=(0.9, 0.99))
    plain = torch.optim.AdamW(decay_groups(plain_model, 0.2), lr=3e-2, betas=(0.9, 0.99), foreach=False)
    assert fused.defaults["fused"] is True and not plain.defaults["fused"]
    assert [g["weight_decay"] for g in fused.param_groups] == [0.2, 0.0]
    g = torch.Generator().manual_seed(1)
    for _ in range(6):
        x, y = torch.randint(0, 13, (3, 8), generator=g), torch.randint(0, 13, (3, 8), generator=g)
        for model, optimizer in ((fused_model, fused), (plain_model, plain)):
            optimizer.zero_grad(set_to_none=True)
            model(x, targets=y).loss.backward()
            optimizer.step()
    for (name, a), b in zip(fused_model.state_dict().items(), plain_model.state_dict().values()):
        if name.endswith("k_proj.bias"):
            # q . b_k is the same for every key of a row, so softmax ignores it: its gradient is zero
            # up to rounding noise, which Adam's g / sqrt(v) blows up to steps of ~lr, differently in
            # each implementation. It changes no output, so it is not compared.
            continue
        assert torch.allclose(a, b, rtol=1e-5, atol=1e-6), f"{name}: fused and plain AdamW differ by {(a - b).abs().max():.2e}"
    assert not torch.equal(fused_model.wte.weight, GPT(config).wte.weight)  # it did train

def test_train_history_eval_modes_and_clipping():
    torch.manual_seed(0)
    model = ProbeLM()
    history = train(model, _batches(10, 0), _batches(2, 1), steps=10, lr=0.01, warmup_steps=2, eval_every=4,
                    clip_norm=0.01)
    assert history["val_step"] == [0, 4, 8, 10] and len(history["train_loss"]) == 10
    assert model.calls.tolist() == [10, 8, 0, 0] and model.training
    norm = torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters()))
    assert norm <= 0.01 * (1 + 1e-4) < history["grad_norm"][-1]
    torch.manual_seed(0)
    again = train(ProbeLM(), _batches(10, 0), _batches(2, 1), steps=10, lr=0.01, warmup_steps=2, eval_every=4,
                  clip_norm=0.01)
    assert again == history


def test_minigpt_reference_interface_post_ln_and_generate():
    torch.manual_seed(0)
    for norm_first in (True, False):
        model = MiniGPT(17, 8, n_layer=1, n_head=2, d_model=16, norm_first=norm_first)
        logits, loss = model(torch.zeros(2, 8, dtype=torch.long), torch.zeros(2, 8, dtype=torch.long))
        assert logits.shape == (2, 8, 17) and loss.dim() == 0
        assert model(torch.zeros(1, 3, dtype=torch.long))[1] is None
    out = generate(model, torch.tensor([1, 2]), 10, do_sample=False)   # no cache, window of block_size
    assert out.shape == (12,)
