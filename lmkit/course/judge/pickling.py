"""How the judge's values travel to the student's process: the pickler of each request.

The worker trusts the judge, so a request is a ``pickle`` (``protocol.py``), written by
``_Pickler``: ``Remote`` objects travel as their handles (``worker._resolve`` turns
them back into the worker's own objects); tensors that are not leaves travel
detached; modules by name; functions and classes the judge's notebook defined, by
value, rebuilt in the worker by ``_make_function`` and ``_make_class``. The worker
unpickles those by their qualified names (``lmkit.course.judge.pickling._make_function``),
so both sides import this module.
"""

from __future__ import annotations

import builtins
import importlib
import io
import marshal
import pickle
import types
from typing import Any

import torch

from .proxy import Remote


class _Pickler(pickle.Pickler):
    """Pickles a request for the worker.

    Remote objects travel as their handles; tensors that are not leaves travel
    detached (as new leaves); modules by name; and functions the judge's notebook
    defined (a test's ``lambda h: 2 * h``) by value — their code, defaults, closure and
    the globals they name — since the worker has no such function of its own.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._functions: set[int] = set()

    def reducer_override(self, obj):
        if type(obj) is Remote:
            from .worker import _resolve

            return _resolve, (obj._lm_handle(),)
        if isinstance(obj, torch.Tensor) and obj.requires_grad and obj.grad_fn is not None:
            return _leaf_copy, (obj.detach(),)
        if isinstance(obj, types.ModuleType):
            return importlib.import_module, (obj.__name__,)
        if isinstance(obj, types.FunctionType) and id(obj) not in self._functions and _by_value(obj):
            self._functions.add(id(obj))
            names = _global_names(obj.__code__)
            scope = {n: obj.__globals__[n] for n in names if n in obj.__globals__ and obj.__globals__[n] is not obj}
            closure = tuple(_CLASS_CELL if name == "__class__" else cell.cell_contents
                            for name, cell in zip(obj.__code__.co_freevars, obj.__closure__ or ()))
            return _make_function, (marshal.dumps(obj.__code__), scope, obj.__name__, obj.__defaults__,
                                    obj.__kwdefaults__, closure)
        if isinstance(obj, type) and obj.__module__ == "__main__" and id(obj) not in self._functions:
            # A class a test cell defined (a scripted model): rebuilt in the worker from its dict.
            self._functions.add(id(obj))
            attrs = {k: v for k, v in vars(obj).items() if k not in ("__dict__", "__weakref__")}
            return _make_class, (obj.__name__, obj.__bases__, attrs)
        return NotImplemented


_CLASS_CELL = "__lmkit_class_cell__"  # stands for the `__class__` cell of a method that calls super()


def _by_value(function: types.FunctionType) -> bool:
    return function.__module__ in ("__main__", "__judge__") or "<locals>" in function.__qualname__ \
        or function.__name__ == "<lambda>"


def _make_class(name: str, bases: tuple, attrs: dict) -> type:
    """Worker side: a class of the judge's rebuilt; methods using super() get their `__class__` cell."""
    cls = type(name, bases, dict(attrs))
    for value in attrs.values():
        function = value.__func__ if isinstance(value, (staticmethod, classmethod)) else value
        if isinstance(function, types.FunctionType) and function.__closure__:
            for cell in function.__closure__:
                if isinstance(cell.cell_contents, str) and cell.cell_contents == _CLASS_CELL:
                    cell.cell_contents = cls
    return cls


def _global_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _global_names(constant)
    return names


def _make_function(code: bytes, scope: dict, name: str, defaults, kwdefaults, closure: tuple):
    """Worker side: the judge's function rebuilt (same interpreter, so marshal's format matches)."""
    namespace = {"__builtins__": builtins, "__name__": "__judge__", **scope}
    function = types.FunctionType(marshal.loads(code), namespace, name, defaults,
                                  tuple(types.CellType(value) for value in closure) or None)
    function.__kwdefaults__ = kwdefaults
    return function


def _leaf_copy(tensor: torch.Tensor) -> torch.Tensor:
    return tensor.requires_grad_(True)


def _dump(request: dict) -> bytes:
    buffer = io.BytesIO()
    try:
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(request)
    except (pickle.PicklingError, TypeError, AttributeError) as err:
        raise TypeError(f"the grader cannot send this value to your code: {err}") from None
    return buffer.getvalue()
