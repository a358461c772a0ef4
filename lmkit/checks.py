"""Assertions with helpful messages, for the test cells of the course notebooks.

Each helper raises ``AssertionError`` whose message says what was expected and
what was found, checking the cheap, most informative things first: the type,
then the shape, dtype and device, and only then the values. For example::

    check_tensor(x, "x", shape=(3, 4), dtype=torch.float32)
    check_close(x, reference, "x", atol=1e-5, rtol=1e-5)
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

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


# --- exercises that must not call the reference -----------------------------------------------
#
# The ban is enforced by execution, not by name: while a ``forbid_calls`` block runs, a
# profile hook (``sys.setprofile``, and ``threading.setprofile`` for threads started in the
# block) sees every Python function that starts (compared by code object) and every C
# function called from Python code (compared by identity), and a ``TorchFunctionMode`` sees
# every torch operation, including those reached through C trampolines such as
# ``functools.partial`` or ``map``. Each forbidden start is then attributed to its caller
# (see ``forbid_calls``) so that torch's and lmkit's own internal use is not counted.

import os
import sys
import threading
import types

_BUILTIN_TYPES = (types.BuiltinFunctionType, types.BuiltinMethodType)
_C_METHOD_TYPES = (types.MethodDescriptorType, types.WrapperDescriptorType, types.ClassMethodDescriptorType)


def _resolve(target: str) -> tuple[Any, str, Any]:
    """``"torch.nn.functional.one_hot"`` -> (owner object, attribute name, current value)."""
    import importlib

    if not isinstance(target, str) or "." not in target:
        raise ValueError(f"expected a dotted name such as 'torch.nn.functional.one_hot'; got {target!r}")
    parts = target.split(".")
    for split in range(len(parts), 0, -1):
        try:
            owner = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        if split == len(parts):
            parent = importlib.import_module(".".join(parts[:-1]))
            return parent, parts[-1], owner
        try:
            for name in parts[split:-1]:
                owner = getattr(owner, name)
            return owner, parts[-1], getattr(owner, parts[-1])
        except AttributeError:
            break
    raise ValueError(f"cannot find {target!r} to forbid it (is the name right?)")


def _codes_of(obj: Any, seen: set | None = None) -> list[types.CodeType]:
    """The code objects that run when ``obj`` is called (functions, methods, classes, partials)."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    out: list[types.CodeType] = []
    if isinstance(obj, types.CodeType):
        out.append(obj)
        out.extend(c for const in obj.co_consts if isinstance(const, types.CodeType) for c in _codes_of(const, seen))
    elif isinstance(obj, (staticmethod, classmethod)):
        out.extend(_codes_of(obj.__func__, seen))
    elif isinstance(obj, property):
        for part in (obj.fget, obj.fset, obj.fdel):
            if part is not None:
                out.extend(_codes_of(part, seen))
    elif isinstance(obj, types.MethodType):
        out.extend(_codes_of(obj.__func__, seen))
    elif isinstance(obj, types.FunctionType):
        out.extend(_codes_of(obj.__code__, seen))
        wrapped = getattr(obj, "__wrapped__", None)
        if wrapped is not None:
            out.extend(_codes_of(wrapped, seen))
    elif isinstance(obj, type):
        for value in vars(obj).values():
            if isinstance(value, (types.FunctionType, staticmethod, classmethod, property)):
                out.extend(_codes_of(value, seen))
    elif hasattr(obj, "func") and hasattr(obj, "args"):  # functools.partial
        out.extend(_codes_of(obj.func, seen))
    return out


def _c_functions_of(obj: Any) -> list[Any]:
    """The C callables that ``obj`` stands for (builtins, C methods of tensors)."""
    if isinstance(obj, _BUILTIN_TYPES + _C_METHOD_TYPES):
        return [obj]
    if hasattr(obj, "func") and hasattr(obj, "args") and not isinstance(obj, type):
        return _c_functions_of(obj.func)
    return []


def _path_prefix(path: str) -> str:
    path = os.path.realpath(path)
    return path if path.endswith(os.sep) else path + os.sep


