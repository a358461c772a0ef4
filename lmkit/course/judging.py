"""The judge's side of ``lmkit grade``: one student's notebook run by the sandboxed worker and the judge.

Once per batch, ``prepare_guards`` checks that the sandbox works and warms
matplotlib's cache. Per notebook, ``judge_notebook`` lays out the sandbox's folder
(the student's code cells, ``student_cells``; the assignment's data files), starts
the judge (``judge/judge.py``), which starts the student's code in the sandbox
(``judge/worker.py``) and writes a report of verdicts, and ``_report_notes`` reads
that report into notes, cells that timed out and reasons to flag.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .gradebook import MAX_LOG_CHARS, Template
from .judge import sandbox
from .notebooks import nbgrader_meta, read_notebook
from .paths import CourseError, run_process, subprocess_env


@dataclass
class Guards:
    """Per-batch settings for running student code (see judge/sandbox.py)."""

    memory: int | None = None  # RLIMIT_AS of each student's process and of the judge, bytes
    kernel_prefix: list[str] = field(default_factory=list)  # only with sandbox="none"
    no_network: bool = False  # only meaningful with sandbox="none": the sandbox never has a network
    sandbox: str = "bwrap"
    mplconfig: Path | None = None  # a warmed matplotlib cache, copied per student


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
