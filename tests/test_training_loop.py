"""lmkit.training.loop's reference of 04's training-loop exercise: schedule, decay groups, train()."""

import math

import torch

from lmkit.generation import generate
from lmkit.models import GPT, GPTConfig
from lmkit.models.gpt import MiniGPT
from lmkit.training.loop import ProbeLM, cosine_lr, decay_groups, train


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
