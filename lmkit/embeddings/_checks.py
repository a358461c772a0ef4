"""Input checks of the word-vector functions (private).

Generic checks (tensors, positive ints, generators) live in :mod:`lmkit._validate`;
these are the ones that know about word vectors: ids of a vocabulary, (V,) word
counts, (N, d) matrices and sentence boundaries.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from lmkit._validate import finite, tensor


def _check_ids(ids: Any, name: str = "ids", *, vocab_size: int | None = None, ndim: int | None = None) -> Tensor:
    """Check that ``ids`` is an integer tensor (of rank ``ndim``) with values in [0, vocab_size)."""
    tensor(name, ids)
    if ids.dtype.is_floating_point or ids.dtype.is_complex or ids.dtype == torch.bool:
        raise TypeError(f"{name} must be an integer tensor (e.g. torch.long); got dtype {ids.dtype}")
    if ndim is not None and ids.dim() != ndim:
        expected = "(N,)" if ndim == 1 else f"a tensor of rank {ndim}"
        raise ValueError(f"{name} must have shape {expected}; got {tuple(ids.shape)}")
    if vocab_size is not None and ids.numel() > 0:
        low, high = int(ids.min()), int(ids.max())
        if low < 0 or high >= vocab_size:
            bad = low if low < 0 else high
            raise ValueError(f"{name} must lie in [0, {vocab_size}) (the vocabulary size); got id {bad}")
    return ids


def _check_float_matrix(matrix: Any, name: str, *, square: bool = False) -> Tensor:
    tensor(name, matrix)
    if not matrix.dtype.is_floating_point:
        raise TypeError(f"{name} must be a floating-point tensor; got dtype {matrix.dtype}")
    if matrix.dim() != 2 or (square and matrix.shape[0] != matrix.shape[1]):
        expected = "(V, V)" if square else "(N, d)"
        raise ValueError(f"{name} must have shape {expected}; got {tuple(matrix.shape)}")
    if matrix.numel() == 0:
        raise ValueError(f"{name} must not be empty; got shape {tuple(matrix.shape)}")
    return finite(name, matrix)  # one NaN would turn every similarity or SVD into NaN


def _check_counts(counts: Any, name: str = "counts") -> Tensor:
    """Check a (V,) tensor of non-negative word counts with a positive total."""
    tensor(name, counts)
    if counts.dim() != 1 or counts.numel() == 0:
        raise ValueError(f"{name} must have shape (V,) with V >= 1; got {tuple(counts.shape)}")
    if counts.dtype == torch.bool or counts.dtype.is_complex:
        raise TypeError(f"{name} must hold real numbers; got dtype {counts.dtype}")
    finite(name, counts)  # a NaN count would silently become probability 0
    if bool((counts < 0).any()):
        raise ValueError(f"{name} must be non-negative; got minimum {counts.min().item()}")
    if float(counts.sum()) <= 0:
        raise ValueError(f"{name} must have a positive total; got all zeros")
    return counts


def _rand(shape: tuple[int, ...], generator: torch.Generator | None, device: torch.device) -> Tensor:
    """Uniform [0, 1) numbers drawn on the generator's device, returned on ``device``."""
    where = generator.device if generator is not None else device
    return torch.rand(shape, generator=generator, device=where).to(device)


def _check_sentence_ids(sentence_ids: Tensor | None, ids: Tensor) -> Tensor | None:
    if sentence_ids is None:
        return None
    _check_ids(sentence_ids, "sentence_ids", ndim=1)
    if sentence_ids.shape != ids.shape:
        raise ValueError(f"sentence_ids must have the shape of ids {tuple(ids.shape)}; got {tuple(sentence_ids.shape)}")
    return sentence_ids.to(ids.device)


def _same_sentence(sentence_ids: Tensor | None, left: Tensor, right: Tensor) -> Tensor | bool:
    """Mask of positions ``left[i]``/``right[i]`` lying in the same sentence (True if no sentences given)."""
    if sentence_ids is None:
        return True
    return sentence_ids[left] == sentence_ids[right]