def _library_roots() -> tuple[tuple[str, ...], tuple[str, ...], str]:
    import sysconfig

    paths = sysconfig.get_paths()
    site = tuple(sorted({_path_prefix(paths[k]) for k in ("purelib", "platlib") if paths.get(k)}))
    std = tuple(sorted({_path_prefix(paths[k]) for k in ("stdlib", "platstdlib") if paths.get(k)}))
    lmkit_root = _path_prefix(os.path.dirname(os.path.abspath(__file__)))
    return site, std, lmkit_root


_SITE, _STDLIB, _LMKIT = _library_roots()
_CHECKS_FILE = os.path.realpath(__file__)
_KIND_CACHE: dict[str, str] = {}


def _kind_of_file(filename: str) -> str:
    """'lmkit', 'torch' (or another top-level package in site-packages), 'stdlib', 'grader', 'checks' or 'user'."""
    kind = _KIND_CACHE.get(filename)
    if kind is not None:
        return kind
    if filename.startswith("<frozen") or filename in ("<built-in>",):
        kind = "stdlib"
    elif filename.startswith("<"):
        kind = "user"  # exec'd or compiled strings, e.g. a notebook cell or a grader's worker
    else:
        path = os.path.realpath(filename)
        if path == _CHECKS_FILE:
            kind = "checks"
        elif path.startswith(_LMKIT + "course" + os.sep):
            kind = "grader"  # lmkit's grading machinery (a worker calling the student's function): looked through
        elif path.startswith(_LMKIT):
            kind = "lmkit"
        else:
            kind = "user"
            for root in _SITE:
                if path.startswith(root):
                    kind = path[len(root):].split(os.sep, 1)[0].split(".", 1)[0] or "site"
                    break
            else:
                if any(path.startswith(root) for root in _STDLIB):
                    kind = "stdlib"
    _KIND_CACHE[filename] = kind
    return kind


