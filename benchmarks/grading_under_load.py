"""Does a busy machine cost honest students marks? Grade under artificial load and compare.

    python benchmarks/grading_under_load.py [--assignment 01-word-vectors] [--copies 4] [--busy-per-core 2]

Grades COPIES solved notebooks and one blank one twice with ``lmkit grade --jobs 2``:
first on the machine as it is, then with BUSY-PER-CORE busy-loop processes per core
running the whole time (load ≈ 2 × cores on top of the grading). Prints the scores,
statuses and wall time of both runs; every solved copy must get full marks and "ok" in
both (limits are CPU time, which load does not stretch). The busy loops stop when the
script ends. The repository is not touched.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import tempfile
import time
from pathlib import Path

from lmkit.course.grade import grade
from lmkit.course.paths import assignment_notebooks, find_course_root, list_assignments


def _spin(stop_at: float) -> None:
    while time.monotonic() < stop_at:
        pass


def _submissions(course_root: Path, assignment: str, copies: int, folder: Path) -> Path:
    for index in range(copies):
        for notebook in assignment_notebooks(course_root, assignment):
            target = folder / f"solved{index:02d}" / notebook.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(notebook, target)
    for notebook in (course_root / "course" / assignment).glob("*.ipynb"):
        target = folder / "blank" / notebook.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(notebook, target)
    return folder


def run(course_root: Path, assignment: str, submissions: Path, out: Path) -> tuple[float, list]:
    started = time.perf_counter()
    results = grade(submissions, out, course_root, assignment=assignment, jobs=2)
    return time.perf_counter() - started, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", default=None, help="default: the first in solutions/")
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--busy-per-core", type=int, default=2)
    parser.add_argument("--root", type=Path, default=None)
    args = parser.parse_args()
    course_root = find_course_root(args.root)
    assignment = args.assignment or list_assignments(course_root)[0]
    cores = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory(prefix="lmkit-load-") as tmp:
        submissions = _submissions(course_root, assignment, args.copies, Path(tmp) / "subs")
        rows = []
        for label, busy in (("as it is", 0), (f"+{args.busy_per_core * cores} busy loops", args.busy_per_core * cores)):
            spinners = [multiprocessing.Process(target=_spin, args=(time.monotonic() + 7200,), daemon=True)
                        for _ in range(busy)]
            for spinner in spinners:
                spinner.start()
            time.sleep(2 if busy else 0)
            load_before = os.getloadavg()[0]
            try:
                elapsed, results = run(course_root, assignment, submissions, Path(tmp) / f"out-{busy}")
            finally:
                for spinner in spinners:
                    spinner.terminate()
            solved = [r for r in results if r.student.startswith("solved")]
            full = sum(r.score == r.max_score and r.status == "ok" for r in solved)
            blank = next(r for r in results if r.student == "blank")
            rows.append((label, elapsed, load_before, os.getloadavg()[0], full, len(solved), blank.score, blank.status))
        print(f"{assignment}, {cores} cores, lmkit grade --jobs 2")
        print(f"{'machine':<20} {'wall s':>7} {'load before':>12} {'load after':>11} {'solved full/ok':>15} {'blank':>6}")
        for label, elapsed, before, after, full, total, blank_score, blank_status in rows:
            print(f"{label:<20} {elapsed:>7.0f} {before:>12.1f} {after:>11.1f} {f'{full}/{total}':>15} "
                  f"{blank_score:>6g} {blank_status}")


if __name__ == "__main__":
    main()
