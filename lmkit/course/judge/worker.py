"""The student's process: runs the notebook inside the sandbox, then answers the judge.

Started by the judge as ``python -m lmkit.course.judge.worker CELLS IN_FD OUT_FD
CELL_TIMEOUT`` inside ``sandbox.command``. It

1. executes the student's code cells (``CELLS``, a JSON list of sources; the test
   cells are not among them) in an IPython shell, each under a time limit, printing
   to a log, never to the channel;
2. sends one ``ready`` frame with the cells that failed;
3. serves requests until the channel closes: each names an operation (call, get an
   attribute, iterate, ...) on a name or a handle, with arguments pickled by the judge,
   and gets back a data-only reply (``protocol``), what the call changed in its
   arguments (``shared.items``), the random state, and, for results that need
   gradients, an id to run ``backward`` from later.

Nothing here is trusted: the student's code shares this process and may change any of
it. The judge treats every reply as data to check, so the worst such a change can do
is to fail the student's own tests.
"""

from __future__ import annotations

import json
import operator
import os
import random
import signal
import sys
from collections import OrderedDict
from contextlib import ExitStack
from typing import Any

_WORKER: "Worker | None" = None


def _resolve(handle: int) -> Any:
    """Unpickling hook: a handle the judge sends back becomes the worker's own object."""
    return _WORKER.resolve(handle)


def _call(function: Any, *args: Any, **kwargs: Any) -> Any:
    return function(*args, **kwargs)


OPERATIONS = {
    "call": _call,
    "getattr": getattr,
    "setattr": setattr,
    "delattr": delattr,
    "getitem": operator.getitem,
    "setitem": operator.setitem,
    "contains": operator.contains,
    "len": len,
    "iter": iter,
    "next": next,
    "repr": repr,
    "str": str,
    "bool": bool,
    "instancecheck": lambda cls, obj: isinstance(obj, cls),
    "subclasscheck": lambda cls, sub: isinstance(sub, type) and issubclass(sub, cls),
}

BY_HANDLE = ("__globals__", "__dict__")  # attributes sent as handles, never copied as data
GRAPHS_KEPT = 64  # calls whose autograd graph waits for a backward; older ones are dropped


