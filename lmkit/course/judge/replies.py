"""What a worker's reply changes on the judge's side, for ``WorkerClient.request`` (``client.py``).

``_apply_change`` writes what the student's call did to its arguments (a tensor
changed in place, a module's parameters and flags, an optimizer's state, a
generator's state, a list or dict) back into the judge's objects. ``_collect``,
``_replace`` and ``_RemoteGraph`` join the outputs of a call that need gradients to
the judge's autograd graph: its backward asks the worker for the gradients of the
call's inputs.
"""

from __future__ import annotations

import random
from typing import Any

import torch


def _apply_change(item: Any, change: dict) -> None:
    if isinstance(item, torch.Tensor) and "tensor" in change:
        new = change["tensor"]
        if new.shape == item.shape and new.dtype == item.dtype:
            item.copy_(new)
        else:
            item.data = new
    elif isinstance(item, torch.nn.Module):
        mine = item.state_dict(keep_vars=True)
        for key, tensor in change.get("state", {}).items():
            if key in mine and isinstance(tensor, torch.Tensor):
                if mine[key].shape == tensor.shape:
                    mine[key].copy_(tensor)
                else:
                    mine[key].data = tensor
        for parameter, flag in zip(item.parameters(), change.get("requires_grad", [])):
            parameter.requires_grad_(bool(flag))
        for module, flag in zip(item.modules(), change.get("training", [])):
            module.training = bool(flag)
        for parameter, grad in zip(item.parameters(), change.get("grads", [])):
            parameter.grad = grad if isinstance(grad, torch.Tensor) and grad.shape == parameter.shape else None
    elif isinstance(item, torch.optim.Optimizer) and "optimizer" in change:
        try:
            item.load_state_dict(change["optimizer"])
        except (ValueError, KeyError, TypeError):
            pass
    elif isinstance(item, torch.Generator) and isinstance(change.get("generator"), torch.Tensor):
        item.set_state(change["generator"])
    elif isinstance(item, random.Random) and "random" in change:
        try:
            item.setstate(change["random"])
        except (TypeError, ValueError):
            pass
    elif isinstance(item, list) and "list" in change:
        item[:] = change["list"]
    elif isinstance(item, dict) and "dict" in change:
        item.clear()
        item.update(change["dict"])


def _collect(value: Any, found: list, depth: int = 0) -> None:
    """Tensors that require grad, in the order the worker lists its outputs (worker._tensors)."""
    if depth > 32:
        return
    if isinstance(value, torch.Tensor):
        if getattr(value, "_lm_graph", False):
            found.append(value)
    elif type(value) in (list, tuple):
        for v in value:
            _collect(v, found, depth + 1)
    elif isinstance(value, dict):
        for k, v in value.items():
            _collect(k, found, depth + 1)
            _collect(v, found, depth + 1)


def _replace(value: Any, replacements, depth: int = 0) -> Any:
    if depth > 32:
        return value
    if isinstance(value, torch.Tensor):
        return next(replacements) if getattr(value, "_lm_graph", False) else value
    if type(value) is list:
        return [_replace(v, replacements, depth + 1) for v in value]
    if type(value) is tuple:
        return tuple(_replace(v, replacements, depth + 1) for v in value)
    if isinstance(value, dict):
        return {k: _replace(v, replacements, depth + 1) for k, v in value.items()}
    return value


class _RemoteGraph(torch.autograd.Function):
    """Joins a remote call's outputs to the judge's graph; backward runs in the worker."""

    @staticmethod
    def forward(ctx, client, graph, n_leaves, *tensors):
        ctx.client, ctx.graph, ctx.generation, ctx.n_leaves = client, graph, client.generation, n_leaves
        ctx.leaf_shapes = [t.shape for t in tensors[:n_leaves]]
        outputs = tuple(t.clone() for t in tensors[n_leaves:])
        return outputs if len(outputs) != 1 else outputs[0]

    @staticmethod
    def backward(ctx, *grads):
        leaf_grads = ctx.client.backward(ctx.graph, ctx.generation, grads)
        # The anchor (first leaf) gets no gradient; the judge's leaves get the worker's.
        returned = [None]
        for shape, grad in zip(ctx.leaf_shapes[1:], list(leaf_grads) + [None] * len(ctx.leaf_shapes)):
            returned.append(grad if isinstance(grad, torch.Tensor) and grad.shape == shape else None)
        return (None, None, None, *returned, *[None] * len(grads))
