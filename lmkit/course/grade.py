"""Grade a folder of student submissions, one student at a time, each in a sandbox.

The pipeline, per batch:

1. find the submissions (``submissions.discover``) and the assignment;
2. build a *template* course root: ``nbgrader generate_assignment`` writes the
   assignment (cells, points, checksums, hidden tests) into a fresh gradebook;
3. per student: the static scan (``integrity.py``); then, per notebook, the
   student's code cells run in a bubblewrap sandbox (``judge/sandbox.py``,
   ``judge/worker.py``) while the judge (``judge/judge.py``), a trusted process
   outside it, runs the instructor's notebook with the student's functions reached
   through a data-only channel and decides each test; nbgrader's ``autograde``
   then records those verdicts (``judge/verdicts.ApplyVerdicts`` in place of its
   kernel) and ``generate_feedback`` writes feedback without hidden tests;
4. write ``grades.csv``, ``feedback/<student>/`` and ``logs/<student>.log``.

Isolation is the point: a duplicated cell, a dead process or an endless loop in
one notebook changes that student's status and nothing else, and nothing a student
writes is read by another student's grading or executed by the grader. The scoring
is nbgrader's own; this module arranges files and processes and reads results
(which file is which notebook: ``matching.py``; the gradebook nbgrader scores in:
``gradebook.py``; one notebook's run by the worker and the judge: ``judging.py``).

Students are graded ``jobs`` at a time, each job with its own sandbox uid and
``cpus // jobs`` threads. Limits are CPU time per cell (a busy machine does not
stretch them); a student who still times out is graded again alone, with longer
limits, before the timeout is final.
"""

from __future__ import annotations

import csv
import os
import queue
import re
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import integrity
from .gradebook import (  # noqa: F401 - re-exported: lmkit.course.grade is where these were
    JUDGE_CONFIG,
    MAX_LOG_CHARS,
    NBGRADER_STEP_TIMEOUT,
    Template,
    _classify_failure,
    _read_gradebook,
    build_template,
    copy_feedback,
    record,
    student_root,
)
from .judge import sandbox
from .judging import Guards, Limits, _judge_env, _report_notes, _test_ids, judge_notebook, prepare_guards, \
    student_cells  # noqa: F401
from .matching import _ids_of, _vote, infer_assignment, match_notebooks, precheck, source_notebooks, \
    student_slug  # noqa: F401
from .paths import CourseError, list_assignments
from .submissions import Submission, discover

DEFAULT_CELL_TIMEOUT = 600  # s per cell of the student's notebook and per test cell
DEFAULT_STUDENT_TIMEOUT = 1800  # s for the student's whole notebook in the sandbox
CSV_COLUMNS = ["student", "assignment", "score", "max_score", "status", "notes"]
FLAGGED = "flagged for review"


@dataclass
class GradeResult:
    """One student's outcome. ``score`` is None when nothing could be graded."""

    student: str
    assignment: str
    score: float | None
    max_score: float
    status: str
    notes: list[str] = field(default_factory=list)
    feedback: list[Path] = field(default_factory=list)
    kernel_memory: int | None = None  # the student's process's peak resident memory (VmHWM), bytes

    def row(self) -> dict[str, str]:
        return {
            "student": self.student,
            "assignment": self.assignment,
            "score": "" if self.score is None else f"{self.score:g}",
            "max_score": f"{self.max_score:g}",
            "status": self.status,
            "notes": "; ".join(self.notes),
        }


# --- one student ------------------------------------------------------------------


