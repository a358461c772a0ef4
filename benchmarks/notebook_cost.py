"""Wall time and peak memory of executing a notebook's kernel (quick or full mode).

    python benchmarks/notebook_cost.py solutions/01-word-vectors/word-vectors.ipynb [--full]

Runs ``jupyter nbconvert --execute`` in a subprocess (output to a temporary
folder) and polls ``/proc`` every 50 ms for the kernel process
(``ipykernel_launcher``) and its descendants. Reports the wall time, the
kernel's own peak resident memory (``VmHWM``, exact: kept by the OS) and the
peak summed resident memory of the kernel's process tree (sampled). Linux only
(reads /proc); no extra packages needed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PROC = Path("/proc")


def _children(pid: int) -> list[int]:
    """Direct children of ``pid`` (from /proc/<pid>/task/*/children)."""
    result = []
    for task in (PROC / str(pid) / "task").glob("*"):
        try:
            result += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return result


def _descendants(pid: int) -> list[int]:
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        kids = _children(current)
        found += kids
        frontier += kids
    return found


def _status_kib(pid: int, field: str) -> int:
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _is_kernel(pid: int) -> bool:
    try:
        return b"ipykernel" in (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return False


class KernelMemoryProbe(threading.Thread):
    """Samples the memory of the kernel started under ``root_pid`` until stopped."""

    def __init__(self, root_pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.root_pid, self.interval = root_pid, interval
        self.kernel_hwm_kib = 0
        self.tree_peak_kib = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            for kernel in filter(_is_kernel, _descendants(self.root_pid)):
                tree = [kernel, *_descendants(kernel)]
                self.kernel_hwm_kib = max(self.kernel_hwm_kib, _status_kib(kernel, "VmHWM"))
                self.tree_peak_kib = max(self.tree_peak_kib, sum(_status_kib(p, "VmRSS") for p in tree))
            time.sleep(self.interval)

    def stop(self) -> None:
        self._done.set()
        self.join()


def measure(notebook: Path, full: bool, timeout: int) -> dict[str, float]:
    """Execute ``notebook``; return seconds and MiB figures."""
    if not PROC.is_dir():
        raise SystemExit("notebook_cost.py reads /proc: Linux only")
    env = dict(os.environ, MPLBACKEND="Agg")
    env.pop("NBGRADER_EXECUTION", None)
    if full:
        env.pop("LMKIT_QUICK", None)
    else:
        env["LMKIT_QUICK"] = "1"
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "jupyter", "nbconvert", "--execute", "--to", "notebook",
                   f"--ExecutePreprocessor.timeout={timeout}", "--output-dir", out, str(notebook)]
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=notebook.parent, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        probe = KernelMemoryProbe(process.pid)
        probe.start()
        _, stderr = process.communicate()
        elapsed = time.perf_counter() - started
        probe.stop()
    if process.returncode != 0:
        raise SystemExit(f"{notebook} failed to execute:\n{stderr[-3000:]}")
    return {
        "seconds": elapsed,
        "kernel_peak_mib": probe.kernel_hwm_kib / 1024,
        "tree_peak_mib": probe.tree_peak_kib / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--full", action="store_true", help="full training budgets (default: LMKIT_QUICK=1)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    args = parser.parse_args()
    mode = "full" if args.full else "quick"
    print(f"{'notebook':<50} {'mode':<6} {'wall s':>8} {'kernel peak MiB':>16} {'tree peak MiB':>14}")
    for notebook in args.notebooks:
        result = measure(notebook.resolve(), args.full, args.timeout)
        print(f"{str(notebook):<50} {mode:<6} {result['seconds']:>8.1f} "
              f"{result['kernel_peak_mib']:>16.0f} {result['tree_peak_mib']:>14.0f}")


if __name__ == "__main__":
    main()