class Worker:
    def __init__(self, shell, read_fd: int, write_fd: int):
        self.shell = shell
        self.read_fd, self.write_fd = read_fd, write_fd
        self.objects: dict[int, Any] = {}
        self.ids: dict[int, int] = {}  # id(obj) -> handle
        self.resolved: set[int] = set()  # id() of objects that arrived as handles in this request
        self.graphs: "OrderedDict[int, tuple[list, list]]" = OrderedDict()
        self.next_graph = 0

    # --- handles ---------------------------------------------------------------------------

    def resolve(self, handle: int) -> Any:
        if handle not in self.objects:
            raise LookupError(f"handle {handle} is unknown (released, or from before a restart)")
        value = self.objects[handle]
        self.resolved.add(id(value))
        return value

    def handle_of(self, value: Any) -> dict:
        import torch

        from .protocol import TAG

        key = id(value)
        if key not in self.ids:
            handle = len(self.objects) + 1
            self.objects[handle], self.ids[key] = value, handle
        kind = type(value)
        mro = [f"{k.__module__}:{k.__qualname__}"[:200] for k in getattr(kind, "__mro__", (kind,))][:20]
        return {TAG: "handle", "id": self.ids[key], "type": f"{kind.__module__}.{kind.__qualname__}"[:200], "mro": mro,
                "callable": callable(value), "module": isinstance(value, torch.nn.Module),
                "class": isinstance(value, type)}

    # --- one request -------------------------------------------------------------------------

    def serve(self) -> None:
        from .protocol import ChannelError, dump_reply, load_request, read_frame, write_frame

        while True:
            try:
                request = load_request(read_frame(self.read_fd))
            except ChannelError:
                return
            except Exception as err:  # noqa: BLE001 - e.g. a handle from before a restart
                reply = {"seq": None, "error": _error(err)}
            else:
                reply = self.answer(request)
            try:
                payload = dump_reply(reply)
            except Exception as err:  # noqa: BLE001 - the value could not be written as data
                payload = dump_reply({"seq": reply.get("seq"), "error": _error(err)})
            write_frame(self.write_fd, payload)

    def answer(self, request: dict) -> dict:
        import torch

        from . import shared
        from .protocol import to_wire

        seq = request.get("seq")
        try:
            if request["op"] == "backward":
                return {"seq": seq, "value": self.backward(request["graph"], request["grads"])}
            if request["op"] == "get":
                if request["name"] not in self.shell.user_ns:
                    raise NameError(f"name {request['name']!r} is not defined in your notebook")
                return {"seq": seq, "value": to_wire(self.shell.user_ns[request["name"]], self.handle_of)}
            if request["op"] == "release":
                for handle in request["ids"]:
                    value = self.objects.pop(handle, None)
                    self.ids.pop(id(value), None)
                return {"seq": seq, "value": None}
            operation = OPERATIONS[request["op"]]
            target = self.resolve(request["target"])
            args, kwargs = request.get("args", ()), request.get("kwargs", {})
            walked = list(shared.items(args, kwargs, lambda v: id(v) in self.resolved))
            before = [_snapshot(item) for item in walked]
            judge_leaves = shared.leaves(walked)
            torch.set_rng_state(request["rng"])
            random.setstate(request["py_rng"])
            with ExitStack() as stack:
                stack.enter_context(torch.set_grad_enabled(bool(request.get("grad", True))))
                for ban_args, ban_kwargs in request.get("bans", []):
                    from lmkit.checks import forbid_calls

                    stack.enter_context(forbid_calls(*ban_args, **ban_kwargs))
                value = operation(target, *args, **kwargs)
            if request["op"] == "getattr" and args and args[0] in BY_HANDLE:
                # A namespace stays here (the judge changes it in place) and carries no graph: a
                # notebook's `loss` at top level is fetched, with its own graph, only when read.
                wire, graph = self.handle_of(value), None
            else:
                wire = to_wire(value, self.handle_of)
                graph = self.keep_graph(value, judge_leaves) if request.get("grad", True) else None
            return {
                "seq": seq,
                "value": wire,
                "writeback": [to_wire(_changes(item, old), self.handle_of) for item, old in zip(walked, before)],
                "rng": torch.get_rng_state(),
                "py_rng": random.getstate(),
                "graph": graph,
            }
        except BaseException as err:  # noqa: BLE001 - every failure of the student's code is a reply
            return {"seq": seq, "error": _error(err)}
        finally:
            self.resolved.clear()

    # --- gradients ---------------------------------------------------------------------------

    def keep_graph(self, value: Any, judge_leaves: list) -> int | None:
        outputs = [t for t in _tensors(value) if t.requires_grad and t.grad_fn is not None]
        if not outputs:
            return None
        self.next_graph += 1
        self.graphs[self.next_graph] = (outputs, judge_leaves)
        while len(self.graphs) > GRAPHS_KEPT:
            self.graphs.popitem(last=False)
        return self.next_graph

    def backward(self, graph: int, grads: list) -> list:
        import torch

        if graph not in self.graphs:
            raise RuntimeError("this result's gradient graph is no longer kept; call backward sooner")
        outputs, judge_leaves = self.graphs[graph]  # kept: jacobian() runs backward once per output
        pairs = [(o, g if g is not None else torch.zeros_like(o)) for o, g in zip(outputs, grads)]
        for leaf in judge_leaves:
            leaf.grad = None
        torch.autograd.backward([o for o, _ in pairs], [g for _, g in pairs], retain_graph=True)
        return [leaf.grad for leaf in judge_leaves]


def _tensors(value: Any, depth: int = 0) -> list:
    """The tensors of a result, in the order ``protocol.to_wire`` meets them (lists, tuples, dicts)."""
    import torch

    if depth > 32:
        return []
    if isinstance(value, torch.Tensor):
        return [value]
    if type(value) in (list, tuple):
        return [t for v in value for t in _tensors(v, depth + 1)]
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in _tensors(k, depth + 1) + _tensors(v, depth + 1)]
    return []


# --- what a call changed in its arguments ------------------------------------------------


def _snapshot(item: Any) -> Any:
    import torch

    if isinstance(item, torch.Tensor):
        return (item.detach().clone(), item.shape, item.dtype)
    if isinstance(item, torch.nn.Module):
        return ({k: v.detach().clone() for k, v in item.state_dict(keep_vars=True).items()},
                [p.requires_grad for p in item.parameters()], [m.training for m in item.modules()])
    if isinstance(item, list):
        return list(item)
    if isinstance(item, dict):
        return dict(item)
    return None


