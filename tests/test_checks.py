"""Tests for lmkit.checks: the assertion helpers used by notebook test cells."""

from __future__ import annotations

import pytest
import torch

from lmkit.checks import check_close, check_probabilities, check_tensor


def test_check_tensor_passes_and_returns_value(device):
    x = torch.zeros(3, 4, device=device)
    assert check_tensor(x, "x", shape=(3, 4), dtype=torch.float32, device=device) is x
    check_tensor(x, "x", shape=(None, 4))


def test_check_tensor_reports_type_first():
    with pytest.raises(AssertionError, match="expected a torch.Tensor for `x`, got list"):
        check_tensor([[1.0]], "x", shape=(1, 1))


def test_check_tensor_shape_dtype_device_messages():
    x = torch.zeros(4, 3)
    with pytest.raises(AssertionError, match=r"`x` has the wrong shape: \(3, 4\) expected, got \(4, 3\)"):
        check_tensor(x, "x", shape=(3, 4))
    with pytest.raises(AssertionError, match=r"\(\?, 4\) expected, got \(4, 3\)"):
        check_tensor(x, "x", shape=(None, 4))
    with pytest.raises(AssertionError, match=r"\(3,\) expected, got \(4, 3\)"):
        check_tensor(x, "x", shape=(3,))
    with pytest.raises(AssertionError, match="torch.int64 expected, got torch.float32"):
        check_tensor(x, "x", dtype=torch.long)
    with pytest.raises(AssertionError, match="wrong device: meta expected, got cpu"):
        check_tensor(x, "x", device="meta")


def test_check_close_passes_within_tolerance(device):
    expected = torch.linspace(0, 1, 10, device=device)
    check_close(expected + 1e-7, expected, "y", atol=1e-6, rtol=0)
    check_close(torch.tensor(float("nan")), torch.tensor(float("nan")), "nan")


def test_check_close_reports_first_mismatch():
    expected = torch.zeros(2, 3)
    actual = expected.clone()
    actual[1, 2] = 0.5
    actual[0, 1] = 0.25
    with pytest.raises(AssertionError) as info:
        check_close(actual, expected, "y", atol=1e-3, rtol=0)
    message = str(info.value)
    assert "2 of 6 values differ" in message
    assert "first at index (0, 1): got 0.25, expected 0" in message
    assert "max abs difference 0.5" in message


def test_check_close_checks_type_and_shape_first():
    with pytest.raises(AssertionError, match="expected a torch.Tensor for `y`, got float"):
        check_close(1.0, torch.tensor(1.0), "y")
    with pytest.raises(AssertionError, match=r"\(2,\) expected, got \(3,\)"):
        check_close(torch.zeros(3), torch.zeros(2), "y")


def test_check_close_compares_across_dtypes():
    check_close(torch.tensor([1, 2]), torch.tensor([1.0, 2.0]), "ints")
    with pytest.raises(AssertionError, match=r"\(a scalar\): got 2, expected 1"):
        check_close(torch.tensor(2.0), torch.tensor(1.0), "s")


def test_check_probabilities():
    check_probabilities(torch.softmax(torch.randn(4, 5), dim=-1), "p")
    check_probabilities(torch.full((2, 3), 0.5), "p", dim=0)
    with pytest.raises(AssertionError, match="negative entry -0.1 at index \\(1,\\)"):
        check_probabilities(torch.tensor([0.6, -0.1, 0.5]), "p")
    with pytest.raises(AssertionError, match="should sum to 1 along dim -1; the slice at \\(1,\\) sums to 0.5"):
        check_probabilities(torch.tensor([[0.5, 0.5], [0.25, 0.25]]), "p")
    with pytest.raises(AssertionError, match="contains nan"):
        check_probabilities(torch.tensor([float("nan"), 1.0]), "p")
    with pytest.raises(AssertionError, match="got dtype torch.int64"):
        check_probabilities(torch.tensor([1, 0]), "p")
    with pytest.raises(AssertionError, match="expected a torch.Tensor for `p`, got list"):
        check_probabilities([0.5, 0.5], "p")


