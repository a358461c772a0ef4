"""nbgrader's side of ``lmkit grade``: the gradebook that scores and records the judge's verdicts.

Once per batch the assignment is generated into a template gradebook
(``build_template``). Per student, ``student_root`` copies it into the student's
own nbgrader root (their notebooks, the assignment's data files, and a config that
replaces nbgrader's kernel with the judge's verdicts: ``JUDGE_CONFIG``); after the
judge has run, ``record`` runs nbgrader's autograde and feedback there; then the
score (``_read_gradebook``), the failure when nbgrader produced none
(``_classify_failure``) and the feedback pages (``copy_feedback``) are read back.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .judge.judge import cell_source
from .matching import source_notebooks
from .notebooks import NotebookError, read_notebook
from .paths import CONFIG_NAME, SOURCE_DIR, NbgraderRoot, assignment_notebooks, generate_assignment, run_process, \
    subprocess_env

MAX_LOG_CHARS = 2_000_000
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
class Template:
    """An assignment generated once into a gradebook, copied for every student."""

    root: NbgraderRoot
    assignment: str
    notebooks: dict[str, set[str]]  # notebook stem -> its graded cell ids
    max_score: float
    sources: dict[str, dict] = field(default_factory=dict)  # notebook stem -> instructor notebook
    files: list[Path] = field(default_factory=list)  # the assignment's non-notebook files
    folder: Path | None = None  # solutions/<assignment>


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


def student_root(template: Template, slug: str, files: dict[str, Path], workdir: Path) -> tuple[NbgraderRoot, Path]:
    """The student's nbgrader root and the folder the judge writes its verdicts to.

    The root holds their notebooks, this assignment's gradebook and data files, and a
    config that only the grader writes. The sandbox sees none of it.
    """
    assignment = template.assignment
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
    return root, verdicts


def record(root: NbgraderRoot, assignment: str, slug: str, log_path: Path) -> tuple[bool, str]:
    """nbgrader records the verdicts (autograde, with ApplyVerdicts for a kernel) and writes the feedback.

    Returns (whether it autograded the submission, its log), the log also appended to ``log_path``.
    """
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
    return not (run is None or run.returncode == 1 or not autograded.is_dir()), log


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


def copy_feedback(root: NbgraderRoot, slug: str, assignment: str, out: Path) -> tuple[list[Path], list[str]]:
    """nbgrader's feedback pages copied to ``out/feedback/``, never one with hidden tests: (pages, notes)."""
    feedback_dir = root.path / "feedback" / slug / assignment
    if not feedback_dir.is_dir():
        return [], ["no feedback generated (see the log)"]
    notes = []
    target = out / "feedback" / slug / assignment
    shutil.copytree(feedback_dir, target, dirs_exist_ok=True)
    pages = sorted(target.rglob("*.html"))
    for page in pages:
        if "BEGIN HIDDEN TESTS" in page.read_text(encoding="utf-8", errors="replace"):
            page.unlink()  # never send hidden tests, even if a setting above were changed
            notes.append(f"feedback {page.name} withheld: it contained hidden tests")
    return [page for page in pages if page.exists()], notes