def _changes(item: Any, old: Any) -> Any:
    """None when nothing changed; else what the judge needs to change its copy the same way."""
    import torch

    if isinstance(item, torch.Tensor):
        data, shape, dtype = old
        if item.shape == shape and item.dtype == dtype and (item.is_meta or torch.equal(item.detach(), data)):
            return None  # (a meta tensor has no values to change)
        return {"tensor": item.detach().clone()}
    if isinstance(item, torch.nn.Module):
        state, flags, modes = old
        now = item.state_dict(keep_vars=True)
        changed = {k: v.detach().clone() for k, v in now.items()
                   if k not in state or v.shape != state[k].shape
                   or not v.is_meta and not torch.equal(v.detach(), state[k])}
        grads = [p.grad.detach().clone() if p.grad is not None else None for p in item.parameters()]
        return {"state": changed, "requires_grad": [p.requires_grad for p in item.parameters()],
                "training": [m.training for m in item.modules()], "grads": grads}
    if isinstance(item, torch.optim.Optimizer):
        return {"optimizer": item.state_dict()}
    if isinstance(item, torch.Generator):
        return {"generator": item.get_state()}
    if isinstance(item, random.Random):
        return {"random": item.getstate()}
    if isinstance(item, list):
        if len(item) == len(old) and all(a is b for a, b in zip(item, old)):
            return None
        return {"list": list(item)}
    if isinstance(item, dict):
        if item.keys() == old.keys() and all(item[k] is old[k] for k in item):
            return None
        return {"dict": dict(item)}
    return None


def _error(err: BaseException) -> dict:
    kind = type(err)
    bases = [k.__name__ for k in kind.__mro__ if k.__module__ == "builtins"]
    try:
        message = err.args[0] if len(err.args) == 1 and isinstance(err.args[0], str) else str(err)
    except Exception:  # noqa: BLE001 - a student's exception whose __str__ fails
        message = "<unprintable>"
    return {"type": kind.__name__[:100], "bases": bases, "message": message[:4000]}


# --- running the notebook ----------------------------------------------------------------


def _cpu_alarm(signum, frame):
    raise TimeoutError("the cell used more CPU time than the grader's limit")


def _wall_alarm(signum, frame):
    raise TimeoutError("the cell waited longer than the grader's limit")


def run_cells(shell, cells: list[dict], cell_timeout: float) -> list[dict]:
    """Each cell under two limits: ``cell_timeout`` s of CPU time, and WALL_FACTOR times that of wall time."""
    from .protocol import WALL_FACTOR

    failures = []
    signal.signal(signal.SIGPROF, _cpu_alarm)
    signal.signal(signal.SIGALRM, _wall_alarm)
    for index, cell in enumerate(cells):
        source = str(cell.get("source", "")) if isinstance(cell, dict) else str(cell)
        signal.setitimer(signal.ITIMER_PROF, cell_timeout)
        signal.setitimer(signal.ITIMER_REAL, cell_timeout * WALL_FACTOR)
        try:
            result = shell.run_cell(source, store_history=False, silent=False)
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.setitimer(signal.ITIMER_REAL, 0)
        error = result.error_in_exec or result.error_before_exec
        if error is not None:
            name = cell.get("name") if isinstance(cell, dict) else None
            failures.append({"cell": index, "name": str(name or f"#{index}"), **_error(error)})
    return failures


LIMITS = {"as": "RLIMIT_AS", "nproc": "RLIMIT_NPROC", "fsize": "RLIMIT_FSIZE", "nofile": "RLIMIT_NOFILE",
          "core": "RLIMIT_CORE", "cpu": "RLIMIT_CPU"}


def apply_limits(options: list[str]) -> None:
    """``--limit=as=BYTES`` and friends: soft = hard, set before any student code runs."""
    import resource

    for option in options:
        name, _, value = option[len("--limit="):].partition("=")
        limit = int(value)
        resource.setrlimit(getattr(resource, LIMITS[name]), (limit, limit))


def main(argv: list[str]) -> int:
    global _WORKER
    apply_limits([a for a in argv if a.startswith("--limit=")])
    argv = [a for a in argv if not a.startswith("--limit=")]
    cells_path, read_fd, write_fd, cell_timeout = argv[0], int(argv[1]), int(argv[2]), float(argv[3])
    cells = json.loads(open(cells_path, encoding="utf-8").read())
    os.environ.setdefault("MPLBACKEND", "Agg")
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    _WORKER = Worker(shell, read_fd, write_fd)
    failures = run_cells(shell, cells, cell_timeout)
    sys.stdout.flush()
    from .protocol import dump_reply, write_frame

    write_frame(write_fd, dump_reply({"ready": True, "failures": failures[:50]}))
    _WORKER.serve()
    return 0


if __name__ == "__main__":
    # Run as the importable module, so that handles unpickle into this Worker (``_resolve``).
    from lmkit.course.judge import worker as _module

    sys.stdout.flush()
    os._exit(_module.main(sys.argv[1:]) or 0)  # no atexit hooks of the student's: the channel is closed
