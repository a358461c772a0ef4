"""Assertions with helpful messages, for the test cells of the course notebooks.

Each helper raises ``AssertionError`` whose message says what was expected and
what was found, checking the cheap, most informative things first: the type,
then the shape, dtype and device, and only then the values. For example::

    check_tensor(x, "x", shape=(3, 4), dtype=torch.float32)
    check_close(x, reference, "x", atol=1e-5, rtol=1e-5)

``forbid_calls`` and ``reference`` (exercises that must not call the reference) live
in ``lmkit.forbid`` and are imported from here, as the notebooks do: the judge
replaces ``lmkit.checks.forbid_calls`` (``lmkit.course.judge.judge``), and a test
cell's ``from lmkit.checks import forbid_calls`` gets the replacement.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ._ban import (  # noqa: F401 - the ban's machinery, importable from here as before
    _BUILTIN_TYPES,
    _C_METHOD_TYPES,
    _CHECKS_FILES,
    _KIND_CACHE,
    _LMKIT,
    _REFERENCE_CODE,
    _SITE,
    _STDLIB,
    _Ban,
    _c_functions_of,
    _codes_of,
    _kind_of_file,
    _library_roots,
    _path_prefix,
    _resolve,
)
from .forbid import _ACTIVE, _MODE_CLASS, _MODE_MACHINERY, _STATE, _profile_hook, _torch_mode_class  # noqa: F401
from .forbid import forbid_calls, reference

__all__ = ["check_tensor", "check_close", "check_probabilities", "forbid_calls", "reference"]


def _shape_text(shape: Any) -> str:
    shape = tuple(shape)
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def check_tensor(
    value: Any,
    name: str,
    *,
    shape: tuple[int | None, ...] | None = None,
    dtype: torch.dtype | None = None,
    device: str | torch.device | None = None,
) -> Tensor:
    """Assert that ``value`` is a torch.Tensor with the given shape, dtype and device.

    In ``shape``, ``None`` matches any size along that axis. ``device`` compares the
    device type and, if given (``"cuda:1"``), the index. Returns ``value``.
    """
    if not isinstance(value, Tensor):
        raise AssertionError(f"expected a torch.Tensor for `{name}`, got {type(value).__name__}")
    if shape is not None:
        shape = tuple(shape)
        matches = len(shape) == value.dim() and all(e is None or e == s for e, s in zip(shape, value.shape))
        if not matches:
            expected = _shape_text("?" if s is None else s for s in shape)
            raise AssertionError(f"`{name}` has the wrong shape: {expected} expected, got {_shape_text(value.shape)}")
    if dtype is not None and value.dtype != dtype:
        raise AssertionError(f"`{name}` has the wrong dtype: {dtype} expected, got {value.dtype}")
    if device is not None:
        wanted = torch.device(device)
        same = value.device.type == wanted.type and (wanted.index is None or value.device.index == wanted.index)
        if not same:
            raise AssertionError(
                f"`{name}` is on the wrong device: {wanted} expected, got {value.device} "
                "(create new tensors on the input's device, e.g. torch.zeros(..., device=x.device))"
            )
    return value


def check_close(actual: Any, expected: Tensor, name: str, *, atol: float = 1e-5, rtol: float = 1e-5) -> None:
    """Assert that ``actual`` matches ``expected`` element-wise within ``atol + rtol·|expected|``.

    ``actual`` is first checked to be a tensor of ``expected``'s shape. On failure
    the message gives the number of mismatches, the first mismatching index with
    both values, and the largest absolute difference. NaNs in the same places match.
    """
    if not isinstance(expected, Tensor):
        raise TypeError(f"expected must be a torch.Tensor; got {type(expected).__name__}")
    check_tensor(actual, name, shape=tuple(expected.shape))
    a = actual.detach().to("cpu", torch.float64)
    e = expected.detach().to("cpu", torch.float64)
    close = torch.isclose(a, e, atol=atol, rtol=rtol, equal_nan=True)
    if bool(close.all()):
        return
    bad = (~close).nonzero()
    first = tuple(int(i) for i in bad[0])
    finite = torch.isfinite(a) & torch.isfinite(e)
    difference = (a - e).abs()[finite]
    max_difference = f"{float(difference.max()):.3g}" if difference.numel() else "n/a"
    where = f"at index {first}" if first else "(a scalar)"
    raise AssertionError(
        f"`{name}` does not match the reference: {bad.shape[0]} of {a.numel()} values differ; "
        f"first {where}: got {a[first].item():.6g}, expected {e[first].item():.6g} "
        f"(max abs difference {max_difference}, atol={atol}, rtol={rtol})"
    )


def check_probabilities(value: Any, name: str, *, dim: int = -1, atol: float = 1e-5) -> Tensor:
    """Assert that ``value`` holds probability distributions along ``dim``.

    That is: a floating-point tensor, finite, no negative entries, and each slice
    along ``dim`` sums to 1 (within ``atol``). Returns ``value``.
    """
    check_tensor(value, name)
    if not value.dtype.is_floating_point:
        raise AssertionError(f"`{name}` should hold probabilities (a float tensor), got dtype {value.dtype}")
    if value.dim() == 0:
        raise AssertionError(f"`{name}` should be a tensor of probabilities, got a scalar")
    if not bool(torch.isfinite(value).all()):
        index = tuple(int(i) for i in (~torch.isfinite(value)).nonzero()[0])
        raise AssertionError(f"`{name}` contains {value[index].item()} at index {index}; probabilities must be finite")
    if bool((value < 0).any()):
        index = tuple(int(i) for i in (value < 0).nonzero()[0])
        raise AssertionError(f"`{name}` has a negative entry {value[index].item():.6g} at index {index}")
    sums = value.sum(dim=dim)
    off = (sums - 1).abs() > atol
    if bool(off.any()):
        index = tuple(int(i) for i in off.nonzero()[0])
        raise AssertionError(
            f"`{name}` should sum to 1 along dim {dim}; the slice at {index or '()'} sums to {sums[index].item():.6g}"
        )
    return value
