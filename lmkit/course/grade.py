"""Grade a folder of student submissions with nbgrader, one student at a time.

The pipeline, per batch:

1. find the submissions (``submissions.discover``) and the assignment;
2. build a *template* course root: ``nbgrader generate_assignment`` writes the
   assignment (cells, points, checksums) into a fresh gradebook;
3. per student, in isolation: copy the template (config + gradebook) into the
   student's own root, put their notebook in ``submitted/``, run nbgrader's
   ``autograde`` and ``generate_feedback`` as subprocesses, read the score from
   that root's gradebook (``nbgrader.api.Gradebook``);
4. write ``grades.csv``, ``feedback/<student>/`` and ``logs/<student>.log``.

Isolation is the point: a duplicated cell, a dead kernel or an endless loop in
one notebook changes that student's status and nothing else. The scoring is
nbgrader's own; this module only arranges files and reads results.

Students are graded ``jobs`` at a time, each by its own nbgrader process and
kernel (the threads here only wait on them), with ``cpu_count // jobs``
BLAS/OpenMP threads per kernel. Hostile notebooks: see ``integrity.py`` for the
guards (throw-away folder, static scan, integrity report, memory limit, kernel
prefix, output cap) and for what cannot be stopped inside one kernel.
"""

from __future__ import annotations

import csv
import json
import os
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

TIMEOUT_ERRORS = {"CellTimeoutError", "TimeoutError", "KeyboardInterrupt"}
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
    kernel_memory: int | None = None  # the kernel's peak resident memory (VmHWM), bytes

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
    """Per-batch settings for running hostile code (see integrity.py)."""

    memory: int | None = None  # RLIMIT_AS of each kernel, bytes
    kernel_prefix: list[str] = field(default_factory=list)
    no_network: bool = False
    baseline: Path | None = None  # fingerprints from a fresh interpreter
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
    """Take the baseline fingerprints and warm matplotlib's cache, once per batch."""
    if guards.no_network and not shutil.which("unshare"):
        raise CourseError("--no-network needs the `unshare` command (util-linux); use --kernel-prefix instead")
    mplconfig = workdir / "mplconfig"
    mplconfig.mkdir(parents=True, exist_ok=True)
    env = subprocess_env(1)
    env["MPLCONFIGDIR"] = str(mplconfig)
    try:
        subprocess.run([sys.executable, "-c", "import matplotlib.pyplot"], env=env, capture_output=True, timeout=300)
    except (OSError, subprocess.SubprocessError):
        pass  # each kernel then builds its own font cache
    baseline = workdir / "baseline.json"
    try:
        baseline.write_text(json.dumps(integrity.baseline_fingerprints(env=env)), encoding="utf-8")
    except (RuntimeError, OSError, subprocess.SubprocessError, ValueError):
        baseline.write_text("{}", encoding="utf-8")  # no fingerprints: hooks and names are still checked
    return Guards(guards.memory, list(guards.kernel_prefix), guards.no_network, baseline, mplconfig)


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


def _timed_out_cells(notebook_path: Path) -> list[str]:
    """Cells of an autograded notebook whose execution hit the per-cell timeout."""
    try:
        notebook = read_notebook(notebook_path)
    except (NotebookError, OSError):
        return []
    cells = []
    for index, cell in enumerate(notebook["cells"]):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") in TIMEOUT_ERRORS:
                cells.append(nbgrader_meta(cell).get("grade_id", f"#{index}"))
                break
    return cells


