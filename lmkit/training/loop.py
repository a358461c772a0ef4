"""The training loop: batches in, optimiser steps out, with clipping and a schedule.

Backs 04 §2-3 (training the GPT and the BERT of the notebook), 04 §6 (the loop that
a checkpoint resumes) and the toy BERT of 05 §1 (:mod:`lmkit.hub.toy`): :func:`train_steps`.
Also the reference of 04 §2's exercise, the learner's own loop: :func:`cosine_lr`
(warm-up + cosine), :func:`decay_groups` (weight decay on matrices only; :func:`adamw` builds the
fused optimiser over them for speed), :func:`train`
(clipping, held-out evaluation, a loss history) and :class:`ProbeLM`, the model its tests use.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence

import torch
import torch.nn as nn

from lmkit import _validate


def _model_device(model: nn.Module) -> torch.device:
    param = next(model.parameters(), None)
    return param.device if param is not None else torch.device("cpu")


def _default_loss(model: nn.Module, batch: object) -> torch.Tensor:
    """(inputs, targets) -> model(inputs, targets).loss  (GPT);
    a dict -> model(**batch).loss  (BERT: input_ids, mlm_labels, nsp_labels, ...)."""
    if isinstance(batch, Mapping):
        return model(**batch).loss
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        return model(batch[0], batch[1]).loss
    raise TypeError(
        f"each batch must be an (inputs, targets) pair or a dict of model arguments; got {type(batch).__name__} "
        "(or pass loss_fn=)"
    )


def _to_device(batch: object, device: torch.device) -> object:
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, Mapping):
        return {k: _to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, (tuple, list)):
        return type(batch)(_to_device(v, device) for v in batch)
    return batch


def train_steps(
    model: nn.Module,
    batches: Iterable,
    optimizer: torch.optim.Optimizer,
    *,
    steps: int,
    loss_fn: Callable[[nn.Module, object], torch.Tensor] | None = None,
    max_grad_norm: float | None = None,
    scheduler: object | None = None,
    progress: bool = True,
    desc: str = "training",
    autocast: torch.dtype | None = None,
) -> list[float]:
    """Run ``steps`` optimisation steps and return the loss of each (floats).

    batches: an iterable of batches, each (inputs, targets) for a GPT or a dict of
    keyword arguments for a BERT (moved to the model's device); or any batch together
    with ``loss_fn(model, batch) -> scalar loss``.
    max_grad_norm: clip the global gradient norm to this positive number (None: no clipping).
    scheduler: a learning-rate scheduler stepped after every optimiser step.
    autocast: None (full precision) or torch.bfloat16 / torch.float16: run the forward and the
    loss under ``torch.autocast`` (matmuls in that dtype, weights and optimiser state stay fp32).
    bfloat16 has fp32's range and needs nothing else; float16 does, so its gradients go through
    a ``torch.amp.GradScaler`` (skipped steps still count as steps).
    Puts the model in training mode; shows a tqdm bar with the running loss.
    """
    from lmkit.progress import progress as progress_bar

    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer; got {type(optimizer).__name__}")
    _validate.positive_int("steps", steps)
    if max_grad_norm is not None:  # a negative norm would flip every gradient's sign
        _validate.positive_number("max_grad_norm", max_grad_norm)
    if autocast is not None and autocast not in (torch.bfloat16, torch.float16):
        raise ValueError(f"autocast must be None, torch.bfloat16 or torch.float16; got {autocast!r}")
    loss_fn = _default_loss if loss_fn is None else loss_fn
    device = _model_device(model)
    scaler = torch.amp.GradScaler(device.type) if autocast == torch.float16 else None
    model.train()
    losses: list[float] = []
    batch_iter = iter(batches)
    bar = progress_bar(range(steps), desc=desc, disable=not progress, leave=False)
    for _ in bar:
        try:
            batch = next(batch_iter)
        except StopIteration:
            raise ValueError(f"batches ran out after {len(losses)} of {steps} steps") from None
        with torch.autocast(device.type, dtype=autocast, enabled=autocast is not None):
            loss = loss_fn(model, _to_device(batch, device))
        if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
            raise TypeError("the loss must be a scalar tensor (did the batch carry targets/labels?)")
        optimizer.zero_grad(set_to_none=True)
        (loss if scaler is None else scaler.scale(loss)).backward()
        if scaler is not None:
            scaler.unscale_(optimizer)  # clip the true gradients, not the scaled ones
        if max_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
        if scaler is None:
            optimizer.step()
        else:
            scaler.step(optimizer)
            scaler.update()
        if scheduler is not None:
            scheduler.step()
        losses.append(loss.item())
        bar.set_postfix(loss=f"{losses[-1]:.3f}")
    bar.close()
    return losses


def warmup_then_decay(warmup_steps: int, total_steps: int, *, final: float = 0.1) -> Callable[[int], float]:
    """A learning-rate factor for ``torch.optim.lr_scheduler.LambdaLR``: a linear
    warm-up over ``warmup_steps`` steps, then a linear decay to ``final`` at
    ``total_steps``. Warm-up keeps Adam's first, badly estimated steps small."""
    _validate.non_negative_int("warmup_steps", warmup_steps)
    _validate.positive_int("total_steps", total_steps)
    _validate.number("final", final, low=0.0, high=1.0)

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
        return max(final, 1.0 - (1.0 - final) * progress)

    return factor


# ----------------------------------------------------------------------------
# 04 §2, Exercise "the training loop": the reference the notebook's tests compare with
# ----------------------------------------------------------------------------


def cosine_lr(step: int, *, lr: float, warmup_steps: int, steps: int, min_lr: float = 0.0) -> float:
    """The learning rate of update ``step`` (0-based): a linear warm-up, then a cosine decay.

    step < warmup_steps: ``lr * (step + 1) / warmup_steps`` (the last warm-up step reaches lr);
    then ``min_lr + (lr - min_lr) * (1 + cos(pi * progress)) / 2`` with
    ``progress = (step - warmup_steps) / (steps - warmup_steps)`` clamped to [0, 1], so
    update ``warmup_steps`` uses lr and the rate reaches min_lr at ``step = steps``.
    """
    _validate.non_negative_int("step", step)
    _validate.non_negative_int("warmup_steps", warmup_steps)
    _validate.positive_int("steps", steps)
    if step < warmup_steps:
        return lr * (step + 1) / warmup_steps
    progress = min(1.0, (step - warmup_steps) / max(1, steps - warmup_steps))
    return min_lr + 0.5 * (lr - min_lr) * (1.0 + math.cos(math.pi * progress))


def decay_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    """AdamW parameter groups: weight decay on matrices only.

    Every parameter with ``dim() >= 2`` (the weights of linear layers and the embedding
    tables; with weight tying the token embedding is also the output layer) gets
    ``weight_decay``; vectors (biases, LayerNorm gains and shifts) get 0: shrinking a
    LayerNorm gain towards 0 or a bias towards 0 does not make the model simpler.
    ``model.parameters()`` lists a tied tensor once, so it lands in one group once.
    """
    params = [p for p in model.parameters() if p.requires_grad]
    return [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]


# Devices with a fused AdamW kernel in torch >= 2.4 (one kernel per tensor, not ~10 small ops each).
_FUSED_ADAMW_DEVICES = ("cpu", "cuda")


def adamw(model: nn.Module, *, lr: float, weight_decay: float = 0.1,
          betas: tuple[float, float] = (0.9, 0.95)) -> torch.optim.AdamW:
    """AdamW over :func:`decay_groups`, with torch's fused kernel where it exists.

    The same update as ``torch.optim.AdamW(decay_groups(model, weight_decay), lr=lr, betas=betas)``
    (equal to float rounding, tested), but faster for a small model: the default CPU
    implementation walks the parameter tensors in Python, about ten small ops per tensor, and a
    GPT with separate q/k/v projections has 68 tensors where nanoGPT's fused ``c_attn`` has 52 --
    that loop was what made lmkit's training step slower than nanoGPT's (the forward and backward
    take the same time; ``benchmarks/bench_gpt.py``). ``fused=True`` is used when every parameter
    is a floating tensor on a CPU or CUDA device; elsewhere (MPS, ...) torch picks its default.
    """
    _validate.positive_number("lr", lr)
    groups = decay_groups(model, weight_decay)
    params = [p for group in groups for p in group["params"]]
    fused = bool(params) and all(p.device.type in _FUSED_ADAMW_DEVICES and p.is_floating_point() for p in params)
    return torch.optim.AdamW(groups, lr=lr, betas=betas, fused=True if fused else None)


def _loss_of(output: object) -> torch.Tensor:
    """The loss of a model called with targets: ``(logits, loss)`` (03's MiniGPT) or ``.loss`` (lmkit's GPT)."""
    return output[1] if isinstance(output, (tuple, list)) else output.loss


def mean_loss(model: nn.Module, batches: Iterable) -> float:
    """Mean loss over ``batches`` of (inputs, targets), in eval mode and without gradients;
    the model's mode is restored afterwards."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            losses = [_loss_of(model(x, y)).item() for x, y in batches]
    finally:
        model.train(was_training)
    if not losses:
        raise ValueError("val_batches must hold at least one (inputs, targets) batch")
    return sum(losses) / len(losses)


def train(
    model: nn.Module,
    train_batches: Iterable,
    val_batches: Sequence,
    *,
    steps: int,
    lr: float,
    warmup_steps: int,
    weight_decay: float = 0.1,
    clip_norm: float | None = 1.0,
    eval_every: int = 50,
    progress: bool = False,
    desc: str = "training",
) -> dict[str, list]:
    """04's training loop: AdamW, warm-up + cosine schedule, clipping, held-out evaluation.

    AdamW(decay_groups(model, weight_decay), lr, betas=(0.9, 0.95)); before update ``s`` every
    group's lr is set to ``cosine_lr(s, lr=lr, warmup_steps=warmup_steps, steps=steps,
    min_lr=lr / 10)``. Each step: the next (inputs, targets) of ``train_batches``, the loss,
    ``zero_grad``, ``backward``, the global gradient norm clipped to ``clip_norm`` (None: not
    clipped), the optimiser step. The validation loss (:func:`mean_loss` over ``val_batches``)
    is measured before the first update and after every ``eval_every`` updates and the last.
    Returns {"train_loss", "lr", "grad_norm" (before clipping): one per step; "val_step"
    (updates done), "val_loss"}. Draws no random numbers of its own.
    """
    from lmkit.progress import progress as progress_bar  # a saved notebook keeps its final state

    _validate.positive_int("steps", steps)
    _validate.positive_int("eval_every", eval_every)
    if clip_norm is not None:
        _validate.positive_number("clip_norm", clip_norm)
    optimizer = torch.optim.AdamW(decay_groups(model, weight_decay), lr=lr, betas=(0.9, 0.95))
    history: dict[str, list] = {"train_loss": [], "lr": [], "grad_norm": [], "val_step": [], "val_loss": []}

    def evaluate(done: int) -> None:
        history["val_step"].append(done)
        history["val_loss"].append(mean_loss(model, val_batches))

    model.train()
    evaluate(0)
    batches = iter(train_batches)
    for step in progress_bar(range(steps), desc=desc, disable=not progress, mininterval=1.0):
        inputs, targets = next(batches)
        rate = cosine_lr(step, lr=lr, warmup_steps=warmup_steps, steps=steps, min_lr=lr / 10)
        for group in optimizer.param_groups:
            group["lr"] = rate
        loss = _loss_of(model(inputs, targets))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf if clip_norm is None else clip_norm)
        optimizer.step()
        history["train_loss"].append(loss.item())
        history["lr"].append(rate)
        history["grad_norm"].append(float(norm))
        if (step + 1) % eval_every == 0 or step + 1 == steps:
            evaluate(step + 1)
    return history


class ProbeLM(nn.Module):
    """A bigram language model that records how it was called, for the tests of 04's loop.

    forward(idx (B, L), targets (B, L) | None) -> (logits (B, L, V), loss | None), like 03's
    MiniGPT. The buffer ``calls`` counts forward passes as [training mode with gradients,
    eval mode without gradients, eval mode WITH gradients, training mode without gradients]:
    a correct loop trains in the first and evaluates in the second, never the last two.
    """

    def __init__(self, vocab_size: int = 11, d: int = 8) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, d)
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab_size)
        self.register_buffer("calls", torch.zeros(4, dtype=torch.long))

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None):
        grad = torch.is_grad_enabled()
        slot = {(True, True): 0, (False, False): 1, (False, True): 2, (True, False): 3}[(self.training, grad)]
        self.calls[slot] += 1
        logits = self.head(self.norm(self.embed(idx)))  # (B, L, V)
        loss = None
        if targets is not None:
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))
        return logits, loss
