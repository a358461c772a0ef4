"""Fine-tuning an encoder for classification, and measuring the result.

Backs 05 §2 (a classification head on the pooled output; freezing the encoder),
05 §3 (pretrained vs from scratch) and 05 §4 (evaluation beyond accuracy).

* :class:`ClassificationHead` and :class:`BertClassifier`: a task head on BERT's
  pooled ``[CLS]`` vector, trained with cross-entropy.
* :func:`freeze_encoder` / :func:`count_trainable`: the "frozen encoder" variant,
  where only the head learns.
* :func:`train_classifier` (mini-batches from a shuffling ``DataLoader``, AdamW) and
  :func:`predict`.
* Metrics: :func:`accuracy`, :func:`precision_recall_f1`, :func:`confusion_matrix`.
* :func:`fit_linear_probe`: logistic regression on frozen features (e.g. sentence
  embeddings), trained full-batch.

Typical use::

    encoder, tokenizer = lmkit.pretrained.toy_bert()
    model = BertClassifier(encoder, num_labels=2)
    train_classifier(model, ids, mask, labels, epochs=10, lr=3e-4)
    pred = predict(model, test_ids, test_mask)
    accuracy(pred, test_labels), precision_recall_f1(pred, test_labels)
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from lmkit import _validate
from lmkit.models import BERT

__all__ = [
    "ClassifierOutput",
    "ClassificationHead",
    "BertClassifier",
    "freeze_encoder",
    "count_trainable",
    "train_classifier",
    "predict",
    "accuracy",
    "precision_recall_f1",
    "confusion_matrix",
    "fit_linear_probe",
    "clone_model",
]


# ----------------------------------------------------------------------------
# Input checks
# ----------------------------------------------------------------------------


def _check_labels(name: str, labels: object) -> torch.Tensor:
    if not isinstance(labels, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of class ids; got {type(labels).__name__}")
    if labels.dtype.is_floating_point or labels.dtype == torch.bool or labels.is_complex():
        raise TypeError(f"{name} must hold integer class ids; got dtype {labels.dtype}")
    if labels.dim() != 1:
        raise ValueError(f"{name} must have shape (N,); got {tuple(labels.shape)}")
    if labels.numel() and int(labels.min()) < 0:  # cross-entropy would raise an IndexError naming no argument
        raise ValueError(f"{name} must be class ids >= 0; got {int(labels.min())}")
    return labels.long()


def _check_pair(predictions: object, targets: object) -> tuple[torch.Tensor, torch.Tensor]:
    pred = _check_labels("predictions", predictions)
    gold = _check_labels("targets", targets)
    if pred.shape != gold.shape:
        raise ValueError(f"predictions and targets must have the same shape; got {tuple(pred.shape)} and {tuple(gold.shape)}")
    if pred.numel() == 0:
        raise ValueError("predictions and targets must not be empty")
    return pred, gold.to(pred.device)


# ----------------------------------------------------------------------------
# Model: an encoder with a classification head
# ----------------------------------------------------------------------------


@dataclass
class ClassifierOutput:
    """logits: (B, num_labels); loss: mean cross-entropy, or None without labels."""

    logits: torch.Tensor
    loss: torch.Tensor | None = None


class ClassificationHead(nn.Module):
    """(B, hidden) sentence vector -> dropout -> linear -> (B, num_labels) logits."""

    def __init__(self, hidden_size: int, num_labels: int, dropout: float = 0.1) -> None:
        super().__init__()
        _validate.positive_int("hidden_size", hidden_size)
        _validate.positive_int("num_labels", num_labels)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(hidden_size, num_labels)
        nn.init.normal_(self.out.weight, std=0.02)  # BERT's init: starts close to uniform predictions
        nn.init.zeros_(self.out.bias)

    def forward(self, pooled: torch.Tensor) -> torch.Tensor:
        return self.out(self.drop(pooled))


class BertClassifier(nn.Module):
    """A :class:`~lmkit.models.BERT` encoder + :class:`ClassificationHead` on its pooled output.

    (input_ids (B, L), attention_mask (B, L)) -> encoder -> pooled_output (B, hidden)
    = tanh(dense(h_[CLS])) -> head -> logits (B, num_labels).
    The MLM/NSP pre-training heads are not run (``compute_heads=False``).
    """

    def __init__(self, encoder: BERT, num_labels: int = 2, dropout: float = 0.1) -> None:
        super().__init__()
        if not isinstance(encoder, BERT):
            raise TypeError(f"encoder must be an lmkit BERT; got {type(encoder).__name__}")
        self.encoder = encoder
        self.head = ClassificationHead(encoder.config.hidden_size, num_labels, dropout)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
    ) -> ClassifierOutput:
        pooled = self.encoder(input_ids, attention_mask=attention_mask, compute_heads=False).pooled_output
        logits = self.head(pooled)
        loss = None
        if labels is not None:
            labels = _check_labels("labels", labels)
            if labels.shape[0] != logits.shape[0]:
                raise ValueError(f"labels must have shape ({logits.shape[0]},); got {tuple(labels.shape)}")
            loss = F.cross_entropy(logits.float(), labels)
        return ClassifierOutput(logits=logits, loss=loss)


def freeze_encoder(model: BertClassifier, frozen: bool = True) -> int:
    """Freeze (or unfreeze) every encoder parameter; return the number left trainable.

    The encoder's pooler stays trainable with the head: it was not trained by MLM, so
    freezing it would leave a random projection in front of the head.
    """
    if not isinstance(model, BertClassifier):
        raise TypeError(f"model must be a BertClassifier; got {type(model).__name__}")
    for name, param in model.encoder.named_parameters():
        param.requires_grad_(not frozen or name.startswith("pooler."))
    return count_trainable(model)


def count_trainable(model: nn.Module) -> int:
    """Number of parameters with requires_grad (shared tensors counted once)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# ----------------------------------------------------------------------------
