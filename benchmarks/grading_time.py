"""Seconds per submission for ``lmkit grade``, with 1 and 2 parallel jobs.

    python benchmarks/grading_time.py [--assignment 01-word-vectors] [--copies 4] [--jobs 1 2]

Grades N copies of the instructor's solution notebook (a perfect student; its
hidden tests are restored by nbgrader anyway) and prints the wall time per
submission, including the one-off template (``generate_assignment``) and the
feedback HTML. Runs in a temporary folder; the repository is not touched.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from lmkit.course.grade import grade
from lmkit.course.paths import assignment_notebooks, find_course_root, list_assignments


def time_batch(course_root: Path, assignment: str, copies: int, jobs: int, workdir: Path) -> float:
    submissions = workdir / f"subs-{jobs}"
    for index in range(copies):
        for notebook in assignment_notebooks(course_root, assignment):
            target = submissions / f"student{index:03d}" / notebook.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(notebook, target)
    started = time.perf_counter()
    results = grade(submissions, workdir / f"out-{jobs}", course_root, assignment=assignment, jobs=jobs)
    elapsed = time.perf_counter() - started
    wrong = [r for r in results if r.status != "ok" or r.score != r.max_score]
    if wrong:
        raise SystemExit(f"the solution did not get full marks: {wrong[0]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", default=None, help="default: the first in solutions/")
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--root", type=Path, default=None)
    args = parser.parse_args()
    course_root = find_course_root(args.root)
    assignment = args.assignment or list_assignments(course_root)[0]
    print(f"{assignment}: {args.copies} copies of the solution")
    print(f"{'jobs':>4} {'total s':>8} {'s/submission':>13}")
    with tempfile.TemporaryDirectory(prefix="lmkit-bench-") as tmp:
        for jobs in args.jobs:
            elapsed = time_batch(course_root, assignment, args.copies, jobs, Path(tmp))
            print(f"{jobs:>4} {elapsed:>8.1f} {elapsed / args.copies:>13.1f}")


if __name__ == "__main__":
    main()
