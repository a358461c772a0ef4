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
is nbgrader's own; this module arranges files and processes and reads results.

Students are graded ``jobs`` at a time, each job with its own sandbox uid and
``cpus // jobs`` threads. Limits are CPU time per cell (a busy machine does not
stretch them); a student who still times out is graded again alone, with longer
limits, before the timeout is final.
"""

from __future__ import annotations

import csv
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import integrity
from .judge import sandbox
from .judge.judge import cell_source
from .notebooks import NotebookError, duplicated_ids, graded_ids, nbgrader_meta, read_notebook
from .paths import (
    CONFIG_NAME,
    SOURCE_DIR,
    CourseError,
    NbgraderRoot,
    assignment_notebooks,
    generate_assignment,
    list_assignments,
    run_process,
    subprocess_env,
)
from .submissions import Submission, discover, matches_notebook

DEFAULT_CELL_TIMEOUT = 600  # s per cell of the student's notebook and per test cell
DEFAULT_STUDENT_TIMEOUT = 1800  # s for the student's whole notebook in the sandbox
CSV_COLUMNS = ["student", "assignment", "score", "max_score", "status", "notes"]
FLAGGED = "flagged for review"
MAX_LOG_CHARS = 2_000_000


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


@dataclass
class Template:
    """An assignment generated once into a gradebook, copied for every student."""

    root: NbgraderRoot
    assignment: str
    notebooks: dict[str, set[str]]  # notebook stem -> its graded cell ids
    max_score: float
    sources: dict[str, dict] = field(default_factory=dict)  # notebook stem -> instructor notebook
    files: list[Path] = field(default_factory=list)  # the assignment's non-notebook files
    folder: Path | None = None  # solutions/<assignment>


@dataclass
class Guards:
    """Per-batch settings for running student code (see judge/sandbox.py)."""

    memory: int | None = None  # RLIMIT_AS of each student's process and of the judge, bytes
    kernel_prefix: list[str] = field(default_factory=list)  # only with sandbox="none"
    no_network: bool = False  # only meaningful with sandbox="none": the sandbox never has a network
    sandbox: str = "bwrap"
    mplconfig: Path | None = None  # a warmed matplotlib cache, copied per student


# --- matching notebooks ------------------------------------------------------------


def _ids_of(path: Path) -> set[str]:
    try:
        return set(graded_ids(read_notebook(path)))
    except (NotebookError, OSError):
        return set()


def source_notebooks(course_root: Path, assignment: str) -> dict[str, set[str]]:
    """Notebook stem -> graded cell ids, for each notebook of an assignment."""
    return {path.stem: _ids_of(path) for path in assignment_notebooks(course_root, assignment)}


def _vote(submission: Submission, catalogue: dict[str, dict[str, set[str]]]) -> str | None:
    """The assignment one submission looks like (folder name, file name, then cell ids)."""
    if submission.assignment_hint:
        return submission.assignment_hint
    for path in submission.notebooks:
        named = {a for a, nbs in catalogue.items() if any(matches_notebook(path.stem, nb) for nb in nbs)}
        if len(named) == 1:
            return named.pop()
    best, best_overlap = None, 0
    for path in submission.notebooks:
        ids = _ids_of(path)
        for assignment, notebooks in catalogue.items():
            overlap = max((len(ids & nb_ids) for nb_ids in notebooks.values()), default=0)
            if overlap > best_overlap:
                best, best_overlap = assignment, overlap
    return best


def infer_assignment(submissions: list[Submission], course_root: Path) -> str:
    """The one assignment the submissions belong to; CourseError when it is ambiguous."""
    assignments = list_assignments(course_root)
    if not assignments:
        raise CourseError(f"no assignments in {course_root / SOURCE_DIR}")
    if len(assignments) == 1:
        return assignments[0]
    catalogue = {a: source_notebooks(course_root, a) for a in assignments}
    votes = Counter(v for v in (_vote(s, catalogue) for s in submissions) if v)
    if len(votes) == 1:
        return next(iter(votes))
    found = ", ".join(f"{a} ({n})" for a, n in votes.most_common()) or "none recognised"
    raise CourseError(f"cannot tell which assignment these submissions are for ({found}); pass --assignment")


def match_notebooks(submission: Submission, notebooks: dict[str, set[str]]) -> tuple[dict[str, Path], list[str]]:
    """Assign the student's files to the assignment's notebooks.

    By file name first (case-insensitive; Canvas re-uploads ``x-1.ipynb`` count),
    then by shared nbgrader cell ids, then — one notebook left and one file left —
    by elimination. Returns (notebook stem -> file, notes).
    """
    mapping: dict[str, Path] = {}
    notes: list[str] = []
    unused = list(submission.notebooks)
    for stem in notebooks:
        named = [p for p in unused if matches_notebook(p.stem, stem)]
        if not named:
            continue
        # Prefer the exact name, then the shallowest path, then the newest upload.
        named.sort(key=lambda p: (p.stem.lower() != stem.lower(), len(p.parts), -p.stat().st_mtime))
        mapping[stem] = named[0]
        if len(named) > 1:
            notes.append(f"{len(named)} files named like {stem}.ipynb; graded {named[0].name}")
        for path in named:
            unused.remove(path)
    for stem, ids in notebooks.items():
        if stem in mapping or not unused:
            continue
        overlaps = [(len(ids & _ids_of(p)), p) for p in unused]
        overlap, path = max(overlaps, key=lambda item: item[0])
        if overlap > 0:
            mapping[stem] = path
            unused.remove(path)
            notes.append(f"graded {path.name} as {stem}.ipynb (same nbgrader cells)")
    missing = [stem for stem in notebooks if stem not in mapping]
    if len(missing) == 1 and len(unused) == 1:
        mapping[missing[0]] = unused.pop()
        notes.append(f"graded {mapping[missing[0]].name} as {missing[0]}.ipynb (the only notebook)")
    return mapping, notes


# --- building the template ----------------------------------------------------------


def build_template(course_root: Path, assignment: str, workdir: Path) -> Template:
    """Generate ``assignment`` into a fresh gradebook under ``workdir``."""
    from nbgrader.api import Gradebook  # nbgrader is only needed by instructors

    root = NbgraderRoot.create(workdir, source=course_root / SOURCE_DIR, config=course_root / CONFIG_NAME)
    generate_assignment(root, assignment)
    with Gradebook(root.db_url) as gradebook:
        max_score = float(gradebook.find_assignment(assignment).max_score)
    folder = course_root / SOURCE_DIR / assignment
    sources = {}
    for path in assignment_notebooks(course_root, assignment):
        try:
            sources[path.stem] = read_notebook(path)
        except (NotebookError, OSError):
            sources[path.stem] = {}
    skip = {".ipynb_checkpoints", "__pycache__", "feedback"}
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix != ".ipynb"
                   and not skip.intersection(p.relative_to(folder).parts) and p.suffix not in (".pyc", ".log"))
    return Template(root, assignment, source_notebooks(course_root, assignment), max_score, sources, files, folder)


def prepare_guards(guards: Guards, workdir: Path) -> Guards:
    """Check that the sandbox works (a clear error otherwise) and warm matplotlib's cache, once per batch."""
    if guards.sandbox not in sandbox.MODES:
        raise CourseError(f"--sandbox must be one of {', '.join(sandbox.MODES)}; got {guards.sandbox!r}")
    if guards.sandbox == "bwrap":
        try:
            sandbox.check_available()
        except sandbox.SandboxUnavailable as err:
            raise CourseError(str(err)) from None
    elif guards.no_network and not shutil.which("unshare"):
        raise CourseError("--no-network needs the `unshare` command (util-linux)")
    mplconfig = workdir / "mplconfig"
    mplconfig.mkdir(parents=True, exist_ok=True)
    env = subprocess_env(1)
    env["MPLCONFIGDIR"] = str(mplconfig)
    try:
        subprocess.run([sys.executable, "-c", "import matplotlib.pyplot"], env=env, capture_output=True, timeout=300)
    except (OSError, subprocess.SubprocessError):
        pass  # each worker then builds its own font cache
    return Guards(guards.memory, list(guards.kernel_prefix), guards.no_network, guards.sandbox, mplconfig)