class _Ban:
    """One active ``forbid_calls`` block: what it forbids and what it has seen."""

    def __init__(self, exercise: str, targets: tuple[str, ...], modules: tuple[str, ...], allow: tuple[str, ...]):
        self.exercise = exercise
        self.codes: dict[types.CodeType, tuple[str, str]] = {}  # code -> (dotted name, home package)
        self.c_functions: dict[int, tuple[Any, str, str]] = {}  # id -> (object, dotted name, home package)
        self.c_method_names: dict[str, list[tuple[type, Any, str, str]]] = {}
        self.module_prefixes: list[tuple[str, str, str]] = []  # (path prefix or file, dotted name, home)
        self.module_cache: dict[types.CodeType, tuple[str, str] | None] = {}
        self.allowed_codes: set[types.CodeType] = set()
        self.allowed_c: set[int] = set()
        self.calls: list[str] = []
        self.frame: Any = None
        self.paused = 0
        self.raised = False
        for target in targets:
            owner, name, value = _resolve(target)
            if isinstance(value, types.ModuleType):
                modules = modules + (target,)
                continue
            self._add(value, target)
        for module_name in modules:
            _owner, _name, module = _resolve(module_name) if "." in module_name else (None, None, __import__(module_name))
            if not isinstance(module, types.ModuleType):
                raise ValueError(f"{module_name!r} is not a module")
            home = module_name.split(".", 1)[0]
            file = getattr(module, "__file__", None)
            if file:
                if os.path.basename(file).startswith("__init__."):
                    self.module_prefixes.append((_path_prefix(os.path.dirname(file)), module_name, home))
                else:
                    self.module_prefixes.append((os.path.realpath(file), module_name, home))
            for attr, value in list(vars(module).items()):
                owner_module = str(getattr(value, "__module__", "") or "")
                if attr.startswith("__") or not (owner_module == module_name or owner_module.startswith(module_name + ".")):
                    continue  # the module's own functions (and its submodules'), not what it imports to use
                if isinstance(value, (types.FunctionType, type)) and not isinstance(value, types.ModuleType):
                    for code in _codes_of(value):
                        self.codes.setdefault(code, (f"{module_name}.{attr}", home))
                for c_function in _c_functions_of(value):
                    self.c_functions.setdefault(id(c_function), (c_function, f"{module_name}.{attr}", home))
        for name in allow:
            _owner, _name, value = _resolve(name)
            self.allowed_codes.update(_codes_of(value))
            self.allowed_c.update(id(c) for c in _c_functions_of(value))
            if isinstance(value, type):
                for item in vars(value).values():
                    self.allowed_c.update(id(c) for c in _c_functions_of(item))
        for code in self.allowed_codes:
            self.codes.pop(code, None)
        for key in self.allowed_c:
            self.c_functions.pop(key, None)

    def _add(self, value: Any, target: str) -> None:
        home = target.split(".", 1)[0]
        codes = _codes_of(value)
        for code in codes:
            self.codes.setdefault(code, (target, home))
        for c_function in _c_functions_of(value):
            self.c_functions[id(c_function)] = (c_function, target, home)
            if isinstance(c_function, _C_METHOD_TYPES):
                owner = getattr(c_function, "__objclass__", object)
                self.c_method_names.setdefault(c_function.__name__, []).append((owner, c_function, target, home))
        if isinstance(value, type) and not codes:
            raise ValueError(f"cannot forbid {target!r}: a class with no Python methods is not traceable")
        if not codes and not _c_functions_of(value):
            raise ValueError(f"cannot forbid {target!r}: {type(value).__name__} is not a function")

    # -- what is forbidden -------------------------------------------------------------------

    def python_target(self, code: types.CodeType) -> tuple[str, str] | None:
        hit = self.codes.get(code)
        if hit is not None or not self.module_prefixes:
            return hit
        if code in self.module_cache:
            return self.module_cache[code]
        hit = None
        if code not in self.allowed_codes:
            path = os.path.realpath(code.co_filename)
            for prefix, module_name, home in self.module_prefixes:
                if path == prefix or (prefix.endswith(os.sep) and path.startswith(prefix)):
                    hit = (f"{module_name}.{code.co_qualname}", home)
                    break
        self.module_cache[code] = hit
        return hit

    def c_target(self, function: Any) -> tuple[str, str] | None:
        hit = self.c_functions.get(id(function))
        if hit is not None and hit[0] is function:
            return hit[1], hit[2]
        name = getattr(function, "__name__", None)
        if name in self.c_method_names:
            bound_to = getattr(function, "__self__", None)
            for owner, _descriptor, target, home in self.c_method_names[name]:
                if isinstance(bound_to, owner) or bound_to is owner:
                    return target, home
        return None

    # -- who called it ----------------------------------------------------------------------

    def by_student(self, frame: Any, home: str) -> bool:
        """Walk up from the calling frame: a student's frame or the block's own frame means
        a student call; the target's own package, lmkit, or an allowed helper means internal
        use; anything else (the standard library, other packages) is a trampoline."""
        while frame is not None:
            if frame is self.frame:
                return True
            code = frame.f_code
            if code in self.allowed_codes:
                return False
            if code is _REFERENCE_CODE[0]:
                frame = frame.f_back  # a test's reference called by someone else: look through it
                continue
            kind = _kind_of_file(code.co_filename)
            if kind == "user":
                return True
            if kind in (home, "lmkit", "checks"):
                return False
            frame = frame.f_back
        return False

    def record(self, target: str) -> None:
        if len(self.calls) < 20:
            self.calls.append(target)

    def message(self, target: str, caught: bool = False) -> str:
        short = self.exercise
        text = f"this exercise asks you to write {short} yourself; your code called {target}"
        return text + (" (and caught the error)" if caught else "")


_ACTIVE: list[_Ban] = []
_REFERENCE_CODE: list[Any] = [None]  # the code of reference()'s wrapper, set below
_STATE: dict[str, Any] = {"previous": None, "previous_threading": None, "hook": None, "mode": None}


def _profile_hook(frame: Any, event: str, arg: Any) -> None:
    if event == "call":
        code = frame.f_code
        for ban in _ACTIVE:
            if ban.paused:
                continue
            hit = ban.python_target(code)
            if hit is not None and ban.by_student(frame.f_back, hit[1]):
                ban.record(hit[0])
    elif event == "c_call":
        for ban in _ACTIVE:
            if ban.paused:
                continue
            hit = ban.c_target(arg)
            if hit is not None and ban.by_student(frame, hit[1]):
                ban.record(hit[0])


