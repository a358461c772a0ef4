"""Wall time and peak memory of executing a notebook's kernel (quick or full mode).

    python benchmarks/notebook_cost.py solutions/01-word-vectors/word-vectors.ipynb [--full]

Runs ``jupyter nbconvert --execute`` in a subprocess (output to a temporary
folder) while ``lmkit.course.cost`` polls ``/proc`` every 50 ms for the kernel
process (``ipykernel_launcher``) and its descendants. Reports the wall time, the
kernel's own peak resident memory (``VmHWM``, exact: kept by the OS) and the
peak summed resident memory of the kernel's process tree (sampled). Linux only
(reads /proc); no extra packages needed. tests/test_memory.py checks the quick
figures against the course budget (``MEMORY_BUDGET_MIB``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lmkit.course.cost import MEMORY_BUDGET_MIB, measure_notebook


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--full", action="store_true", help="full training budgets (default: LMKIT_QUICK=1)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    args = parser.parse_args()
    mode = "full" if args.full else "quick"
    print(f"{'notebook':<50} {'mode':<6} {'wall s':>8} {'kernel peak MiB':>16} {'tree peak MiB':>14}")
    for notebook in args.notebooks:
        try:
            cost = measure_notebook(notebook, quick=not args.full, cell_timeout=args.timeout)
        except (RuntimeError, ValueError) as err:
            raise SystemExit(str(err)) from None
        print(f"{str(notebook):<50} {mode:<6} {cost.seconds:>8.1f} "
              f"{cost.kernel_peak_mib:>16.0f} {cost.tree_peak_mib:>14.0f}")
    print(f"(budget when graded or in CI, quick mode: {MEMORY_BUDGET_MIB} MiB)")


if __name__ == "__main__":
    main()