# --- forbid_calls: bans enforced by execution ------------------------------------------------

import functools  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402

import torch.nn.functional as F  # noqa: E402

import lmkit.embeddings as lme  # noqa: E402
from lmkit.checks import forbid_calls  # noqa: E402

_ONE_HOT_BAN = ("one_hot", "torch.nn.functional.one_hot", "lmkit.embeddings.one_hot")
_IDS = torch.tensor([1, 0, 2])


def _own_one_hot(ids, n):
    out = torch.zeros(len(ids), n)
    out[torch.arange(len(ids)), ids] = 1.0
    return out


def _closure():
    captured = lme.one_hot
    return lambda ids, n: captured(ids, n)


def _swallowing(ids, n):
    try:
        return F.one_hot(ids, n).float()
    except AssertionError:
        return _own_one_hot(ids, n)


def _in_thread(ids, n):
    box = {}
    worker = threading.Thread(target=lambda: box.setdefault("out", lme.one_hot(ids, n)))
    worker.start()
    worker.join()
    return box["out"]


def _source_copy():
    """lmkit's one_hot exec'd from its source under another name, as a student could paste it."""
    import inspect

    namespace = dict(lme.one_hot.__globals__)
    exec(inspect.getsource(lme.one_hot).replace("def one_hot(", "def my_one_hot("), namespace)
    return namespace["my_one_hot"]


def _code_copy():
    """lmkit's one_hot code rebuilt as a new function object (another name, another first line)."""
    import types

    code = lme.one_hot.__code__.replace(co_name="mine", co_qualname="mine", co_firstlineno=1)
    return types.FunctionType(code, lme.one_hot.__globals__)


_CHEATS = {
    "direct": lambda ids, n: F.one_hot(ids, n).float(),
    "a copy of the source": _source_copy(),
    "a copy of the code": _code_copy(),
    "the reference itself": lme.one_hot,
    "closure": _closure(),
    "partial of a C function": (lambda p: (lambda ids, n: p(ids).float()))(functools.partial(F.one_hot, num_classes=3)),
    "partial of a Python function": functools.partial(lme.one_hot),
    "getattr": lambda ids, n: getattr(sys.modules["lmkit.embeddings"], "one" + "_hot")(ids, n),
    "default argument": lambda ids, n, _f=lme.one_hot: _f(ids, n),
    "globals": lambda ids, n: globals()["lme"].one_hot(ids, n),
    "vars": lambda ids, n: vars(lme)["one_hot"](ids, n),
    "tensor method route": lambda ids, n: torch.nn.functional.__dict__["one_hot"](ids, n).float(),
    "swallowed error": _swallowing,
    "a thread": _in_thread,
    "map": lambda ids, n: torch.stack(list(map(functools.partial(F.one_hot, num_classes=n), ids))).float(),
}


@pytest.mark.parametrize("route", sorted(_CHEATS))
def test_forbid_calls_sees_every_route(route):
    with pytest.raises(AssertionError, match=r"write one_hot yourself; your code called (a copy of )?(torch.nn.functional|lmkit.embeddings).one_hot"):
        with forbid_calls(*_ONE_HOT_BAN):
            _CHEATS[route](_IDS, 3)


def test_forbid_calls_worker_usage_and_own_code_passes():
    """The grader's worker wraps exactly one student call; own code and other torch ops pass."""
    with forbid_calls(*_ONE_HOT_BAN):
        result = _own_one_hot(_IDS, 3)
    check_close(result, lme.one_hot(_IDS, 3), "one_hot")
    # torch's own internal use of a C function is not the student's call
    with forbid_calls("log_softmax", "torch.log_softmax", "torch.Tensor.log_softmax"):
        F.cross_entropy(torch.randn(3, 4), torch.tensor([0, 1, 2]))
    with pytest.raises(AssertionError, match="your code called torch.Tensor.log_softmax"):
        with forbid_calls("log_softmax", "torch.log_softmax", "torch.Tensor.log_softmax"):
            torch.randn(3).log_softmax(0)


