"""``forbid_calls``: exercises that must not call the reference, checked by execution.

Backs the test cells of the exercises that ask the learner to write something lmkit
or torch already has (``one_hot``, ``softmax``, a training loop...). The ban is
enforced by execution, not by name: while a ``forbid_calls`` block runs, a profile
hook (``sys.setprofile``, and ``threading.setprofile`` for threads started in the
block) sees every Python function that starts (compared by code object) and every C
function called from Python code (compared by identity), and a ``TorchFunctionMode``
sees every torch operation, including those reached through C trampolines such as
``functools.partial`` or ``map``. Each forbidden start is then attributed to its
caller (``lmkit._ban``) so that torch's and lmkit's own internal use is not counted.
``reference`` wraps a test's reference so the test itself may call it in the block.

Notebooks import both from ``lmkit.checks``, which is where the judge replaces
``forbid_calls`` (``lmkit.course.judge.judge``).
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

from ._ban import _REFERENCE_CODE, _Ban, _kind_of_file

_ACTIVE: list[_Ban] = []
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
