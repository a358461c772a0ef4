"""Wall time and peak memory of executing notebooks' kernels (quick or full mode), on N CPUs.

    python benchmarks/notebook_cost.py [NOTEBOOK ...] [--full] [--cpus N] [--threads T] [--keep DIR]

Without NOTEBOOK: every solutions notebook, in order. Runs ``jupyter nbconvert --execute`` in a
subprocess (output to a temporary folder) while ``lmkit.course.cost`` polls ``/proc`` every 50 ms for the
kernel process (``ipykernel_launcher``) and its descendants. Reports the wall time, the kernel's own
peak resident memory (``VmHWM``, exact: kept by the OS) and the peak summed resident memory of the
kernel's process tree (sampled). Linux only (reads /proc); no extra packages needed.
tests/test_memory.py checks the quick figures against the course budget (``MEMORY_BUDGET_MIB``).

``--cpus N`` pins this process, and so nbconvert and the kernel, to the first N CPUs it may use (what
``taskset -c 0`` does for N=1: one core, like mybinder.org's 1-CPU limit). ``--threads T`` sets
``LMKIT_THREADS=T`` for the kernel: ``--threads 2 --cpus 1`` reproduces torch's default in a 1-CPU
container on a 2-core host (before lmkit.runtime set the count), without it lmkit's own choice (after).
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

from lmkit.course.cost import MEMORY_BUDGET_MIB, measure_notebook, notebook_env

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: solutions/*/*.ipynb")
    parser.add_argument("--full", action="store_true", help="full training budgets (default: LMKIT_QUICK=1)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    parser.add_argument("--cpus", type=int, default=None, help="pin to the first N usable CPUs")
    parser.add_argument("--threads", type=int, default=None, help="LMKIT_THREADS for the kernel")
    parser.add_argument("--keep", type=Path, default=None, help="write the executed notebooks into this folder")
    args = parser.parse_args()
    notebooks = args.notebooks or sorted((REPO / "solutions").glob("*/*.ipynb"))
    if args.cpus is not None:
        usable = sorted(os.sched_getaffinity(0))
        if not 1 <= args.cpus <= len(usable):
            raise SystemExit(f"--cpus must be between 1 and {len(usable)}")
        os.sched_setaffinity(0, usable[:args.cpus])  # inherited by nbconvert and the kernel
    mode = "full" if args.full else "quick"
    env = notebook_env(quick=not args.full)
    if args.threads is not None:
        env["LMKIT_THREADS"] = str(args.threads)
        env.pop("OMP_NUM_THREADS", None)
    cpus = sorted(os.sched_getaffinity(0))
    print(f"CPUs {cpus}, LMKIT_THREADS={env.get('LMKIT_THREADS', '(lmkit decides)')}, "
          f"load {os.getloadavg()[0]:.1f}")
    print(f"{'notebook':<50} {'mode':<6} {'wall s':>8} {'kernel peak MiB':>16} {'tree peak MiB':>14}")
    total, failed = 0.0, 0
    for notebook in notebooks:
        name = notebook.resolve().relative_to(REPO) if notebook.resolve().is_relative_to(REPO) else notebook
        try:
            cost = measure_notebook(notebook, quick=not args.full, cell_timeout=args.timeout, env=env, keep=args.keep)
        except (RuntimeError, ValueError) as err:
            failed += 1
            last = [line for line in str(err).splitlines() if line.strip()][-1:]
            reason = re.sub(r"\x1b\[[0-9;]*m", "", "".join(last))[:200]
            print(f"{str(name):<50} {mode:<6}   FAILED: {reason}", flush=True)
            continue
        total += cost.seconds
        print(f"{str(name):<50} {mode:<6} {cost.seconds:>8.1f} "
              f"{cost.kernel_peak_mib:>16.0f} {cost.tree_peak_mib:>14.0f}", flush=True)
    print(f"{'total':<50} {mode:<6} {total:>8.1f}   (load now {os.getloadavg()[0]:.1f})")
    print(f"(budget when graded or in CI, quick mode: {MEMORY_BUDGET_MIB} MiB)")
    if failed:
        raise SystemExit(f"{failed} notebook(s) failed")


if __name__ == "__main__":
    main()