def _torch_mode_class():
    from torch.overrides import TorchFunctionMode

    class _ForbidMode(TorchFunctionMode):
        def __torch_function__(self, func, types_, args=(), kwargs=None):
            kwargs = kwargs or {}
            if _ACTIVE:
                caller = sys._getframe(1)
                while caller is not None and caller.f_code.co_filename.endswith(_MODE_MACHINERY):
                    caller = caller.f_back
                for ban in _ACTIVE:
                    if ban.paused:
                        continue
                    hit = ban.c_target(func)
                    if hit is not None and ban.by_student(caller, hit[1]):
                        ban.record(hit[0])
                        ban.raised = True
                        raise AssertionError(ban.message(hit[0]))
            return func(*args, **kwargs)

    return _ForbidMode


_MODE_CLASS: list[Any] = []
_MODE_MACHINERY = (os.path.join("torch", "overrides.py"), os.path.join("torch", "utils", "_python_dispatch.py"))


class forbid_calls:  # noqa: N801 - used as a context manager, named like one
    """Inside the block, code that calls any of ``targets`` fails with a message naming the exercise.

    For exercises that ask the learner to write something lmkit or torch already has::

        with forbid_calls("one_hot", "torch.nn.functional.one_hot", "lmkit.embeddings.one_hot"):
            out = one_hot(ids, 5)          # the student's function: everything it runs is traced
        check_close(out, lme.one_hot(ids, 5), "one_hot(ids, 5)")   # the reference, outside the block

    A forbidden call raises ``AssertionError("this exercise asks you to write one_hot yourself;
    your code called torch.nn.functional.one_hot")`` when the block ends, even if the code
    caught an error in between (torch operations fail at once, too).

    **Targets.** Each target is a dotted name: a Python function or method (matched by its code
    object, and the code of the functions nested in it), a class (all its Python methods: its
    ``__init__`` and ``forward`` for a module), a C function such as ``torch.softmax`` or
    ``torch.Tensor.softmax`` (matched by identity), or a whole module (every Python function
    defined in its file, or in its package's folder, and the C functions in its namespace).
    ``modules=(...)`` forbids modules too; ``allow=(...)`` exempts helpers the notebook gives
    (``allow=("lmkit.embeddings.Vocabulary",)``). The ban is on *executing* them, so every route
    is seen: a captured alias, a closure or default argument made earlier, ``functools.partial``,
    ``getattr(module, "one" + "_hot")``, ``sys.modules``, ``globals()``, ``vars()``, a thread.

    **Who called it.** Inside the block, *everything is the student's code* except the
    libraries: when a forbidden function starts, its callers are examined from the nearest
    one outwards. The frame that entered the block (a direct call: ``one_hot = lme.one_hot``
    handed to the grader), or code from any file that is not a library (a notebook cell, an
    ``exec``'d string), means a student call; the target's own package (torch for a torch
    function), lmkit, or an allowed helper means internal use (``F.cross_entropy`` calling
    ``log_softmax``) and is not counted; the standard library and other packages
    (``functools``, ``contextlib``, ``torch.nn.Module.__call__`` for an lmkit target) are
    looked through. So references a test needs are computed outside the block, and the
    block holds only student calls (and checks such as ``check_close``, which are lmkit).

    **What it cannot see.** A forbidden C function called by C code that is not a torch
    operation (``map(math.exp, ...)`` when ``math.exp`` is forbidden); a C class (constructing
    it runs no Python code); a result computed before the block (the block sees only what
    runs inside it: keep graded calls in the block); code that ran through a library's
    internal use (an lmkit helper that is not itself forbidden but calls a forbidden torch
    op: forbid the module). Code that switches the tracing off (``sys.setprofile``) fails
    the block. The scan of the answer cells (``lmkit.course.integrity``) stays a second line.

    Tracing costs a Python call per function call in the block, about 5x on a training loop
    (200 Adam steps of a small MLP, measured on the course machine): keep graded calls small.
    ``namespace`` is accepted for compatibility and ignored.
    """

    def __init__(self, exercise: str, *targets: str, namespace: dict | None = None,
                 modules: tuple[str, ...] | list[str] = (), allow: tuple[str, ...] | list[str] = ()):
        if not isinstance(exercise, str) or not exercise:
            raise TypeError(f"exercise must be the name of the exercise (a str); got {exercise!r}")
        if not targets and not modules:
            raise ValueError("forbid_calls needs at least one dotted name to forbid")
        if isinstance(modules, str) or isinstance(allow, str):
            raise TypeError("modules and allow take a tuple of dotted names")
        self.exercise = exercise
        self.targets = tuple(targets)
        self.modules = tuple(modules)
        self.allow = tuple(allow)
        self._ban = _Ban(exercise, self.targets, self.modules, self.allow)
        self._stack: list[tuple[_Ban, Any]] = []

    def __enter__(self) -> "forbid_calls":
        ban = _Ban.__new__(_Ban)
        ban.__dict__.update(self._ban.__dict__)
        ban.calls = []
        ban.module_cache = self._ban.module_cache
        # The frame whose calls count as the student's: the block's own, past the standard library
        # (a grader enters the block through contextlib.ExitStack, whose frame is gone by the call).
        frame = sys._getframe(1)
        while frame.f_back is not None and _kind_of_file(frame.f_code.co_filename) == "stdlib":
            frame = frame.f_back
        ban.frame = frame
        ban.paused = 0
        ban.raised = False
        if not _ACTIVE:
            _STATE["previous"] = sys.getprofile()
            _STATE["previous_threading"] = getattr(threading, "_profile_hook", None)
            if not _MODE_CLASS:
                _MODE_CLASS.append(_torch_mode_class())
            mode = _MODE_CLASS[0]()
            mode.__enter__()
            _STATE["mode"] = mode
            sys.setprofile(_profile_hook)
            threading.setprofile(_profile_hook)
        _ACTIVE.append(ban)
        self._stack.append((ban, None))
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        hooked = sys.getprofile() is _profile_hook
        ban, _ = self._stack.pop()
        if ban in _ACTIVE:
            _ACTIVE.remove(ban)
        if not _ACTIVE:
            sys.setprofile(_STATE["previous"])
            threading.setprofile(_STATE["previous_threading"])
            mode = _STATE["mode"]
            _STATE["mode"] = None
            if mode is not None:
                try:
                    mode.__exit__(None, None, None)
                except Exception:  # the student's code left the mode stack in a different state
                    hooked = False
        if ban.calls:
            message = ban.message(ban.calls[0], caught=exc_type is None and ban.raised)
            if exc_type is not None and issubclass(exc_type, AssertionError) and str(exc).startswith(
                    f"this exercise asks you to write {ban.exercise} yourself"):
                return False
            raise AssertionError(message) from exc
        if not hooked:
            raise AssertionError(
                f"the check that {self.exercise} does not call the reference was switched off inside the "
                "graded call (sys.setprofile or a torch function mode was changed); do not change them"
            ) from exc
        return False


def reference(function: Any) -> Any:
    """Wrap a test's reference so that the test itself may call it inside a ``forbid_calls`` block.

    ``_t_ref = reference(lme.one_hot)`` can sit in the notebook's globals: a call to it is
    exempt from the ban only when it comes straight from the code that entered the block
    (the test cell's own code, matched by its file name). Called from anywhere else, from
    the student's function for instance, it is an ordinary call to the reference and is
    reported like any other route to it.
    """
    if not callable(function):
        raise TypeError(f"reference() takes a function; got {type(function).__name__}")

    def call_reference(*args: Any, **kwargs: Any) -> Any:
        caller = sys._getframe(1).f_code.co_filename
        paused = [ban for ban in _ACTIVE if ban.frame is not None and ban.frame.f_code.co_filename == caller]
        for ban in paused:
            ban.paused += 1
        try:
            return function(*args, **kwargs)
        finally:
            for ban in paused:
                ban.paused -= 1

    call_reference.__wrapped_reference__ = function  # type: ignore[attr-defined]
    call_reference.__name__ = getattr(function, "__name__", "reference")
    call_reference.__doc__ = getattr(function, "__doc__", None)
    return call_reference


_REFERENCE_CODE[0] = reference(len).__code__
