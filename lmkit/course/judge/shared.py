"""What the judge and the worker must agree on: how arguments are walked.

After each call the worker sends back what the student's code changed in the
arguments (a tensor modified in place, a list appended to, a model whose weights
or ``requires_grad`` flags were set, a generator that was drawn from), and the judge
applies it to its own objects, so ``freeze(model)`` or an in-place bug behaves as it
would in one process. Gradients flow back the same way: the tensors that require
grad, in walk order, are the call's leaves on both sides. Both sides therefore walk
the arguments with ``items`` below, which visits the same objects in the same order
on each side of the channel.
"""

from __future__ import annotations

import random
from typing import Any, Callable, Iterator

import torch

SKIP = object()  # marks an argument that lives in the worker already (a handle): nothing to send back


def items(args: tuple, kwargs: dict, is_remote: Callable[[Any], bool]) -> Iterator[Any]:
    """Tensors, modules, optimizers, generators, lists and dicts among the arguments, in a fixed order."""
    stack: list[Any] = [list(args), [kwargs[k] for k in sorted(kwargs)]]
    seen: set[int] = set()

    def walk(value: Any, depth: int) -> Iterator[Any]:
        if depth > 32 or id(value) in seen:
            return
        if is_remote(value):
            yield SKIP
            return
        if isinstance(value, (torch.Tensor, torch.nn.Module, torch.optim.Optimizer, torch.Generator,
                              random.Random)):
            seen.add(id(value))
            yield value
            return
        if isinstance(value, (list, dict)):
            seen.add(id(value))
            yield value
            children = value if isinstance(value, list) else [value[k] for k in value]
            for child in children:
                yield from walk(child, depth + 1)
        elif isinstance(value, tuple):
            for child in value:
                yield from walk(child, depth + 1)

    for group in stack:
        for value in group:
            yield from walk(value, 0)


def leaves(walked: list[Any]) -> list[torch.Tensor]:
    """The tensors gradients flow back to: float tensors that require grad, and trainable parameters."""
    found: list[torch.Tensor] = []
    for item in walked:
        if isinstance(item, torch.Tensor) and item.requires_grad:
            found.append(item)
        elif isinstance(item, torch.nn.Module):
            found += [p for p in item.parameters() if p.requires_grad]
    return found