def grade_student(
    template: Template,
    student: str,
    slug: str,
    files: dict[str, Path],
    workdir: Path,
    out: Path,
    cell_timeout: int | None = None,
    student_timeout: float | None = None,
    threads: int | None = None,
    guards: Guards | None = None,
    uid: int = sandbox.FIRST_UID,
) -> GradeResult:
    """Grade one student's notebooks; never raises for bad submissions.

    The student's code runs only in the sandboxed worker; the judge decides each test;
    nbgrader (no kernel: ``ApplyVerdicts``) scores and records it, and writes feedback
    without hidden tests.
    """
    assignment = template.assignment
    guards = guards or Guards()
    threads = threads or 1
    limits = Limits(float(cell_timeout or DEFAULT_CELL_TIMEOUT), float(student_timeout or DEFAULT_STUDENT_TIMEOUT))
    result = GradeResult(student, assignment, None, template.max_score, "ok")
    for stem, path in files.items():
        problem = precheck(path)
        if problem:
            result.status = problem
            return result
    review = [
        reason
        for stem, path in files.items()
        for reason in integrity.scan_notebook(path, template.sources.get(stem))
    ]
    result.notes += [f"review: {reason}" for reason in review]  # whatever happens to the run

    root, verdicts = student_root(template, slug, files, workdir)

    log_path = out / "logs" / f"{slug}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.write_text("", encoding="utf-8")
    timed_out: list[str] = []
    flags = [f"review: {reason}" for reason in review]
    died = False
    for stem, path in files.items():
        report = judge_notebook(stem, path, template, workdir, verdicts, log_path, limits, threads, guards, uid)
        notes, late, flagged = _report_notes(stem, report)
        result.notes += notes + [f"flag: {reason}" for reason in flagged]
        timed_out += late
        flags += flagged
        died = died or bool(report.get("worker_died"))
        if isinstance(report.get("worker_peak_memory"), int):
            result.kernel_memory = max(result.kernel_memory or 0, report["worker_peak_memory"])

    graded, log = record(root, assignment, slug, log_path)
    if not graded:
        result.status = _classify_failure(log)
        return result

    result.score, result.max_score, manual, lost = _read_gradebook(root, assignment, slug)
    restored = re.findall(r"Missing grade cell (\S+) encountered", log)
    missing = [f"{stem}.ipynb" for stem in template.notebooks if stem not in files]
    result.notes += [f"restored deleted cell {cell}" for cell in restored]
    result.notes += [f"lost points: {', '.join(lost)}"] if lost else []
    statuses = ["error: kernel died"] if died else []
    if flags:
        statuses.append(FLAGGED)  # a flag is never hidden by another status: they are listed together
    if timed_out:
        statuses.append(f"timeout in cell {', '.join(timed_out)}")
    if missing:
        statuses.append(f"missing notebook: {', '.join(missing)}")
    if manual:
        statuses.append("needs manual grading")
    result.status = "; ".join(statuses) or "ok"

    result.feedback, notes = copy_feedback(root, slug, assignment, out)
    result.notes += notes
    return result


# --- a batch ----------------------------------------------------------------------


