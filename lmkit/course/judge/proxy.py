"""The judge's proxies for the student's objects: ``Remote`` and what it forwards.

``Remote`` stands for one object of the worker's (a function, a class, a model):
calling it, reading an attribute, iterating or indexing it becomes a request through
its ``WorkerClient`` (``client.py``), and what comes back is data or another
``Remote``. A call's result that needs gradients is joined to the judge's autograd
graph (``replies.py``), so ``loss = sgns_loss(c, o, n); loss.backward()`` works as in
one process. What a request carries to the worker is pickled by ``pickling.py``.

The names of ``client``, ``pickling`` and ``replies`` stay importable from here
(``from lmkit.course.judge.proxy import WorkerClient``): they lived here once.
"""

from __future__ import annotations

import builtins
import functools
import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import WorkerClient

_MOVED = {
    "client": ("WorkerClient", "tree_cpu_seconds", "tree_peak_memory", "_process_table", "_descendants"),
    "pickling": ("_Pickler", "_CLASS_CELL", "_by_value", "_make_class", "_global_names", "_make_function",
                 "_leaf_copy", "_dump"),
    "replies": ("_apply_change", "_collect", "_replace", "_RemoteGraph"),
}


def __getattr__(name: str) -> Any:
    # Lazily: client.py and pickling.py import this module (Remote), so this one cannot import them first.
    for module, names in _MOVED.items():
        if name in names:
            return getattr(importlib.import_module(f"{__package__}.{module}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class WorkerGone(BaseException):
    """The student's process was stopped (a crash, repeated time-outs) and is not restarted.

    A ``BaseException``, like ``CallTimeout``: a test's ``except Exception`` (written to
    catch the student's expected error) must not turn a dead process into a pass.
    """


class CallTimeout(BaseException):
    """The student's code did not answer a request in time; the worker was killed."""


def remote_exception(error: dict) -> BaseException:
    """An exception of a built-in class, carrying the student's message (never their class)."""
    cls = RuntimeError
    for name in error.get("bases", []):
        candidate = getattr(builtins, str(name), None)
        if isinstance(candidate, type) and issubclass(candidate, Exception):
            cls = candidate
            break
    message = str(error.get("message", ""))
    if error.get("type") != cls.__name__:
        message = f"{error.get('type')}: {message}"
    try:
        return cls(message)
    except Exception:  # noqa: BLE001 - e.g. UnicodeDecodeError needs five arguments
        return RuntimeError(message)


_LIBRARIES = ("torch", "lmkit", "collections", "builtins", "numpy")


@functools.lru_cache(maxsize=256)
def _library_class(mro: tuple) -> type:
    for entry in mro:
        module, _, qualname = str(entry).partition(":")
        if module.split(".")[0] not in _LIBRARIES or "<" in qualname or module == "builtins" and qualname == "object":
            continue
        try:
            value: Any = importlib.import_module(module)
            for part in qualname.split("."):
                value = getattr(value, part)
        except (ImportError, AttributeError):
            continue
        if isinstance(value, type) and value not in (type, object):
            return value
    return Remote


class Remote:
    """One object of the student's process, used from the judge as if it were here."""

    __slots__ = ("_lm_client", "_lm_id", "_lm_generation", "_lm_meta", "_lm_name")

    def __init__(self, client: WorkerClient, tag: dict, name: str | None = None):
        object.__setattr__(self, "_lm_client", client)
        object.__setattr__(self, "_lm_id", int(tag.get("id", 0)))
        object.__setattr__(self, "_lm_generation", client.generation)
        object.__setattr__(self, "_lm_meta", {k: tag.get(k) for k in ("type", "callable", "module", "class", "mro")})
        object.__setattr__(self, "_lm_name", name)

    def _lm_handle(self) -> int:
        client = self._lm_client
        if self._lm_generation != client.generation:
            if self._lm_name is None:
                raise WorkerGone("the student's process was restarted; an object from before is gone")
            fresh = client.get(self._lm_name)
            if type(fresh) is not Remote:
                raise WorkerGone(f"{self._lm_name} is no longer a function or object after a restart")
            object.__setattr__(self, "_lm_id", fresh._lm_id)
            object.__setattr__(self, "_lm_generation", fresh._lm_generation)
        return self._lm_id

    def _lm(self, op: str, *args: Any, **kwargs: Any) -> Any:
        self._lm_client._ensure()
        self._lm_handle()
        return self._lm_client.request(op, self, args, kwargs)

    @property
    def __class__(self):
        """The first library class in the object's MRO, so ``isinstance(model, nn.Module)`` or
        ``isinstance(loader, DataLoader)`` holds as in one process. Claiming a class gains the
        student nothing: every use of the object still goes through this proxy."""
        return _library_class(tuple(self._lm_meta.get("mro") or ()))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._lm("call", *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_lm_") or name in ("__getstate__", "__setstate__"):
            raise AttributeError(name)
        return self._lm("getattr", name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._lm("setattr", name, value)

    def __delattr__(self, name: str) -> None:
        self._lm("delattr", name)

    def __getitem__(self, key: Any) -> Any:
        return self._lm("getitem", key)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._lm("setitem", key, value)

    def __contains__(self, key: Any) -> bool:
        return bool(self._lm("contains", key))

    def __len__(self) -> int:
        return int(self._lm("len"))

    def __iter__(self):
        return self._lm("iter")

    def __next__(self):
        return self._lm("next")

    def __bool__(self) -> bool:
        return bool(self._lm("bool"))

    def __instancecheck__(self, instance: Any) -> bool:  # isinstance(x, StudentClass)
        return type(instance) is Remote and bool(self._lm("instancecheck", instance))

    def __subclasscheck__(self, subclass: Any) -> bool:
        return type(subclass) is Remote and bool(self._lm("subclasscheck", subclass))

    def __repr__(self) -> str:
        try:
            return str(self._lm("repr"))[:2000]
        except Exception:  # noqa: BLE001 - a repr must not fail
            return f"<student's {self._lm_meta.get('type')}>"

    def __str__(self) -> str:
        return str(self._lm("str"))[:100_000]

    def __reduce__(self):
        from .worker import _resolve

        return _resolve, (self._lm_handle(),)
