"""What GPT and BERT share: the loss's ignore label, input checks, weight initialisation.

Backs 03 §6 (counting parameters of the initialised models) and 04 §2-3 (the
losses skip label -100). Private to :mod:`lmkit.models`.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from lmkit._validate import ids_in_range, int_tensor
from lmkit._validate import tensor as _validate_tensor

IGNORE_INDEX = -100  # label value that the losses skip (padding, unmasked tokens); the one definition


def _check_heads_divide(width_name: str, width: int, num_heads: int) -> None:
    if width % num_heads != 0:
        raise ValueError(
            f"{width_name} ({width}) must be divisible by the number of heads ({num_heads}); "
            f"got a remainder of {width % num_heads}"
        )


def _check_token_ids(name: str, ids: object, vocab_size: int) -> torch.Tensor:
    """Check that ``ids`` is a non-empty (B, L) integer tensor with values in [0, vocab_size)."""
    int_tensor(name, ids, shape="(B, L)")
    if ids.dim() != 2:
        raise ValueError(f"{name} must have shape (B, L); got {tuple(ids.shape)}")
    if ids.numel() == 0:
        raise ValueError(f"{name} must not be empty; got shape {tuple(ids.shape)}")
    ids_in_range(name, ids, vocab_size)
    return ids.long()


def _check_same_shape(name: str, tensor: torch.Tensor | None, shape: torch.Size, shape_name: str) -> None:
    if tensor is None:
        return
    _validate_tensor(name, tensor)
    if tensor.shape != shape:
        raise ValueError(f"{name} must have the shape of {shape_name} {tuple(shape)}; got {tuple(tensor.shape)}")


def _init_gpt2_style(module: nn.Module, std: float = 0.02) -> None:
    """GPT-2 / BERT initialisation: N(0, std) weights, zero biases, unit LayerNorms."""
    if isinstance(module, nn.Linear):
        nn.init.normal_(module.weight, mean=0.0, std=std)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.Embedding):
        nn.init.normal_(module.weight, mean=0.0, std=std)
        if module.padding_idx is not None:
            with torch.no_grad():
                module.weight[module.padding_idx].zero_()
    elif isinstance(module, nn.LayerNorm):
        if module.weight is not None:
            nn.init.ones_(module.weight)
        if module.bias is not None:
            nn.init.zeros_(module.bias)


def _stack_attentions(weights: list[torch.Tensor | None]) -> torch.Tensor | None:
    """Per-layer (B, H, L, Lk) weights -> one (n_layer, B, H, L, Lk) tensor."""
    if any(w is None for w in weights):
        return None  # a backend that cannot return weights (checked earlier)
    return torch.stack(weights)
