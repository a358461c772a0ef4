"""A fine-tuning loop with early stopping on a validation split.

Backs 05 §3 (your own fine-tuning loop: train a classifier, score it on validation
data after every epoch, stop when the score has not improved for ``patience``
epochs, and put back the weights of the best epoch).

Why the validation split and not the training loss: the training loss keeps falling
while the model starts to fit its few labelled examples too closely (overfitting);
the validation score shows where that begins. Why not the test split: a number used
to decide when to stop is no longer an unbiased estimate of new data.

Typical use::

    model = BertClassifier(clone_model(encoder), num_labels=2)
    score = lambda m: accuracy(predict(m, val_ids, val_mask), val_labels)
    history = fine_tune(model, (ids, mask, labels), score, lr=3e-4, max_epochs=30, patience=3)
    history["best_epoch"], history["val_score"]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from lmkit import _validate

__all__ = ["fine_tune"]


def _check_data(train_data: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    if not isinstance(train_data, (tuple, list)) or len(train_data) != 3:
        raise TypeError("train_data must be a tuple (input_ids (N, L), attention_mask (N, L), labels (N,))")
    ids, mask, labels = train_data
    for name, t in (("input_ids", ids), ("attention_mask", mask), ("labels", labels)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor; got {type(t).__name__}")
    if ids.dim() != 2 or mask.shape != ids.shape or labels.shape != (ids.shape[0],):
        raise ValueError(f"expected input_ids and attention_mask (N, L) and labels (N,); got "
                         f"{tuple(ids.shape)}, {tuple(mask.shape)} and {tuple(labels.shape)}")
    return ids, mask, labels.long()


def fine_tune(
    model: nn.Module,
    train_data: Sequence[torch.Tensor],
    evaluate: Callable[[nn.Module], float],
    *,
    lr: float,
    max_epochs: int = 20,
    patience: int = 3,
    batch_size: int = 16,
    seed: int = 0,
) -> dict:
    """Train ``model`` in place with early stopping; returns the history.

    model: called as ``model(input_ids, attention_mask)``, returning an object with
        ``.logits`` (B, C) (a :class:`~lmkit.finetuning.BertClassifier`).
    train_data: (input_ids (N, L), attention_mask (N, L), labels (N,)).
    evaluate: ``evaluate(model) -> float``, the validation score (higher is better),
        called after every epoch with the model in eval mode.

    Each epoch: shuffled mini-batches (a ``DataLoader`` whose generator is seeded with
    ``seed``; ``torch.manual_seed(seed)`` once at the start, for dropout), cross-entropy,
    AdamW over the parameters that require grad. An epoch improves when its score is
    strictly above the best so far; after ``patience`` epochs in a row without one,
    training stops. The best epoch's weights are loaded back (a copy of the state
    taken then, so bit-exact) and the model is left in eval mode.

    Returns {"train_loss": mean loss per epoch, "val_score": score per epoch,
    "best_epoch": the epoch (1-based) whose weights the model now holds}.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    if not callable(evaluate):
        raise TypeError(f"evaluate must be a function model -> score; got {type(evaluate).__name__}")
    ids, mask, labels = _check_data(train_data)
    _validate.positive_number("lr", lr)
    for name, value in (("max_epochs", max_epochs), ("patience", patience), ("batch_size", batch_size)):
        _validate.positive_int(name, value)
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("the model has no trainable parameters")
    device = params[0].device
    torch.manual_seed(seed)  # dropout
    loader = DataLoader(TensorDataset(ids, mask, labels), batch_size=batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    optimizer = torch.optim.AdamW(params, lr=lr)
    history: dict = {"train_loss": [], "val_score": [], "best_epoch": 0}
    best_score, best_state, waited = -math.inf, None, 0
    for epoch in range(1, max_epochs + 1):
        model.train()
        total, count = 0.0, 0
        for x, m, y in loader:
            logits = model(x.to(device), m.to(device)).logits
            loss = F.cross_entropy(logits.float(), y.to(device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total, count = total + loss.item() * len(y), count + len(y)
        model.eval()
        score = float(evaluate(model))
        history["train_loss"].append(total / count)
        history["val_score"].append(score)
        if score > best_score:  # strictly better: a tie does not reset the patience
            best_score, waited, history["best_epoch"] = score, 0, epoch
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            waited += 1
            if waited >= patience:
                break
    model.load_state_dict(best_state)
    model.eval()
    return history
