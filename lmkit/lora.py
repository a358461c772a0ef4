"""LoRA: low-rank adapters on frozen ``nn.Linear`` layers (Hu et al., 2021).

Backs 05 §6 (parameter-efficient fine-tuning: LoRA on the label-efficiency
comparison, accuracy against trainable parameters for full, frozen and LoRA
fine-tuning).

A pretrained layer computes ``y = x W^T + b`` with W (out, in). LoRA keeps W and b
frozen and learns a low-rank change ``ΔW = (alpha / r) · B A`` with A (r, in) and
B (out, r)::

    y = x W^T + b + (alpha / r) · dropout(x) A^T B^T

B starts at zero, so the wrapped layer starts *exactly* equal to the base layer and
fine-tuning moves away from the pretrained model gradually. A layer of width
(in, out) trains r·(in + out) numbers instead of in·out (+ out): with r = 4 on a
64 × 64 projection, 512 instead of 4,160.

After training, :meth:`LoRALinear.merge` folds ΔW into W, so inference costs
nothing extra; :meth:`LoRALinear.unmerge` gives the original W back bit for bit.

Typical use::

    model, tok = lmkit.pretrained.toy_bert()
    clf = BertClassifier(model, num_labels=2)
    apply_lora(clf, ["q_proj", "v_proj"], r=4, alpha=8, keep_trainable=["head"])
    count_trainable(clf)       # only A, B (and the head) learn
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from lmkit import _validate
from lmkit.finetuning import count_trainable

__all__ = ["LoRALinear", "apply_lora", "lora_parameters", "lora_layers", "lora_parameter_count",
           "count_trainable", "merge_lora", "unmerge_lora"]


def lora_parameter_count(in_features: int, out_features: int, r: int) -> int:
    """Trainable numbers of one LoRA adapter: A (r, in) + B (out, r) = r·(in + out)."""
    for name, value in (("in_features", in_features), ("out_features", out_features), ("r", r)):
        _validate.positive_int(name, value)
    return r * (in_features + out_features)


class LoRALinear(nn.Module):
    """A frozen ``nn.Linear`` plus a trainable low-rank update.

    base: the layer to adapt (kept as ``self.base``; its weight and bias are frozen).
    r: the rank, 1 <= r <= min(in_features, out_features).
    alpha: the scale; the update is multiplied by ``scaling = alpha / r``, so changing r
        does not change the update's size at initialisation of training.
    dropout: dropout on the adapter's input only (the base path is unchanged).

    x (..., in_features) -> (..., out_features), like the base layer. A (r, in) and B
    (out, r) live on the base layer's device, in its dtype.
    """

    def __init__(self, base: nn.Linear, r: int, alpha: float, dropout: float = 0.0) -> None:
        super().__init__()
        if isinstance(base, LoRALinear):
            raise TypeError("base is already a LoRALinear; wrap the plain nn.Linear once")
        if not isinstance(base, nn.Linear):
            raise TypeError(f"base must be a torch.nn.Linear; got {type(base).__name__}")
        _validate.positive_int("r", r)
        if r > min(base.in_features, base.out_features):
            raise ValueError(f"r must be <= min(in_features, out_features) = "
                             f"{min(base.in_features, base.out_features)} for this layer; got {r}")
        self.scaling = _validate.positive_number("alpha", alpha) / r
        self.r, self.alpha = r, float(alpha)
        self.in_features, self.out_features = base.in_features, base.out_features
        self.base = base
        for p in base.parameters():
            p.requires_grad_(False)
        factory = {"device": base.weight.device, "dtype": base.weight.dtype}
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features, **factory))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r, **factory))  # zero: starts as the base
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))  # as nn.Linear's own weights
        self.dropout = nn.Dropout(_validate.probability("dropout", dropout))
        self.merged = False
        self._saved_weight: torch.Tensor | None = None

    def delta_weight(self) -> torch.Tensor:
        """ΔW = scaling · B A, shape (out_features, in_features)."""
        return self.scaling * (self.lora_B @ self.lora_A)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (..., in_features) -> (..., out_features)."""
        _validate.float_tensor("x", x, f"(..., {self.in_features})")
        if x.dim() == 0 or x.shape[-1] != self.in_features:
            raise ValueError(f"x must have shape (..., {self.in_features}); got {tuple(x.shape)}")
        out = self.base(x)
        if self.merged:  # ΔW is inside base.weight already
            return out
        return out + self.scaling * F.linear(F.linear(self.dropout(x), self.lora_A), self.lora_B)

    @torch.no_grad()
    def merge(self) -> None:
        """Fold ΔW into the base weight (one matmul per call at inference, no adapter path).

        The original weight is kept aside, because (W + ΔW) - ΔW is not W in floating
        point; :meth:`unmerge` restores it exactly. Merging twice is a no-op.
        """
        if self.merged:
            return
        self._saved_weight = self.base.weight.detach().clone()
        self.base.weight.add_(self.delta_weight().to(self.base.weight.dtype))
        self.merged = True

    @torch.no_grad()
    def unmerge(self) -> None:
        """Put the original base weight back (bit-exact); the adapter path runs again."""
        if not self.merged:
            return
        self.base.weight.copy_(self._saved_weight)
        self._saved_weight = None
        self.merged = False

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, r={self.r}, "
                f"alpha={self.alpha:g}, merged={self.merged}")


