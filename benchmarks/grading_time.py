"""Seconds per submission for ``lmkit grade``, with 1 and 2 parallel jobs, sandbox on and off.

    python benchmarks/grading_time.py [--assignment 01-word-vectors] [--copies 30] [--jobs 1 2]
                                      [--sandbox bwrap none]

Grades N copies of the instructor's solution notebook (a perfect student) and prints
the wall time per submission, including the one-off template (``generate_assignment``),
the sandboxed worker, the judge, nbgrader's autograde and the feedback HTML, plus the
largest peak memory of a student's process (VmHWM) and the load average before and
after (the machine may be shared: compare runs only at similar load). Runs in a
temporary folder; the repository is not touched.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from lmkit.course.grade import grade
from lmkit.course.integrity import parse_size
from lmkit.course.paths import assignment_notebooks, find_course_root, list_assignments


def time_batch(course_root: Path, assignment: str, copies: int, jobs: int, workdir: Path,
               memory: int | None, cell_timeout: int | None = None, sandbox: str = "bwrap") -> tuple[float, int]:
    submissions = workdir / f"subs-{jobs}-{sandbox}"
    for index in range(copies):
        for notebook in assignment_notebooks(course_root, assignment):
            target = submissions / f"student{index:03d}" / notebook.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(notebook, target)
    started = time.perf_counter()
    results = grade(submissions, workdir / f"out-{jobs}-{sandbox}", course_root, assignment=assignment, jobs=jobs,
                    memory=memory, cell_timeout=cell_timeout, sandbox_mode=sandbox)
    elapsed = time.perf_counter() - started
    wrong = [r for r in results if r.status != "ok" or r.score != r.max_score]
    for result in wrong:  # on a loaded machine a cell can pass the per-cell timeout: say so, keep timing
        print(f"  not full marks: {result.student} {result.score} {result.status}", flush=True)
    return elapsed, max((r.kernel_memory or 0) for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", default=None, help="default: the first in solutions/")
    parser.add_argument("--copies", type=int, default=30)
    parser.add_argument("--timeout", type=int, default=None, help="CPU seconds per cell (default 600)")
    parser.add_argument("--memory", default="4G", help="RLIMIT_AS of a student's process, as lmkit grade --memory")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--sandbox", nargs="+", default=["bwrap", "none"], choices=["bwrap", "none"])
    parser.add_argument("--root", type=Path, default=None)
    args = parser.parse_args()
    course_root = find_course_root(args.root)
    assignment = args.assignment or list_assignments(course_root)[0]
    memory = parse_size(args.memory) or None
    print(f"{assignment}: {args.copies} copies of the solution; {os.cpu_count()} CPUs; memory limit {args.memory}")
    print(f"{'sandbox':>7} {'jobs':>4} {'total s':>8} {'s/submission':>13} {'student peak MiB':>17} "
          f"{'load before':>12} {'load after':>11}")
    with tempfile.TemporaryDirectory(prefix="lmkit-bench-") as tmp:
        for sandbox in args.sandbox:
            for jobs in args.jobs:
                load_before = os.getloadavg()[0]
                elapsed, peak = time_batch(course_root, assignment, args.copies, jobs, Path(tmp), memory,
                                           args.timeout, sandbox)
                print(f"{sandbox:>7} {jobs:>4} {elapsed:>8.1f} {elapsed / args.copies:>13.1f} {peak / 2**20:>17.0f} "
                      f"{load_before:>12.2f} {os.getloadavg()[0]:>11.2f}", flush=True)


if __name__ == "__main__":
    main()