# --- one student ------------------------------------------------------------------


def student_slug(name: str, taken: set[str]) -> str:
    """A file-system and nbgrader safe id for a student, unique within ``taken``."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.") or "student"
    candidate, n = slug, 2
    while candidate.lower() in taken:
        candidate, n = f"{slug}-{n}", n + 1
    taken.add(candidate.lower())
    return candidate


def precheck(path: Path) -> str | None:
    """A status for a notebook nbgrader cannot grade at all, else None."""
    try:
        notebook = read_notebook(path)
    except NotebookError as err:
        return f"invalid notebook: {path.name}: {err}"
    except OSError as err:
        return f"invalid notebook: {path.name}: {err.strerror}"
    duplicates = duplicated_ids(notebook)
    if duplicates:
        return f"failed validation: duplicated cell {', '.join(duplicates)} in {path.name}"
    if not graded_ids(notebook):  # e.g. code pasted into a new notebook: nbgrader cannot grade it
        return f"failed validation: {path.name} has no nbgrader cells (not the course notebook?)"
    return None


def _classify_failure(log: str) -> str:
    """A one-line status for an autograde run that did not produce a grade."""
    if re.search(r"DeadKernelError|Kernel died|kernel.*(died|restarted)", log, re.IGNORECASE):
        return "error: kernel died"
    if "UnresponsiveKernelError" in log or "kernel became unresponsive" in log:
        return "timeout: kernel unresponsive"
    if "old version" in log and "metadata format" in log:
        return "failed validation: old or duplicated nbgrader metadata"
    if "failed to validate" in log or "metadata may be corrupted" in log:
        return "failed validation: nbgrader metadata changed (renamed or edited cell ids?)"
    lines = [line.strip() for line in log.splitlines()]
    exceptions = [line for line in lines if re.match(r"[\w.]+(Error|Exception): ", line)]
    generic = ("Traceback", "There was an error", "Please see")
    logged = [
        line for line in lines if re.search(r"\b(ERROR|CRITICAL)\]", line) and not any(g in line for g in generic)
    ]
    detail = (exceptions or logged or ["autograde failed"])[-1]
    return f"error: {detail[:200]}"


# --- the sandbox and the judge ---------------------------------------------------------------

JUDGE_CONFIG = """
# --- added by lmkit grade: verdicts come from the judge, not from a kernel (lmkit/course/judge/) ---
c.Autograde.autograde_preprocessors = [
    "lmkit.course.judge.verdicts.ApplyVerdicts",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.ApplyVerdicts.verdicts_dir = {verdicts!r}
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "lmkit.course.judge.verdicts.SanitizeFeedback",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
c.ClearHiddenTests.enforce_metadata = False
# Feedback that reads offline: no CDN scripts, formulas as MathML (lmkit/course/export.py).
c.GenerateFeedback.exporter_class = "lmkit.course.export.OfflineHTMLExporter"
c.SanitizeFeedback.given_markdown_file = {markdown!r}
"""
NBGRADER_STEP_TIMEOUT = 900  # s for one nbgrader autograde or feedback run (no student code runs in either)


@dataclass
class Limits:
    """Time limits for one student, from the per-cell limit: the notebook in the sandbox, one test, all."""

    cell: float
    total: float

    def scaled(self, factor: float) -> "Limits":
        return Limits(self.cell * factor, self.total * factor)


def _test_ids(notebook: dict) -> set[str]:
    return {nbgrader_meta(cell).get("grade_id") for cell in notebook.get("cells", [])
            if cell.get("cell_type") == "code" and nbgrader_meta(cell).get("grade")
            and not nbgrader_meta(cell).get("solution")}


def student_cells(path: Path, source: dict) -> list[dict]:
    """The code the worker runs: every code cell of the student's notebook but the test cells.

    Each as {"source", "name"}: the name (an answer cell's grade_id, else its position)
    says which cell timed out or failed.
    """
    tests = _test_ids(source)
    cells = []
    for index, cell in enumerate(read_notebook(path).get("cells", [])):
        meta = nbgrader_meta(cell)
        if cell.get("cell_type") != "code" or meta.get("grade_id") in tests and not meta.get("solution"):
            continue
        text = cell.get("source", "")
        cells.append({"source": "".join(text) if isinstance(text, list) else str(text),
                      "name": str(meta.get("grade_id") or f"#{index}")})
    return cells


def _judge_env(home: Path, threads: int, guards: Guards) -> dict[str, str]:
    env = subprocess_env(threads)
    env.update(HOME=str(home), MPLBACKEND="Agg", LMKIT_QUICK="1", NBGRADER_EXECUTION="autograde",
               LMKIT_THREADS=str(threads), PYTHONDONTWRITEBYTECODE="1")
    if guards.mplconfig is not None:
        env["MPLCONFIGDIR"] = str(guards.mplconfig)
    return env


def judge_notebook(stem: str, path: Path, template: Template, workdir: Path, verdicts: Path, log_path: Path,
                   limits: Limits, threads: int, guards: Guards, uid: int) -> dict:
    """Run one notebook of one student: the worker in its sandbox, the judge here. Returns the report."""
    box = workdir / f"box-{stem}"
    for name in ("home", "mplconfig"):
        (box / name).mkdir(parents=True, exist_ok=True)
    if guards.mplconfig is not None:
        shutil.copytree(guards.mplconfig, box / "mplconfig", dirs_exist_ok=True)
    for file in template.files:  # the assignment's data files, never its notebooks
        target = box / file.relative_to(template.folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, target)
    source_path = workdir / f"source-{stem}.ipynb"
    source_path.write_text(json.dumps(template.sources.get(stem, {})), encoding="utf-8")
    (box / "cells.json").write_text(json.dumps(student_cells(path, template.sources.get(stem, {}))), encoding="utf-8")
    sandbox.prepare_box(box, uid)
    memory = guards.memory or 4 * 2**30
    worker_limits = {"as": memory, "nproc": 512, "fsize": 256 * 2**20, "nofile": 1024, "core": 0,
                     "cpu": int(limits.total * 2) + 60}
    env = sandbox.worker_env(threads)
    command, cells_arg = sandbox.worker_command(guards.sandbox, box, uid, env, worker_limits)
    if guards.sandbox == "none":
        command = (["unshare", "-rn"] if guards.no_network else []) + list(guards.kernel_prefix) + command
    report_path = verdicts / f"{stem}.json"
    # CPU time adds up over threads: a cell's budget is per thread the student's process may use.
    spec = {"source": str(source_path), "worker_command": command, "cells_arg": cells_arg,
            "cell_timeout": limits.cell * threads, "ready_timeout": limits.total, "worker_log": str(workdir / f"{stem}.log"),
            "verdicts": str(report_path), "threads": threads, "memory": memory + 2 * 2**30}
    spec_path = workdir / f"judge-{stem}.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    home = workdir / "judge-home"
    home.mkdir(exist_ok=True)
    try:
        run = run_process([sys.executable, "-m", "lmkit.course.judge.judge", str(spec_path)], cwd=workdir,
                          env=_judge_env(home, threads, guards), timeout=limits.total * 2 + 120)
        judge_log = run.stdout + run.stderr
    except subprocess.TimeoutExpired:
        judge_log = "the judge was stopped: over its time limit\n"
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(f"--- judge, {stem} ---\n{judge_log[-MAX_LOG_CHARS:]}\n")
        worker_log = workdir / f"{stem}.log"
        if worker_log.is_file():
            log.write(f"--- the student's notebook in the sandbox, {stem} ---\n")
            log.write(worker_log.read_text(encoding="utf-8", errors="replace")[-MAX_LOG_CHARS:] + "\n")
    try:
        return json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        report = {"tests": {}, "crash": "the judge wrote no verdicts (see the log)"}
        report_path.write_text(json.dumps(report), encoding="utf-8")
        return report


def _report_notes(stem: str, report: dict) -> tuple[list[str], list[str], list[str]]:
    """(notes, cells that timed out, reasons to flag) from one notebook's judge report."""
    notes: list[str] = []
    tests = report.get("tests", {})
    failures = [f for f in report.get("worker_failures") or [] if isinstance(f, dict)]
    timed_out = [str(f.get("name")) for f in failures if f.get("type") == "TimeoutError"]
    timed_out += [name for name, v in tests.items() if isinstance(v, dict) and v.get("timeout")]
    if not report.get("worker_died") and any("did not finish running" in str(e) for e in report.get("events", [])):
        timed_out.append(f"{stem}.ipynb (the notebook did not finish running)")
    flags = [f"{name} called a reference the tests forbid" for name, v in tests.items()
             if isinstance(v, dict) and "yourself; your code called" in str(v.get("evalue", ""))]
    if report.get("crash"):
        notes.append(f"grader error in the judge: {str(report['crash']).strip().splitlines()[-1][:200]}")
    if failures:
        first = failures[0]
        notes.append(f"{len(failures)} cell(s) of {stem}.ipynb raised an error when run by the grader "
                     f"(first: {first.get('type')}: {str(first.get('message', ''))[:120]})")
    if report.get("worker_died"):
        notes.append(f"the student's process died while running {stem}.ipynb (os._exit, a crash, or the memory "
                     "limit); later cells and their tests could not run")
    if int(report.get("worker_starts", 1) or 1) > 1:
        notes.append(f"the notebook's process was restarted {int(report['worker_starts']) - 1} time(s) after a "
                     "time-out or crash")
    return notes, timed_out, flags


def _read_gradebook(root: NbgraderRoot, assignment: str, student: str) -> tuple[float, float, bool, list[str]]:
    """(score, max score, needs manual grading, notes on lost points) from nbgrader's gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(root.db_url) as gradebook:
        submission = gradebook.find_submission(assignment, student)
        lost = [
            f"{grade.name} {grade.score:g}/{grade.max_score:g}"
            for notebook in submission.notebooks
            for grade in notebook.grades
            if not grade.needs_manual_grade and grade.score < grade.max_score
        ]
        return float(submission.score), float(submission.max_score), bool(submission.needs_manual_grade), lost


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

    # The student's nbgrader root: their notebook, this assignment's gradebook and data files, and
    # a config that only the grader writes. The sandbox sees none of it.
    template_copy = template.root.copy_to(workdir / "root")
    source = workdir / "source"
    for path in template.files:
        target = source / assignment / path.relative_to(template.folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    (source / assignment).mkdir(parents=True, exist_ok=True)
    root = NbgraderRoot(path=template_copy.path, source=source, config=template_copy.config)
    verdicts = workdir / "verdicts"
    verdicts.mkdir()
    markdown = workdir / "given-markdown.json"
    markdown.write_text(json.dumps([cell_source(cell) for nb in template.sources.values()
                                    for cell in nb.get("cells", []) if cell.get("cell_type") != "code"]),
                        encoding="utf-8")
    with open(root.path / CONFIG_NAME, "a", encoding="utf-8") as config:
        config.write(JUDGE_CONFIG.format(verdicts=str(verdicts), markdown=str(markdown)))
    submitted = root.path / "submitted" / slug / assignment
    submitted.mkdir(parents=True)
    for stem, path in files.items():
        shutil.copyfile(path, submitted / f"{stem}.ipynb")

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

    # nbgrader records the verdicts (autograde, with ApplyVerdicts for a kernel) and writes the feedback.
    try:
        run = run_process([sys.executable, "-m", "lmkit.course.judge.record", str(root.path), str(root.source),
                           str(root.release), assignment, slug], cwd=root.path, env=subprocess_env(1),
                          timeout=NBGRADER_STEP_TIMEOUT)
        log = run.stdout + run.stderr
    except subprocess.TimeoutExpired:
        run, log = None, f"nbgrader did not finish within {NBGRADER_STEP_TIMEOUT} s\n"
    with open(log_path, "a", encoding="utf-8") as log_file:
        log_file.write(log[-MAX_LOG_CHARS:])
    autograded = root.path / "autograded" / slug / assignment
    if run is None or run.returncode == 1 or not autograded.is_dir():
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

    feedback_dir = root.path / "feedback" / slug / assignment
    if feedback_dir.is_dir():
        target = out / "feedback" / slug / assignment
        shutil.copytree(feedback_dir, target, dirs_exist_ok=True)
        result.feedback = sorted(target.rglob("*.html"))
        for page in result.feedback:
            if "BEGIN HIDDEN TESTS" in page.read_text(encoding="utf-8", errors="replace"):
                page.unlink()  # never send hidden tests, even if a setting above were changed
                result.notes.append(f"feedback {page.name} withheld: it contained hidden tests")
        result.feedback = [page for page in result.feedback if page.exists()]
    else:
        result.notes.append("no feedback generated (see the log)")
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
