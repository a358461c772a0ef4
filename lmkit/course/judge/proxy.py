"""The judge's side of the channel: a client for the worker, and proxies for its objects.

``WorkerClient`` starts the sandboxed worker, waits for it to finish the student's
notebook, and sends requests with deadlines. ``Remote`` stands for one object of the
worker's (a function, a class, a model): calling it, reading an attribute, iterating
or indexing it becomes a request, and what comes back is data or another ``Remote``.
A call's result that needs gradients is joined to the judge's autograd graph by
``_RemoteGraph``, whose backward asks the worker for the gradients of the call's
inputs, so ``loss = sgns_loss(c, o, n); loss.backward()`` works as in one process.

A worker that misses a deadline is killed; the next request starts a fresh one (the
notebook runs again) at most ``max_starts`` times in all.
"""

from __future__ import annotations

import builtins
import functools
import importlib
import io
import marshal
import os
import pickle
import random
import select
import signal
import subprocess
import time
import types
from typing import Any

import torch

from . import protocol, shared
from .protocol import ChannelError


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


def _process_table() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds used: user + system, with reaped children) from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    table: dict[int, tuple[int, float]] = {}
    for entry in (e for e in os.listdir("/proc") if e.isdigit()):
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read().decode("ascii", "replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()  # after "pid (comm) "
        if len(fields) >= 15:
            table[int(entry)] = (int(fields[1]), sum(int(f) for f in fields[11:15]) / ticks)
    return table


def _descendants(pid: int, table: dict[int, tuple[int, float]] | None = None) -> list[int]:
    """``pid`` and every process below it."""
    table = _process_table() if table is None else table
    children: dict[int, list[int]] = {}
    for member, (parent, _) in table.items():
        children.setdefault(parent, []).append(member)
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack += children.get(current, [])
    return found


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by process ``pid`` and all its descendants (Linux /proc)."""
    table = _process_table()
    return sum(table[member][1] for member in _descendants(pid, table) if member in table)


def tree_peak_memory(pid: int) -> int:
    """The largest peak resident memory (VmHWM, bytes) among ``pid`` and its descendants."""
    peak = 0
    for member in _descendants(pid):
        try:
            for line in open(f"/proc/{member}/status", encoding="ascii", errors="replace"):
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) * 1024)
        except OSError:
            continue
    return peak


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


class WorkerClient:
    def __init__(self, command: list[str], cells_arg: str, *, cell_timeout: float, call_timeout: float,
                 ready_timeout: float, env: dict[str, str] | None = None, log_path: str | None = None,
                 max_starts: int = 3):
        self.command, self.cells_arg = list(command), cells_arg
        self.cell_timeout, self.call_timeout, self.ready_timeout = cell_timeout, call_timeout, ready_timeout
        self.env, self.log_path, self.max_starts = env, log_path, max_starts
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self.generation = 0
        self.seq = 0
        self.bans: list[tuple[tuple, dict]] = []
        self.failures: list[dict] = []  # cells of the notebook that raised in the worker (last start)
        self.events: list[str] = []  # restarts and time-outs, for the grader's notes
        self.rfd = self.wfd = -1
        self.ready = False
        self.ready_deadline = 0.0
        self.proxies: dict[tuple[int, int], Remote] = {}
        self.peak_memory = 0  # bytes: the largest VmHWM among the worker's processes, read from outside
        self.launches = 0  # processes actually started (``starts`` also counts refusals to restart)
        self.died = False  # the notebook's process ended while running the notebook
        self.started = 0.0
        self.cpu_budget: float | None = None
        self.cpu_start = 0.0

    # --- the process -------------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker (the student's notebook begins to run) without waiting for it."""
        if self.starts >= self.max_starts:
            raise WorkerGone("your notebook's process was stopped and is not restarted again "
                             f"(started {self.starts} times)")
        self.starts += 1
        self.launches += 1
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        try:
            self.process = subprocess.Popen(
                [*self.command, self.cells_arg, str(to_worker_r), str(from_worker_w), str(self.cell_timeout)],
                pass_fds=(to_worker_r, from_worker_w), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                env=self.env, start_new_session=True,
            )
        finally:
            os.close(to_worker_r)
            os.close(from_worker_w)
            if log is not subprocess.DEVNULL:
                log.close()
        self.rfd, self.wfd = from_worker_r, to_worker_w
        self.generation += 1
        self.ready = False
        self.ready_deadline = time.monotonic() + self.ready_timeout

    def _await_ready(self) -> None:
        self.started, self.cpu_budget = time.monotonic(), None  # the notebook's cells have their own limits
        try:
            ready = protocol.load_reply(self._read(self.ready_deadline))
        except (CallTimeout, ChannelError) as err:
            self.died = isinstance(err, ChannelError)
            self.kill()
            self.starts = self.max_starts  # the same notebook would only stop the same way again
            self.events.append(f"the notebook did not finish running in the sandbox ({err})")
            raise WorkerGone(f"your notebook did not finish running within {self.ready_timeout:g} s "
                             "in the grader, or its process died") from None
        if not isinstance(ready, dict) or not ready.get("ready"):
            self.kill()
            raise WorkerGone("your notebook's process did not start properly")
        self.failures = [f for f in ready.get("failures", []) if isinstance(f, dict)]
        self.ready = True

    def kill(self) -> None:
        for fd in (self.rfd, self.wfd):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.rfd = self.wfd = -1
        self.ready = False
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
            self.process = None

    def close(self) -> None:
        if self.process is not None:
            self.peak_memory = max(self.peak_memory, tree_peak_memory(self.process.pid))
        self.kill()

    def _ensure(self) -> None:
        if self.process is not None and self.ready and self.process.poll() is not None:
            self.events.append("the notebook's process died; restarting it")
            self.kill()
        if self.process is None:
            self.start()
        if not self.ready:
            self._await_ready()

    # --- frames with deadlines ---------------------------------------------------------------

    def _wait(self, fd: int, deadline: float, write: bool = False) -> None:
        """Wait for ``fd``; CallTimeout past ``deadline`` (wall) or past the CPU budget of this request."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise CallTimeout(f"your code did not answer within {deadline - self.started:.0f} s")
            ready = select.select([] if write else [fd], [fd] if write else [], [], min(remaining, 0.5))
            if ready[0] or ready[1]:
                return
            if self.cpu_budget is not None and self.process is not None:
                used = tree_cpu_seconds(self.process.pid) - self.cpu_start
                if used > self.cpu_budget:
                    raise CallTimeout(f"your code used more than {self.cpu_budget:g} s of CPU time")

    def _read(self, deadline: float) -> bytes:
        header = self._read_exactly(8, deadline)
        size = int.from_bytes(header, "big")
        if size > protocol.MAX_FRAME:
            raise ChannelError(f"a reply of {size} bytes is over the limit")
        return self._read_exactly(size, deadline)

    def _read_exactly(self, size: int, deadline: float) -> bytes:
        chunks, remaining = [], size
        while remaining:
            self._wait(self.rfd, deadline)
            chunk = os.read(self.rfd, min(remaining, 1 << 20))
            if not chunk:
                raise ChannelError("the student's process closed the channel (it may have crashed)")
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def _write(self, payload: bytes, deadline: float) -> None:
        view = memoryview(len(payload).to_bytes(8, "big") + payload)
        while view:
            self._wait(self.wfd, deadline, write=True)
            view = view[os.write(self.wfd, view[: 1 << 16]):]

    # --- requests ----------------------------------------------------------------------------

    def request(self, op: str, target: "Remote | None" = None, args: tuple = (), kwargs: dict | None = None,
                **extra: Any) -> Any:
        kwargs = dict(kwargs or {})
        self._ensure()
        walked = list(shared.items(args, kwargs, lambda v: type(v) is Remote))
        self.seq += 1
        message = {"op": op, "seq": self.seq, "args": tuple(args), "kwargs": kwargs,
                   "target": None if target is None else target._lm_handle(), "bans": list(self.bans),
                   "grad": torch.is_grad_enabled(), "rng": torch.get_rng_state(), "py_rng": random.getstate(),
                   **extra}
        payload = _dump(message)  # a TypeError here is the test's problem, not the worker's
        self.started = time.monotonic()
        deadline = self.started + self.call_timeout * protocol.WALL_FACTOR
        self.cpu_budget, self.cpu_start = self.call_timeout, tree_cpu_seconds(self.process.pid)
        try:
            self._write(payload, deadline)
            reply = protocol.load_reply(self._read(deadline))
        except (CallTimeout, ChannelError, OSError, KeyboardInterrupt) as err:
            self.events.append(f"{op} timed out or failed in the sandbox: {err}")
            self.kill()
            if isinstance(err, CallTimeout):
                raise
            raise WorkerGone(f"your notebook's process stopped answering ({err})") from None
        if isinstance(reply, dict) and reply.get("seq") is None and "error" in reply:
            reply["seq"] = self.seq  # the worker could not read the request: its answer is an error
        if not isinstance(reply, dict) or reply.get("seq") != self.seq:
            self.kill()
            raise WorkerGone("your notebook's process sent an answer out of turn; it was stopped")
        if "error" in reply:
            raise remote_exception(reply["error"] if isinstance(reply["error"], dict) else {})
        value = protocol.from_wire(reply.get("value"), self._make_handle)
        if op in ("get", "release", "backward"):
            return value
        self._apply_writeback(walked, reply.get("writeback") or [])
        if isinstance(reply.get("rng"), torch.Tensor):
            torch.set_rng_state(reply["rng"])
        if reply.get("py_rng") is not None:
            try:
                random.setstate(reply["py_rng"])
            except (TypeError, ValueError):
                pass
        if reply.get("graph") is not None and torch.is_grad_enabled():
            value = self._attach(value, int(reply["graph"]), shared.leaves(walked))
        return value

    def _make_handle(self, tag: dict) -> "Remote":
        """One proxy per worker object, so ``load_weights(model) is model`` holds as in one process."""
        key = (self.generation, int(tag.get("id", 0)))
        if key not in self.proxies:
            self.proxies[key] = Remote(self, tag)
        return self.proxies[key]

    def get(self, name: str) -> Any:
        value = self.request("get", name=name)
        if type(value) is Remote:
            object.__setattr__(value, "_lm_name", name)
        return value

    def backward(self, graph: int, generation: int, grads: tuple) -> list:
        if generation != self.generation:
            raise WorkerGone("the student's process was restarted; this result's gradients are lost")
        return self.request("backward", graph=graph, grads=list(grads))

    # --- what came back ----------------------------------------------------------------------

    def _apply_writeback(self, walked: list, changes: list) -> None:
        for item, change in zip(walked, changes):
            if item is shared.SKIP or not isinstance(change, dict):
                continue
            with torch.no_grad():
                _apply_change(item, protocol.from_wire(change, self._make_handle))

    def _attach(self, value: Any, graph: int, leaves: list) -> Any:
        outputs: list[torch.Tensor] = []
        _collect(value, outputs)
        if not outputs:
            return value
        anchor = torch.zeros((), requires_grad=True)  # so the outputs require grad even with no leaves
        joined = _RemoteGraph.apply(self, graph, len(leaves) + 1, anchor, *leaves,
                                    *[o.detach() for o in outputs])
        replacements = iter(joined if isinstance(joined, tuple) else (joined,))
        return _replace(value, replacements)


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
