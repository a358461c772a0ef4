"""Argument checks shared by every lmkit kernel (private: not part of the course API).

Every check takes the argument's *name* first, then its value, and raises an error
whose message says three things: which argument, what was expected, what was given
("block_size must be a positive int; got 2.5 (float)"). A student who passes the
wrong thing should learn from the message what to pass instead, without reading a
torch traceback.

Wrong types raise :class:`ArgumentTypeError`, which is both a ``TypeError`` and a
``ValueError``: code (and tests) written when some of these checks raised
``ValueError`` for a float where an int belongs keep working.

torch is imported inside the tensor checks only, so the pure-Python tokenisers can
use this module without importing torch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type (catch it as TypeError or ValueError)."""


def describe(value: Any) -> str:
    """``2.5 (float)``, ``'8' (str)``, ``tensor of shape (2, 3) and dtype torch.float32``."""
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    if shape is not None and dtype is not None:
        return f"a tensor of shape {tuple(shape)} and dtype {dtype}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


# ----------------------------------------------------------------------------
# Python numbers
# ----------------------------------------------------------------------------


def is_int(value: Any) -> bool:
    """True for Python (and NumPy) integers, but not for bool (True is not a size)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return type(value).__module__ == "numpy" and "int" in type(value).__name__


def _int_at_least(name: str, value: Any, low: int, expected: str) -> int:
    if not is_int(value):
        raise ArgumentTypeError(f"{name} must be {expected}; got {describe(value)}")
    if value < low:
        raise ValueError(f"{name} must be {expected}; got {value!r}")
    return int(value)


def positive_int(name: str, value: Any) -> int:
    """``value`` as an int >= 1 (a size, a count, a number of steps)."""
    return _int_at_least(name, value, 1, "a positive int")


def non_negative_int(name: str, value: Any) -> int:
    """``value`` as an int >= 0 (an offset, a step counter, an id)."""
    return _int_at_least(name, value, 0, "an int >= 0")


def integer(name: str, value: Any) -> int:
    """Any int (a seed may be negative)."""
    if not is_int(value):
        raise ArgumentTypeError(f"{name} must be an int; got {describe(value)}")
    return int(value)


def number(name: str, value: Any, *, low: float | None = None, high: float | None = None,
           low_open: bool = False, high_open: bool = False, what: str | None = None) -> float:
    """A finite real number, optionally inside [low, high] (open ends with ``*_open``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if not (type(value).__module__ == "numpy" and hasattr(value, "__float__")):
            raise ArgumentTypeError(f"{name} must be {what or 'a number'}; got {describe(value)}")
    value = float(value)
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if not math.isfinite(value) or too_low or too_high:
        if what is None:
            left = "(" if low_open else "["
            right = ")" if high_open else "]"
            what = f"a finite number in {left}{'-inf' if low is None else low}, {'inf' if high is None else high}{right}"
        raise ValueError(f"{name} must be {what}; got {value!r}")
    return value


def positive_number(name: str, value: Any) -> float:
    """A finite number > 0 (a learning rate, a temperature, a threshold)."""
    return number(name, value, low=0.0, low_open=True, what="a positive finite number")


def probability(name: str, value: Any, *, include_one: bool = False) -> float:
    """A rate in [0, 1) (dropout: 1 would drop everything) or [0, 1] with ``include_one``."""
    what = f"a float in [0, 1{']' if include_one else ')'}"
    return number(name, value, low=0.0, high=1.0, high_open=not include_one, what=what)


def choice(name: str, value: Any, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}; got {value!r}")
    return value


def int_list(name: str, ids: Any) -> list[int]:
    """A Python sequence of ints (the pure-Python tokenisers' ids) as a list."""
    if isinstance(ids, (str, bytes)) or not isinstance(ids, Sequence):
        raise ArgumentTypeError(f"{name} must be a list of int; got {type(ids).__name__}")
    for i in ids:
        if not is_int(i):
            raise ArgumentTypeError(f"{name} must contain only int; got {type(i).__name__} ({i!r})")
    return [int(i) for i in ids]


def word_sequence(name: str, value: Any) -> Any:
    """Reject a plain string where a sequence of words (or sentences) belongs.

    Python happily iterates over a str, one character at a time, so
    ``Vocabulary.build("the cat")`` would quietly count letters.
    """
    if isinstance(value, (str, bytes)):
        raise ArgumentTypeError(
            f"{name} must be a list of words (or of sentences), not one {type(value).__name__}; "
            f"got {describe(value)} (split it first, e.g. with str.split())"
        )
    return value


# ----------------------------------------------------------------------------
# Tensors
# ----------------------------------------------------------------------------


def tensor(name: str, value: Any, shape: str | None = None):
    """``value`` if it is a torch.Tensor; ``shape`` (e.g. "(B, L)") goes into the message."""
    import torch

    if not isinstance(value, torch.Tensor):
        expected = f"a torch.Tensor of shape {shape}" if shape else "a torch.Tensor"
        raise ArgumentTypeError(f"{name} must be {expected}; got {type(value).__name__}")
    return value


def is_integer_dtype(dtype) -> bool:
    import torch

    return not (dtype.is_floating_point or dtype.is_complex or dtype == torch.bool)


def int_tensor(name: str, value: Any, *, what: str = "integer token ids (torch.long)", shape: str | None = None):
    """An integer tensor. Float ids are refused rather than truncated by ``.long()``:
    ``torch.full((2, 5), 1.7).long()`` is all ones, a silent wrong answer."""
    tensor(name, value, shape)
    if not is_integer_dtype(value.dtype):
        raise ArgumentTypeError(f"{name} must hold {what}; got dtype {value.dtype}")
    return value


def float_tensor(name: str, value: Any, shape: str | None = None):
    tensor(name, value, shape)
    if not value.dtype.is_floating_point:
        raise ArgumentTypeError(f"{name} must be a floating-point tensor; got dtype {value.dtype}")
    return value


def finite(name: str, value):
    """Refuse NaN/inf in a float tensor (they would spread silently through every sum)."""
    import torch

    if value.dtype.is_floating_point and value.numel() and not bool(torch.isfinite(value).all()):
        bad = "NaN" if bool(torch.isnan(value).any()) else "inf"
        raise ValueError(f"{name} must hold finite numbers; got {bad}")
    return value


def ids_in_range(name: str, ids, high: int, *, ignore: int | None = None, what: str = "token ids"):
    """Every id in [0, high) (``ignore``, e.g. -100 for the loss, is allowed too)."""
    _check_range(name, ids, high, ignore, what, require_one=False)
    return ids


def _check_range(name: str, ids, high: int, ignore: int | None, what: str, *, require_one: bool) -> None:
    """Range (and "not all ignored") check with one device sync: min, max and the count
    of kept entries come back together, so a GPU training step waits once, not three times."""
    import torch

    if ids.numel() == 0:
        return
    keep = torch.ones_like(ids, dtype=torch.bool) if ignore is None else ids != ignore
    low, top, kept = torch.stack([torch.where(keep, ids, high - 1).min(), torch.where(keep, ids, 0).max(),
                                  keep.sum()]).tolist()
    if kept and (low < 0 or top >= high):
        bad = low if low < 0 else top
        extra = f" or {ignore} (ignored)" if ignore is not None else ""
        raise ValueError(f"{name} must be {what} in [0, {high}){extra}; got {bad}")
    if require_one and not kept:
        raise ValueError(
            f"{name} must have at least one position that is not {ignore}; got all {ids.numel()} ignored "
            "(the mean loss over no positions is NaN)"
        )


def targets(name: str, value, shape, shape_name: str, num_classes: int, ignore_index: int = -100):
    """Loss targets: an integer tensor of ``shape`` with class ids or ``ignore_index``,
    at least one of which is not ignored (cross-entropy over nothing is 0/0 = NaN)."""
    import torch

    tensor(name, value)
    if value.shape != shape:
        raise ValueError(f"{name} must have the shape of {shape_name} {tuple(shape)}; got {tuple(value.shape)}")
    int_tensor(name, value, what=f"integer class ids (torch.long; {ignore_index} = ignore)")
    _check_range(name, value, num_classes, ignore_index, "class ids", require_one=True)
    return value.to(torch.long)


def generator(name: str, value: Any):
    import torch

    if value is not None and not isinstance(value, torch.Generator):
        raise ArgumentTypeError(f"{name} must be a torch.Generator or None; got {type(value).__name__}")
    return value


def path(name: str, value: Any):
    """A str or os.PathLike as a pathlib.Path."""
    import os
    from pathlib import Path

    if not isinstance(value, (str, os.PathLike)):
        raise ArgumentTypeError(f"{name} must be a str or pathlib.Path; got {type(value).__name__}")
    return Path(value)