# Training and prediction
# ----------------------------------------------------------------------------


def _check_inputs(input_ids, attention_mask, labels=None) -> None:
    if not isinstance(input_ids, torch.Tensor) or input_ids.dim() != 2:
        raise ValueError(f"input_ids must be a (N, L) tensor; got {getattr(input_ids, 'shape', type(input_ids).__name__)}")
    if not isinstance(attention_mask, torch.Tensor) or attention_mask.shape != input_ids.shape:
        got = tuple(attention_mask.shape) if isinstance(attention_mask, torch.Tensor) else type(attention_mask).__name__
        raise ValueError(f"attention_mask must have the shape of input_ids {tuple(input_ids.shape)}; got {got}")
    if labels is not None:
        labels = _check_labels("labels", labels)
        if labels.shape[0] != input_ids.shape[0]:
            raise ValueError(f"labels must have shape ({input_ids.shape[0]},); got {tuple(labels.shape)}")


def train_classifier(
    model: nn.Module,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    labels: torch.Tensor,
    *,
    epochs: int = 10,
    lr: float = 3e-4,
    batch_size: int = 16,
    weight_decay: float = 0.01,
    seed: int = 0,
    progress: bool = False,
) -> list[float]:
    """Fine-tune ``model`` (a :class:`BertClassifier` or anything with the same call) in place.

    input_ids, attention_mask: (N, L); labels: (N,) class ids. Each epoch visits every
    example once, in mini-batches from a ``DataLoader`` that reshuffles every epoch
    (its order, and dropout, depend only on ``seed``). AdamW at a constant ``lr`` over
    the parameters that require grad. Returns the loss of every step.
    """
    from lmkit.progress import progress as progress_bar

    _check_inputs(input_ids, attention_mask, labels)
    num_labels = getattr(getattr(model, "head", None), "out", None)
    if isinstance(num_labels, nn.Linear) and int(labels.max()) >= num_labels.out_features:
        raise ValueError(f"labels must be class ids in [0, {num_labels.out_features}) (the model's num_labels); "
                         f"got {int(labels.max())}")
    _validate.positive_int("epochs", epochs)
    _validate.positive_int("batch_size", batch_size)
    _validate.positive_number("lr", lr)
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("the model has no trainable parameters")
    device = params[0].device
    torch.manual_seed(seed)  # dropout
    loader = DataLoader(
        TensorDataset(input_ids, attention_mask, labels.long()),
        batch_size=batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    model.train()
    losses: list[float] = []
    for _ in progress_bar(range(epochs), desc="fine-tuning", disable=not progress, leave=False):
        for ids, mask, y in loader:
            loss = model(ids.to(device), mask.to(device), labels=y.to(device)).loss
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    model.eval()
    return losses


@torch.no_grad()
def predict(
    model: nn.Module, input_ids: torch.Tensor, attention_mask: torch.Tensor, *, batch_size: int = 256
) -> torch.Tensor:
    """Arg-max class of every row: (N,) int64 on the CPU. Runs in eval mode (no dropout)."""
    _check_inputs(input_ids, attention_mask)
    _validate.positive_int("batch_size", batch_size)
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    out = []
    for start in range(0, input_ids.shape[0], batch_size):
        ids = input_ids[start : start + batch_size].to(device)
        mask = attention_mask[start : start + batch_size].to(device)
        out.append(model(ids, mask).logits.argmax(-1).cpu())
    model.train(was_training)
    return torch.cat(out)


# ----------------------------------------------------------------------------
# Metrics
# ----------------------------------------------------------------------------


def accuracy(predictions: torch.Tensor, targets: torch.Tensor) -> float:
    """Fraction of predictions equal to the targets, both (N,) class ids."""
    pred, gold = _check_pair(predictions, targets)
    return (pred == gold).float().mean().item()


def precision_recall_f1(
    predictions: torch.Tensor, targets: torch.Tensor, positive: int = 1
) -> tuple[float, float, float]:
    """Precision, recall and F1 of class ``positive`` (binary view of a labelling).

    precision = TP / (TP + FP): of the examples predicted positive, how many are;
    recall = TP / (TP + FN): of the positive examples, how many were found;
    F1 = their harmonic mean 2PR / (P + R). A ratio with a zero denominator is 0.0
    (the convention of scikit-learn's ``zero_division=0``).
    """
    pred, gold = _check_pair(predictions, targets)
    if not isinstance(positive, int) or isinstance(positive, bool):
        raise TypeError(f"positive must be an int class id; got {type(positive).__name__}")
    tp = ((pred == positive) & (gold == positive)).sum().item()
    fp = ((pred == positive) & (gold != positive)).sum().item()
    fn = ((pred != positive) & (gold == positive)).sum().item()
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def confusion_matrix(predictions: torch.Tensor, targets: torch.Tensor, num_labels: int | None = None) -> torch.Tensor:
    """(num_labels, num_labels) int64 counts: entry [i, j] = examples of true class i predicted j."""
    pred, gold = _check_pair(predictions, targets)
    needed = int(max(pred.max(), gold.max())) + 1
    if num_labels is None:
        num_labels = needed
    _validate.positive_int("num_labels", num_labels)
    if needed > num_labels:
        raise ValueError(f"class id {needed - 1} is out of range for num_labels={num_labels}")
    flat = gold * num_labels + pred
    return torch.bincount(flat.cpu(), minlength=num_labels * num_labels).reshape(num_labels, num_labels)


# ----------------------------------------------------------------------------
# Linear probe on frozen features
# ----------------------------------------------------------------------------


def fit_linear_probe(
    features: torch.Tensor,
    labels: torch.Tensor,
    *,
    num_labels: int | None = None,
    weight_decay: float = 1e-3,
    steps: int = 200,
    lr: float = 0.1,
) -> nn.Linear:
    """Multinomial logistic regression on fixed features: returns the trained nn.Linear.

    features: (N, D) float (e.g. sentence embeddings, computed once with the encoder
    frozen); labels: (N,) class ids. Full-batch Adam on cross-entropy + weight_decay *
    ||W||^2 from a zero start, so the result is deterministic.
    """
    if not isinstance(features, torch.Tensor) or not features.is_floating_point() or features.dim() != 2:
        raise TypeError(f"features must be a float (N, D) tensor; got {getattr(features, 'shape', type(features).__name__)}")
    _validate.finite("features", features)
    labels = _check_labels("labels", labels)
    if labels.shape[0] != features.shape[0]:
        raise ValueError(f"labels must have shape ({features.shape[0]},); got {tuple(labels.shape)}")
    num_labels = int(labels.max()) + 1 if num_labels is None else num_labels
    _validate.positive_int("num_labels", num_labels)
    if int(labels.max()) >= num_labels:
        raise ValueError(f"labels must be class ids in [0, {num_labels}) (num_labels); got {int(labels.max())}")
    _validate.positive_int("steps", steps)
    features = features.detach()
    probe = nn.Linear(features.shape[1], num_labels).to(features.device, features.dtype)
    nn.init.zeros_(probe.weight)
    nn.init.zeros_(probe.bias)
    optimizer = torch.optim.Adam(probe.parameters(), lr=lr)
    labels = labels.to(features.device)
    for _ in range(steps):
        loss = F.cross_entropy(probe(features), labels) + weight_decay * probe.weight.pow(2).sum()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    probe.requires_grad_(False)
    return probe


def clone_model(model: nn.Module) -> nn.Module:
    """A deep copy (fresh fine-tuning runs must each start from the same pretrained weights)."""
    return copy.deepcopy(model)
