"""The judge's client for the student's process: start it, send requests, read replies, with deadlines.

``WorkerClient`` starts the sandboxed worker, waits for it to finish the student's
notebook, and sends requests (``request``: call, get an attribute, run backward...)
with deadlines of wall time and of CPU time, read from ``/proc`` over the worker's
whole process tree. A reply is data (``protocol.py``) with what the call changed in
its arguments and, for outputs that need gradients, a graph to join
(``replies.py``); objects come back as ``Remote`` proxies (``proxy.py``).

A worker that misses a deadline is killed; the next request starts a fresh one (the
notebook runs again) at most ``max_starts`` times in all.
"""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import time
from typing import Any

import torch

from . import protocol, shared
from .pickling import _dump
from .protocol import ChannelError
from .proxy import CallTimeout, Remote, WorkerGone, remote_exception
from .replies import _apply_change, _collect, _RemoteGraph, _replace


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
