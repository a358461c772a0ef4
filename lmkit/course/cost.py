"""What a notebook costs to execute: wall time and peak memory of its kernel (Linux, from /proc).

A :class:`MemoryProbe` thread samples a process tree every 50 ms while a command
runs: the kernel processes under it (found by their command line, default
``ipykernel``), each kernel's own peak resident memory (``VmHWM``: exact, kept
by the OS) and the summed resident memory of each kernel with its children
(sampled). :func:`run_measured` runs any command under the probe (nbconvert,
``pytest --nbval``), :func:`measure_notebook` executes one notebook with
nbconvert. Both the course budget check (tests/test_memory.py) and
benchmarks/notebook_cost.py use them. No torch, no extra packages.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")

# Peak memory a notebook may use when executed for grading or CI (quick mode): mybinder.org
# gives 2 GB, and the kernel shares it with the Jupyter server.
MEMORY_BUDGET_MIB = 1536


def _children(pid: int) -> list[int]:
    """Direct children of ``pid`` (from /proc/<pid>/task/*/children)."""
    result = []
    for task in (PROC / str(pid) / "task").glob("*"):
        try:
            result += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, ValueError):
            pass  # the task ended while we read it
    return result


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, grandchildren, ...)."""
    found, frontier = [], [pid]
    while frontier:
        kids = _children(frontier.pop())
        found += kids
        frontier += kids
    return found


def status_kib(pid: int, field: str) -> int:
    """A ``/proc/<pid>/status`` field in KiB (``VmRSS``, ``VmHWM``); 0 once the process is gone."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _cmdline_has(pid: int, marker: bytes) -> bool:
    try:
        return marker in (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return False


class MemoryProbe(threading.Thread):
    """Samples the memory of the processes under ``root_pid`` whose command line contains ``match``.

    ``match=None`` measures ``root_pid`` itself (with its children). After
    :meth:`stop`, ``peak_kib`` holds the largest ``VmHWM`` of a matched process
    and ``tree_peak_kib`` the largest sampled sum of ``VmRSS`` over a matched
    process and its descendants; ``matched`` says whether any process matched.
    """

    def __init__(self, root_pid: int, match: bytes | None = b"ipykernel", interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        if not PROC.is_dir():
            raise RuntimeError("measuring memory reads /proc: Linux only")
        if interval <= 0:
            raise ValueError(f"interval must be positive seconds, got {interval!r}")
        self.root_pid, self.match, self.interval = root_pid, match, interval
        self.peak_kib = 0
        self.tree_peak_kib = 0
        self.matched = False
        self._done = threading.Event()

    def _targets(self) -> list[int]:
        if self.match is None:
            return [self.root_pid]
        return [pid for pid in descendants(self.root_pid) if _cmdline_has(pid, self.match)]

    def sample(self) -> None:
        """Take one sample now (the thread calls this every ``interval`` seconds)."""
        for pid in self._targets():
            hwm = status_kib(pid, "VmHWM")
            if hwm == 0:
                continue  # exited between listing and reading
            self.matched = True
            self.peak_kib = max(self.peak_kib, hwm)
            tree = sum(status_kib(p, "VmRSS") for p in [pid, *descendants(pid)])
            self.tree_peak_kib = max(self.tree_peak_kib, tree)

    def run(self) -> None:
        while not self._done.is_set():
            self.sample()
            self._done.wait(self.interval)

    def stop(self) -> None:
        self._done.set()
        self.join()


@dataclass
class Cost:
    """Wall time and memory of one measured run (memory in MiB)."""

    seconds: float
    kernel_peak_mib: float
    tree_peak_mib: float
    matched: bool

    @property
    def peak_mib(self) -> float:
        """The larger of the two memory figures: what a budget is checked against."""
        return max(self.kernel_peak_mib, self.tree_peak_mib)

    def describe(self) -> str:
        return (f"{self.seconds:.1f} s, kernel peak {self.kernel_peak_mib:.0f} MiB, "
                f"kernel tree peak {self.tree_peak_mib:.0f} MiB")


def run_measured(
    command: list[str],
    cwd: str | Path,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
    match: bytes | None = b"ipykernel",
) -> tuple[subprocess.CompletedProcess, Cost]:
    """Run ``command`` (output captured) while probing the processes it starts that match ``match``.

    Raises ``subprocess.TimeoutExpired`` (after killing the command) past ``timeout`` seconds.
    """
    if not command:
        raise ValueError("command must be a non-empty list of arguments")
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    probe = MemoryProbe(process.pid, match=match)
    probe.start()
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    finally:
        probe.stop()
    cost = Cost(time.perf_counter() - started, probe.peak_kib / 1024, probe.tree_peak_kib / 1024, probe.matched)
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr), cost


def notebook_env(quick: bool = True, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment to execute a notebook in: quick (``LMKIT_QUICK=1``) or full budgets, no display."""
    env = dict(os.environ if base is None else base, MPLBACKEND="Agg")
    env.pop("NBGRADER_EXECUTION", None)
    if quick:
        env["LMKIT_QUICK"] = "1"
    else:
        env.pop("LMKIT_QUICK", None)
    return env


def measure_notebook(
    notebook: str | Path, quick: bool = True, cell_timeout: int = 1800, env: dict[str, str] | None = None,
    keep: str | Path | None = None,
) -> Cost:
    """Execute ``notebook`` with ``jupyter nbconvert --execute`` (from its folder).

    ``env`` defaults to :func:`notebook_env` of ``quick``. The executed copy is discarded, or
    written into the folder ``keep`` (to read the figures it printed). Raises ``RuntimeError``
    with the end of nbconvert's output when the notebook fails.
    """
    notebook = Path(notebook).resolve()
    if notebook.suffix != ".ipynb" or not notebook.is_file():
        raise ValueError(f"expected an existing .ipynb file, got {notebook}")
    with tempfile.TemporaryDirectory(prefix="lmkit-cost-") as scratch:
        out = str(Path(keep).resolve()) if keep is not None else scratch
        command = [sys.executable, "-m", "jupyter", "nbconvert", "--execute", "--to", "notebook",
                   f"--ExecutePreprocessor.timeout={cell_timeout}", "--output-dir", out, str(notebook)]
        result, cost = run_measured(command, cwd=notebook.parent, env=env or notebook_env(quick))
    if result.returncode != 0:
        raise RuntimeError(f"{notebook} failed to execute:\n{result.stderr[-3000:]}")
    return cost
