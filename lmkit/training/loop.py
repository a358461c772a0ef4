"""The training loop: batches in, optimiser steps out, with clipping and a schedule.

Backs 04 §2-3 (training the GPT and the BERT of the notebook), 04 §6 (the loop that
a checkpoint resumes) and the toy BERT of 05 §1 (:mod:`lmkit.hub.toy`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

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
    from tqdm.auto import tqdm

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
    bar = tqdm(range(steps), desc=desc, disable=not progress, leave=False)
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