def _target_predicate(target: Sequence[str] | Callable[[str, nn.Module], bool]) -> Callable[[str, nn.Module], bool]:
    """Names -> a predicate: a layer matches when its qualified name is a name or ends with '.' + name."""
    if callable(target):
        return target
    _validate.word_sequence("target", target)
    names = list(target) if isinstance(target, (list, tuple, set, frozenset)) else None
    if not names or not all(isinstance(n, str) and n for n in names):
        raise TypeError(f"target must be a non-empty list of layer names (e.g. ['q_proj', 'v_proj']) "
                        f"or a predicate (name, module) -> bool; got {_validate.describe(target)}")
    return lambda qualified, _module: any(qualified == n or qualified.endswith("." + n) for n in names)


def _shared_weights(model: nn.Module) -> dict[int, list[str]]:
    """id(parameter) -> every qualified name it has (a tied weight has several)."""
    names: dict[int, list[str]] = {}
    for name, p in model.named_parameters(remove_duplicate=False):
        names.setdefault(id(p), []).append(name)
    return names


def apply_lora(
    model: nn.Module,
    target: Sequence[str] | Callable[[str, nn.Module], bool],
    r: int,
    alpha: float,
    *,
    dropout: float = 0.0,
    keep_trainable: Sequence[str] = (),
) -> list[str]:
    """Wrap the chosen ``nn.Linear`` layers of ``model`` in :class:`LoRALinear`, in place.

    target: layer names such as ``["q_proj", "v_proj"]`` (a layer matches when its
        qualified name, e.g. ``blocks.0.attn.q_proj``, is one of them or ends with
        ``.<name>``), or a predicate ``(qualified_name, module) -> bool``.
    keep_trainable: prefixes of parameter names that stay trainable (a new task head,
        e.g. ``["head"]``); every other parameter of the model is frozen.
    Returns the qualified names of the wrapped layers, in model order. Raises
    ValueError when nothing matches, and for a layer whose weight is tied to another
    parameter (GPT's ``lm_head`` shares ``wte``: merging would change the embedding).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    matches = _target_predicate(target)
    _validate.word_sequence("keep_trainable", keep_trainable)
    keep = tuple(keep_trainable)
    tied = _shared_weights(model)
    chosen = [(name, m) for name, m in model.named_modules()
              if name and type(m) is nn.Linear and matches(name, m)]
    if not chosen:
        linears = [name for name, m in model.named_modules() if type(m) is nn.Linear]
        raise ValueError(f"target matched no nn.Linear layer of the model; its linear layers are "
                         f"{linears[:8]}{' ...' if len(linears) > 8 else ''}")
    for name, m in chosen:
        if len(tied[id(m.weight)]) > 1:
            raise ValueError(f"layer {name!r} shares its weight with {tied[id(m.weight)]}; "
                             "LoRA on a tied weight would change the other use too (leave it out of target)")
    for name, p in model.named_parameters():
        p.requires_grad_(name.startswith(keep) if keep else False)
    for name, m in chosen:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, LoRALinear(m, r, alpha, dropout))
    return [name for name, _ in chosen]


def lora_layers(model: nn.Module) -> dict[str, LoRALinear]:
    """Qualified name -> every :class:`LoRALinear` in ``model``."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    return {name: m for name, m in model.named_modules() if isinstance(m, LoRALinear)}


def lora_parameters(model: nn.Module) -> list[nn.Parameter]:
    """The A and B matrices of every adapter (what an optimiser for LoRA needs)."""
    return [p for layer in lora_layers(model).values() for p in (layer.lora_A, layer.lora_B)]


def merge_lora(model: nn.Module) -> int:
    """Merge every adapter of ``model`` (see :meth:`LoRALinear.merge`); returns how many."""
    layers = lora_layers(model)
    for layer in layers.values():
        layer.merge()
    return len(layers)


def unmerge_lora(model: nn.Module) -> int:
    """Undo :func:`merge_lora`: every base weight back bit-exactly; returns how many."""
    layers = lora_layers(model)
    for layer in layers.values():
        layer.unmerge()
    return len(layers)