def test_forbid_calls_copies_are_whole_functions_and_lmkit_has_no_twins():
    """A copy is recognised by bytecode and names, for named functions of >= 4 lines only: an honest
    one-liner or comprehension identical to lmkit's is not a copy, and no two of lmkit's own
    functions share a key (else calling one would look like copying the other)."""
    import importlib
    import pkgutil
    import types

    import lmkit
    from lmkit._ban import _copy_key

    namespace: dict = {}
    exec("def twice(x):\n    return 2 * x\n", namespace)
    assert _copy_key(namespace["twice"].__code__) is None
    assert _copy_key(_source_copy().__code__) == _copy_key(lme.one_hot.__code__) is not None
    owners: dict = {}
    for info in pkgutil.walk_packages(lmkit.__path__, "lmkit."):
        if info.name.startswith("lmkit.course") or info.name in ("lmkit.train_ddp", "lmkit.training.ddp"):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            functions = [value] if isinstance(value, types.FunctionType) else (
                [f for f in vars(value).values() if isinstance(f, types.FunctionType)] if isinstance(value, type) else [])
            for function in functions:
                key = _copy_key(function.__code__)
                generated = function.__code__.co_filename != module.__file__  # a dataclass's __init__, __repr__
                if key is not None and function.__module__ == info.name and not generated:
                    owners.setdefault(key, set()).add(f"{info.name}.{function.__qualname__}")
    twins = [sorted(names) for names in owners.values() if len(names) > 1]
    assert len(owners) > 200 and not twins, twins


def test_forbid_calls_modules_and_allow_list():
    vocab = lme.Vocabulary(["a", "b"], [1, 1])
    with forbid_calls("analogy", modules=("lmkit.embeddings",), allow=("lmkit.embeddings.Vocabulary",)):
        vocab.encode(["a", "b"])
    with pytest.raises(AssertionError, match="write analogy yourself; your code called lmkit.embeddings.cosine_similarity"):
        with forbid_calls("analogy", modules=("lmkit.embeddings",), allow=("lmkit.embeddings.Vocabulary",)):
            lme.cosine_similarity(torch.ones(2, 3), torch.ones(3))


def test_forbid_calls_is_reusable_nests_and_restores():
    ban = forbid_calls(*_ONE_HOT_BAN)
    for _ in range(2):
        with ban:
            _own_one_hot(_IDS, 3)
    with forbid_calls("softmax", "torch.softmax"), ban:
        _own_one_hot(_IDS, 3)
    assert sys.getprofile() is None
    lme.one_hot(_IDS, 3)  # outside the block: allowed


def test_forbid_calls_switched_off_fails():
    with pytest.raises(AssertionError, match="switched off"):
        with forbid_calls(*_ONE_HOT_BAN):
            sys.setprofile(None)
    assert sys.getprofile() is None


def test_forbid_calls_bad_arguments():
    with pytest.raises(TypeError):
        forbid_calls("", "torch.softmax")
    with pytest.raises(ValueError):
        forbid_calls("x")
    with pytest.raises(ValueError, match="cannot find"):
        forbid_calls("x", "torch.nn.functional.no_such_function")


def test_forbid_calls_overhead_is_small():
    import time

    x = torch.randn(64, 64)

    def step():
        for _ in range(200):
            torch.softmax(x @ x, dim=-1).sum()

    started = time.perf_counter()
    step()
    plain = time.perf_counter() - started
    started = time.perf_counter()
    with forbid_calls("one_hot", "torch.nn.functional.one_hot"):
        step()
    traced = time.perf_counter() - started
    assert traced < 10 * plain + 0.5, (plain, traced)