def _kernel_env(root: Path, threads: int | None, guards: Guards) -> dict[str, str]:
    """nbgrader's environment, pointing nowhere near the course: empty HOME, PWD in the root."""
    env = subprocess_env(threads)
    real_home = Path.home()
    for name, default in (("LMKIT_CACHE", real_home / ".cache" / "lmkit"),
                          ("HF_HOME", real_home / ".cache" / "huggingface"),
                          ("TORCH_HOME", real_home / ".cache" / "torch")):
        if name not in env and default.is_dir():
            env[name] = str(default)  # downloads stay usable offline; the cache holds no course files
    home = root / "home"
    home.mkdir(exist_ok=True)
    env.update(HOME=str(home), PWD=str(root), IPYTHONDIR=str(home / ".ipython"))
    env.pop("OLDPWD", None)
    if guards.mplconfig is not None:
        mplconfig = root / "mplconfig"
        shutil.copytree(guards.mplconfig, mplconfig, dirs_exist_ok=True)
        env["MPLCONFIGDIR"] = str(mplconfig)
    # A short runtime dir: unix sockets (--no-network) allow ~100 characters of path.
    env["JUPYTER_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="lmk-")
    return env


def _install_guards(root: NbgraderRoot, template: Template, guards: Guards, runtime_dir: str) -> Path:
    """Append the guards to the student's nbgrader_config.py; return the findings folder."""
    names: dict[str, str] = {}
    for notebook in template.sources.values():
        names.update(integrity.protected_names(notebook))
    findings = root.path / "integrity"
    prefix = (["unshare", "-rn"] if guards.no_network else []) + list(guards.kernel_prefix)
    ipc = str(Path(runtime_dir) / "kernel") if guards.no_network else None  # absolute: kernel cwd differs
    lines = integrity.config_lines(guards.baseline or Path(""), findings, names, guards.memory, prefix, ipc=ipc)
    with open(root.path / CONFIG_NAME, "a", encoding="utf-8") as config:
        config.write(lines)
    return findings


def _read_findings(folder: Path) -> tuple[list[str], int | None]:
    findings: list[str] = []
    memory: list[int] = []
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            findings.append(f"unreadable integrity report {path.name}")
            continue
        findings += [str(f) for f in data.get("findings", [])]
        if isinstance(data.get("memory", {}).get("VmHWM"), int):
            memory.append(data["memory"]["VmHWM"])
    return findings, max(memory) if memory else None


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
) -> GradeResult:
    """Autograde one student's notebooks in their own course root; never raises for bad submissions."""
    assignment = template.assignment
    guards = guards or Guards()
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

    # The student's own root: their notebook, this assignment's gradebook (no solutions) and its
    # data files. source_directory is a copy of those files, so nothing names solutions/.
    template_copy = template.root.copy_to(workdir)
    source = workdir / "source"
    for path in template.files:
        target = source / assignment / path.relative_to(template.folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    (source / assignment).mkdir(parents=True, exist_ok=True)
    root = NbgraderRoot(path=template_copy.path, source=source, config=template_copy.config)
    env = _kernel_env(root.path, threads, guards)
    findings_dir = _install_guards(root, template, guards, env["JUPYTER_RUNTIME_DIR"])
    submitted = root.path / "submitted" / slug / assignment
    submitted.mkdir(parents=True)
    for stem, path in files.items():
        shutil.copyfile(path, submitted / f"{stem}.ipynb")

    flags = [f"--Execute.timeout={cell_timeout}"] if cell_timeout else []
    log_path = out / "logs" / f"{slug}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    result.notes += [f"review: {reason}" for reason in review]  # whatever happens to the run
    try:
        command = [sys.executable, "-m", "nbgrader", "autograde", assignment, "--student", slug, "--force",
                   *root.flags(), *flags]
        run = run_process(command, cwd=root.path, env=env, timeout=student_timeout)
    except subprocess.TimeoutExpired:
        log_path.write_text(f"autograde stopped after {student_timeout} s\n", encoding="utf-8")
        result.status = f"timeout: over {student_timeout:g} s in total"
        return result
    finally:
        shutil.rmtree(env["JUPYTER_RUNTIME_DIR"], ignore_errors=True)
    log = run.stdout + run.stderr
    log_path.write_text(log[-MAX_LOG_CHARS:], encoding="utf-8")

    autograded = root.path / "autograded" / slug / assignment
    if run.returncode != 0 or not autograded.is_dir():
        result.status = _classify_failure(log)
        return result
    findings, result.kernel_memory = _read_findings(findings_dir)

    result.score, result.max_score, manual, lost = _read_gradebook(root, assignment, slug)
    restored = re.findall(r"Missing grade cell (\S+) encountered", log)
    timed_out = [cell for stem in files for cell in _timed_out_cells(autograded / f"{stem}.ipynb")]
    missing = [f"{stem}.ipynb" for stem in template.notebooks if stem not in files]
    result.notes += [f"restored deleted cell {cell}" for cell in restored]
    result.notes += [f"lost points: {', '.join(lost)}"] if lost else []
    result.notes += [f"integrity: {finding}" for finding in findings]
    if findings or review:
        result.status = FLAGGED
    if timed_out:
        result.status = f"timeout in cell {', '.join(timed_out)}"
    elif missing:
        result.status = f"missing notebook: {', '.join(missing)}"
    elif manual and result.status != FLAGGED:
        result.status = "needs manual grading"

    feedback_run = root.run("generate_feedback", assignment, "--student", slug, "--force", threads=threads)
    with open(log_path, "a", encoding="utf-8") as log_file:
        log_file.write(feedback_run.stdout + feedback_run.stderr)
    feedback_dir = root.path / "feedback" / slug / assignment
    if feedback_dir.is_dir():
        target = out / "feedback" / slug / assignment
        shutil.copytree(feedback_dir, target, dirs_exist_ok=True)
        result.feedback = sorted(target.rglob("*.html"))
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
) -> list[GradeResult]:
    """Grade every submission in ``submissions_path``; write ``out/grades.csv`` and feedback.

    ``memory`` caps each kernel's address space (bytes, ``RLIMIT_AS``);
    ``kernel_prefix`` is a command put in front of each kernel (``["prlimit",
    "--nproc=64"]``); ``no_network`` runs each kernel in a new, empty network
    namespace (``unshare -rn``; the kernel then uses unix sockets).
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
        guards = prepare_guards(Guards(memory, list(kernel_prefix or []), no_network), workdir / "guards")
        out.mkdir(parents=True, exist_ok=True)
        threads = max(1, (os.cpu_count() or 1) // jobs)
        taken: set[str] = set()
        tasks = [(s, student_slug(s.student, taken)) for s in submissions]

        def work(task: tuple[Submission, str]) -> GradeResult:
            submission, slug = task
            # Its own temporary folder, deleted as soon as the student is graded: not a sibling of the
            # other students' folders, and gone before most of them are graded.
            student_dir = Path(tempfile.mkdtemp(prefix="lmkit-student-", dir=workdir if keep_workdir else None))
            try:
                result = _grade_submission(
                    template, submission, slug, student_dir, out, cell_timeout, student_timeout, threads, guards
                )
            finally:
                if not keep_workdir:
                    shutil.rmtree(student_dir, ignore_errors=True)
            if progress:
                progress(result)
            return result

        with ThreadPoolExecutor(max_workers=jobs) as pool:  # each worker drives nbgrader subprocesses
            results = list(pool.map(work, tasks))
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
    cell_timeout: int | None,
    student_timeout: float | None,
    threads: int,
    guards: Guards | None = None,
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
                               cell_timeout, student_timeout, threads, guards)
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
