"""Causal-LM data: a token stream cut into (inputs, targets) blocks, shifted by one.

Backs 04 §2, Exercise 3 (next-token blocks, :func:`token_blocks`) and the random
batches every GPT training loop of 03 §7 and 04 §6-7 draws (:func:`batch_blocks`,
nanoGPT's ``get_batch``). Every position predicts the token after it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import torch

from lmkit import _validate


def _as_id_tensor(name: str, ids: object) -> torch.Tensor:
    """A 1-D int64 tensor of token ids (>= 0) from a list of ints or an integer tensor.

    Float ids are refused, not truncated: ``[1.7, 2.2]`` is not a token stream.
    """
    if isinstance(ids, torch.Tensor):
        _validate.int_tensor(name, ids)
        tensor = ids.long()
    elif isinstance(ids, np.ndarray):
        if not np.issubdtype(ids.dtype, np.integer):
            raise _validate.ArgumentTypeError(f"{name} must hold integer token ids; got NumPy dtype {ids.dtype}")
        tensor = torch.as_tensor(ids.astype(np.int64))
    elif isinstance(ids, (list, tuple)):
        tensor = torch.tensor(_validate.int_list(name, ids), dtype=torch.long)
    else:
        raise _validate.ArgumentTypeError(f"{name} must be a 1-D tensor or list of token ids; got {type(ids).__name__}")
    if tensor.dim() != 1:
        raise ValueError(f"{name} must be 1-D (one token stream); got shape {tuple(tensor.shape)}")
    if tensor.numel() and int(tensor.min()) < 0:
        raise ValueError(f"{name} must be token ids >= 0; got {int(tensor.min())}")
    return tensor


def token_blocks(ids: Sequence[int] | torch.Tensor, block_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Cut a token stream into non-overlapping next-token-prediction blocks.

    ids: a 1-D stream of N token ids. Block i covers ids[i*T : i*T + T + 1]; its
    inputs are the first T ids and its targets the last T (shifted by one), so
    ``targets[i, t]`` is the token that follows ``inputs[i, t]``.
    Returns (inputs, targets), both (n_blocks, T) int64 with n_blocks = (N - 1) // T;
    a tail too short for a whole block is dropped.
    """
    stream = _as_id_tensor("ids", ids)
    _validate.positive_int("block_size", block_size)
    n_blocks = (stream.numel() - 1) // block_size
    if n_blocks < 1:
        raise ValueError(
            f"need at least block_size + 1 = {block_size + 1} tokens for one block; got {stream.numel()}"
        )
    used = stream[: n_blocks * block_size + 1]
    inputs = used[:-1].reshape(n_blocks, block_size)
    targets = used[1:].reshape(n_blocks, block_size)
    return inputs, targets


def batch_blocks(
    ids: Sequence[int] | torch.Tensor,
    block_size: int,
    batch_size: int,
    *,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    n_batches: int | None = None,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Random batches of next-token blocks, as nanoGPT's ``get_batch``.

    The stream is endless unless ``n_batches`` is given: take batches with
    ``next()``, ``zip`` or :func:`lmkit.training.train_steps` (which stops after
    ``steps``); ``list(batch_blocks(...))`` without ``n_batches`` never returns.

    Each row is a window of block_size + 1 consecutive tokens starting at a random
    offset: inputs = window[:-1], targets = window[1:]. Yields (inputs, targets),
    each (batch_size, block_size) int64 on ``device``.
    The only state is ``generator``: restore its state (see :func:`save_checkpoint`)
    and a new iterator continues with exactly the batches the old one would have given.
    """
    stream = _as_id_tensor("ids", ids)
    _validate.positive_int("block_size", block_size)
    _validate.positive_int("batch_size", batch_size)
    _validate.generator("generator", generator)
    if n_batches is not None:
        _validate.positive_int("n_batches", n_batches)
    n_starts = stream.numel() - block_size  # last valid start leaves room for the shifted target
    if n_starts < 1:
        raise ValueError(f"need more than block_size = {block_size} tokens; got {stream.numel()}")
    offsets = torch.arange(block_size + 1)
    drawn = 0
    while n_batches is None or drawn < n_batches:
        drawn += 1
        starts = torch.randint(n_starts, (batch_size,), generator=generator)
        windows = stream[starts[:, None] + offsets]  # (B, T + 1)
        yield windows[:, :-1].to(device), windows[:, 1:].to(device)