def grade(
    submissions_path: Path,
    out: Path,
    course_root: Path,
    assignment: str | None = None,
    jobs: int = 1,
    cell_timeout: int | None = None,
    student_timeout: float | None = None,
    keep_workdir: bool = False,
    progress: Callable[[GradeResult], None] | None = None,
    memory: int | None = None,
    kernel_prefix: list[str] | None = None,
    no_network: bool = False,
    sandbox_mode: str = "bwrap",
    retry_factor: float = 3.0,
) -> list[GradeResult]:
    """Grade every submission in ``submissions_path``; write ``out/grades.csv`` and feedback.

    Each student's code runs in its own sandbox (``sandbox_mode="bwrap"``; ``"none"``
    runs it as this user, for instructors who accept the risk, optionally under
    ``kernel_prefix`` and, with ``no_network``, ``unshare -rn``). ``memory`` caps the
    address space of each student's process (bytes). A student whose grading timed out
    is graded again, alone, with limits ``retry_factor`` times longer, before the
    timeout is final; the notes say so.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1; got {jobs}")
    if cell_timeout is not None and cell_timeout < 1:
        raise ValueError(f"timeout must be a positive number of seconds; got {cell_timeout}")
    if memory is not None and memory < 2**28:
        raise ValueError(f"memory must be at least 256 MiB (torch alone reserves ~600 MiB); got {memory} bytes")
    out = Path(out).resolve()
    workdir = Path(tempfile.mkdtemp(prefix="lmkit-grade-"))
    try:
        catalogue = {a: source_notebooks(course_root, a) for a in list_assignments(course_root)}
        stems = {stem for notebooks in catalogue.values() for stem in notebooks}
        submissions = discover(Path(submissions_path), workdir / "unpacked", stems, set(catalogue))
        if assignment is None:
            assignment = infer_assignment(submissions, course_root)
        elif assignment not in catalogue:
            raise CourseError(f"unknown assignment {assignment!r}; known: {', '.join(catalogue) or 'none'}")
        template = build_template(course_root, assignment, workdir / "template")
        guards = prepare_guards(Guards(memory, list(kernel_prefix or []), no_network, sandbox_mode),
                                workdir / "guards")
        out.mkdir(parents=True, exist_ok=True)
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        taken: set[str] = set()
        tasks = [(s, student_slug(s.student, taken)) for s in submissions]
        uids: queue.Queue[int] = queue.Queue()
        base = sandbox.uid_base(str(out))
        for slot in range(min(jobs, sandbox.JOB_SLOTS)):
            uids.put(base + slot)  # one uid per parallel job: RLIMIT_NPROC is per uid

        def work(task: tuple[Submission, str], factor: float = 1.0, threads: int = 1) -> GradeResult:
            submission, slug = task
            uid = uids.get()
            # Its own temporary folder, deleted as soon as the student is graded.
            student_dir = Path(tempfile.mkdtemp(prefix="lmkit-student-", dir=workdir if keep_workdir else None))
            try:
                limits = Limits(float(cell_timeout or DEFAULT_CELL_TIMEOUT),
                                float(student_timeout or DEFAULT_STUDENT_TIMEOUT)).scaled(factor)
                return _grade_submission(template, submission, slug, student_dir, out, limits, threads, guards,
                                         uid)
            finally:
                uids.put(uid)
                if not keep_workdir:
                    shutil.rmtree(student_dir, ignore_errors=True)

        def report(result: GradeResult) -> GradeResult:
            if progress:
                progress(result)
            return result

        threads = max(1, cpus // jobs)
        with ThreadPoolExecutor(max_workers=min(jobs, sandbox.JOB_SLOTS)) as pool:  # each drives subprocesses
            results = list(pool.map(lambda t: work(t, 1.0, threads), tasks))
        for index, result in enumerate(results):
            if "timeout" not in result.status:
                report(result)
                continue
            # A busy machine must not cost marks: grade it again alone, with longer limits, before it counts.
            again = work(tasks[index], retry_factor, threads)  # same threads: CPU budgets stay comparable
            again.notes.append(f"graded again alone with {retry_factor:g}x longer limits after a timeout "
                               f"(first run: {result.status})")
            results[index] = report(again)
        write_csv(results, out / "grades.csv")
        return results
    finally:
        if not keep_workdir:
            shutil.rmtree(workdir, ignore_errors=True)


def _grade_submission(
    template: Template,
    submission: Submission,
    slug: str,
    workdir: Path,
    out: Path,
    limits: "Limits",
    threads: int,
    guards: Guards,
    uid: int,
) -> GradeResult:
    """Match one submission's files, then grade them; every failure becomes a status."""
    base = GradeResult(submission.student, template.assignment, None, template.max_score, "ok", list(submission.notes))
    if submission.problem:
        base.status = submission.problem
        return base
    files, notes = match_notebooks(submission, template.notebooks)
    base.notes += notes
    if not files:
        found = ", ".join(p.name for p in submission.notebooks) or "no .ipynb files"
        base.status = "missing notebook"
        base.notes.append(f"expected {', '.join(s + '.ipynb' for s in template.notebooks)}; found {found}")
        return base
    try:
        result = grade_student(template, submission.student, slug, files, workdir, out,
                               limits.cell, limits.total, threads, guards, uid)
    except Exception as err:  # a bug or a full disk must not stop the batch
        base.status = f"error: {type(err).__name__}: {err}"[:300]
        return base
    result.notes = base.notes + result.notes
    return result


def write_csv(results: list[GradeResult], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for result in results:
            writer.writerow(result.row())


def summary(results: list[GradeResult]) -> str:
    """A plain-text table (student, score/max, status) and totals."""
    rows = [
        (r.student, "-" if r.score is None else f"{r.score:g}/{r.max_score:g}", r.status) for r in results
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(("student", "score"))]
    lines = [f"{'student':<{widths[0]}}  {'score':>{widths[1]}}  status"]
    lines += [f"{s:<{widths[0]}}  {sc:>{widths[1]}}  {st}" for s, sc, st in rows]
    graded = [r for r in results if r.score is not None]
    ok = sum(r.status == "ok" for r in results)
    mean = sum(r.score for r in graded) / len(graded) if graded else 0.0
    max_score = results[0].max_score if results else 0.0
    lines.append(
        f"{len(results)} submissions: {ok} ok, {len(graded)} graded, {len(results) - len(graded)} not graded; "
        f"mean {mean:.2f}/{max_score:g}"
    )
    return "\n".join(lines)
