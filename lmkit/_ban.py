"""What one ``forbid_calls`` block forbids, and whether a call to it is the student's.

The machinery behind ``lmkit.forbid.forbid_calls``: a dotted name is resolved to the
code objects and C functions that run when it is called (``_resolve``, ``_codes_of``,
``_c_functions_of``); each frame's file is classed as the student's, a library's,
lmkit's, the grader's or the checks' own (``_kind_of_file``); and ``_Ban`` holds one
block's targets and walks up from a forbidden call to decide who made it.
"""

from __future__ import annotations

import os
import types
from typing import Any

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
# The check helpers' own files (checks.py, the ban): a frame in one is never the student's.
_CHECKS_FILES = frozenset(os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), name))
                          for name in ("checks.py", "forbid.py", "_ban.py"))
_KIND_CACHE: dict[str, str] = {}
_REFERENCE_CODE: list[Any] = [None]  # the code of reference()'s wrapper, set by lmkit.forbid


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
        if path in _CHECKS_FILES:
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


# A copy of a forbidden function -- exec'd from ``inspect.getsource``, rebuilt with ``code.replace``,
# loaded from a copied file or retyped -- runs a new code object, which is not among a ban's codes.
# It is known by its bytecode and the names it uses, compared for named functions of at least
# _COPY_MIN_LINES lines with code: comprehensions, lambdas and one-liners are too formulaic to be
# evidence (a scan of the solutions found honest comprehensions with lmkit's exact bytecode, and no
# whole function); tests/test_checks.py keeps lmkit's own functions free of twins under this key.
# Generated code (a dataclass's __init__ in "<string>", its __repr__ wrapper in reprlib) is nobody's
# answer to copy: not compared.
_COPY_MIN_LINES = 4


def _copy_key(code: types.CodeType) -> tuple[bytes, tuple[str, ...]] | None:
    """(bytecode, names) of a named function long enough to compare, else None."""
    if code.co_name.startswith("<"):
        return None
    lines = {line for _start, _end, line in code.co_lines() if line is not None}
    if len(lines) < _COPY_MIN_LINES:
        return None
    return code.co_code, code.co_names


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
        self.copies: dict[tuple[bytes, tuple[str, ...]], tuple[str, str]] = {}
        for code, (target, home) in self.codes.items():
            generated = code.co_filename.startswith("<") or _kind_of_file(code.co_filename) == "stdlib"
            key = None if generated else _copy_key(code)
            if key is not None:
                self.copies.setdefault(key, (f"a copy of {target}", home))

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
        """(dotted name, home package) when running ``code`` is a forbidden call: one of the
        targets' codes, a function of a forbidden module, or a copy of either; else None."""
        hit = self.codes.get(code)
        if hit is not None:
            return hit
        if code in self.module_cache:
            return self.module_cache[code]
        if code not in self.allowed_codes:
            path = os.path.realpath(code.co_filename) if self.module_prefixes else ""
            for prefix, module_name, home in self.module_prefixes:
                if path == prefix or (prefix.endswith(os.sep) and path.startswith(prefix)):
                    hit = (f"{module_name}.{code.co_qualname}", home)
                    break
            else:
                key = _copy_key(code) if self.copies else None
                hit = self.copies.get(key) if key is not None else None
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