def test_reference_is_exempt_only_for_the_test_itself():
    from lmkit.checks import reference

    ref = reference(lme.one_hot)
    with forbid_calls(*_ONE_HOT_BAN):
        expected = ref(_IDS, 3)  # the test's own call: allowed
        got = _own_one_hot(_IDS, 3)
    check_close(got, expected, "one_hot")
    with pytest.raises(AssertionError, match="your code called lmkit.embeddings.one_hot"):
        with forbid_calls(*_ONE_HOT_BAN):
            _uses_the_tests_reference(ref)


_student_cell = {"_IDS": _IDS}
exec(compile("def _uses_the_tests_reference(ref):\n    return ref(_IDS, 3)\n", "<student cell>", "exec"), _student_cell)
_uses_the_tests_reference = _student_cell["_uses_the_tests_reference"]  # a student function that found the reference


def _compiled(source: str, filename: str, **names):
    namespace = dict(names)
    exec(compile(source, filename, "exec"), namespace)
    return namespace


def _fake_worker(source: str, **names):
    """``source`` compiled as if it were a file of lmkit's grading machinery (lmkit/course/)."""
    import os

    import lmkit

    worker_file = os.path.join(os.path.dirname(lmkit.__file__), "course", "fake_worker.py")
    return _compiled(source, worker_file, forbid_calls=forbid_calls, **names)


def test_forbid_calls_in_a_grading_worker():
    """The grader's worker: `with forbid_calls(...): result = student_function(*args)` around one call,
    the student's code compiled from a cell, the worker's own frames inside lmkit/course/."""
    worker = _fake_worker(
        "def run(ban, fn, *args):\n"
        "    with forbid_calls(*ban):\n"
        "        return call(fn, *args)\n"
        "def call(fn, *args):\n"
        "    return fn(*args)\n")
    cell = _compiled(
        "def honest(ids, n):\n"
        "    out = torch.zeros(len(ids), n)\n"
        "    out[torch.arange(len(ids)), ids] = 1.0\n"
        "    return out\n"
        "def delegating(ids, n):\n"
        "    return F.one_hot(ids, n).float()\n",
        "<cell 7>", torch=torch, F=F)
    check_close(worker["run"](_ONE_HOT_BAN, cell["honest"], _IDS, 3), lme.one_hot(_IDS, 3), "one_hot")
    for cheat in (cell["delegating"], lme.one_hot, functools.partial(lme.one_hot)):
        with pytest.raises(AssertionError, match="this exercise asks you to write one_hot yourself; your code called"):
            worker["run"](_ONE_HOT_BAN, cheat, _IDS, 3)


def test_forbid_calls_entered_through_an_exit_stack():
    """The judge's worker enters each ban with contextlib.ExitStack; the block's frame is then the
    worker's, not ExitStack's (whose frame is gone by the call): an answer that IS the reference
    (`one_hot = lme.one_hot`, no student frame in between) is still caught."""
    import contextlib
    import threading

    # Run like the worker: in a thread, so that no test frame (user code) lies below the worker's own.
    worker = _fake_worker(
        "def run(ban, fn, *args):\n"
        "    box = {}\n"
        "    thread = threading.Thread(target=serve, args=(box, ban, fn, args))\n"
        "    thread.start()\n"
        "    thread.join()\n"
        "    if 'error' in box:\n"
        "        raise box['error']\n"
        "    return box['value']\n"
        "def serve(box, ban, fn, args):\n"
        "    try:\n"
        "        with contextlib.ExitStack() as stack:\n"
        "            stack.enter_context(forbid_calls(*ban))\n"
        "            box['value'] = call(fn, *args)\n"
        "    except BaseException as err:\n"
        "        box['error'] = err\n"
        "def call(fn, *args):\n"
        "    return fn(*args)\n",
        contextlib=contextlib, threading=threading)
    check_close(worker["run"](_ONE_HOT_BAN, _own_one_hot, _IDS, 3), lme.one_hot(_IDS, 3), "one_hot")
    for cheat in (lme.one_hot, functools.partial(lme.one_hot)):
        with pytest.raises(AssertionError, match="this exercise asks you to write one_hot yourself; your code called"):
            worker["run"](_ONE_HOT_BAN, cheat, _IDS, 3)
