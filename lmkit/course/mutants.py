"""The mutation corpus: how strict is each exercise's set of test cells?

``tests/mutants/<assignment>/<grade_id>/`` holds, for one answer cell of the solved
notebook, replacement sources of that cell (each file is the whole cell):

* ``alt_*.py``   correct answers written differently: must pass every test cell of the
  exercise (hidden tests included) and must not be flagged by the grader's scan;
* ``mut_*.py``   plausible mistakes: must fail at least one test cell (or be flagged);
* ``cheat_*.py`` answers that game the grader (delegation to the reference by any
  route, hard-coded visible answers, the input returned unchanged): must fail a test
  cell or be flagged by ``lmkit.course.integrity.scan_notebook``.

``run_assignment`` starts ONE kernel per assignment in the solution folder with
``LMKIT_QUICK=1``, runs the solution notebook's code cells once, and then for each variant
runs the variant cell, the code cells between the answer cell and its exercise's last
test cell, and that exercise's test cells, recording pass/fail per test cell as nbgrader
would score it (an error, or any output on stderr, scores 0); it then restores the
solution cell. ``lmkit course mutants`` prints the table; ``build_submission`` writes a
student notebook (the release, every answer solved, one variant swapped in) for a check
through the real ``lmkit grade``.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .notebooks import nbgrader_meta, read_notebook

KINDS = ("alt", "mut", "cheat")
CORPUS = Path("tests") / "mutants"
CELL_TIMEOUT = 60.0


@dataclass
class Variant:
    assignment: str
    grade_id: str
    kind: str  # "alt", "mut" or "cheat"
    name: str
    source: str
    path: Path | None = None


@dataclass
class Outcome:
    variant: Variant
    results: dict[str, tuple[bool, str]] = field(default_factory=dict)  # test grade_id -> (passed, why)
    flags: list[str] = field(default_factory=list)
    answer_error: str = ""

    @property
    def passed_all(self) -> bool:
        return not self.answer_error and bool(self.results) and all(ok for ok, _ in self.results.values())

    @property
    def killed(self) -> bool:
        return not self.passed_all or bool(self.flags)

    @property
    def as_expected(self) -> bool:
        if self.variant.kind == "alt":
            return self.passed_all and not self.flags
        return self.killed

    def describe(self) -> str:
        v = self.variant
        failed = [f"{tid}: {why}" for tid, (ok, why) in self.results.items() if not ok]
        parts = [f"{v.assignment}/{v.grade_id}/{v.kind}_{v.name}"]
        if self.answer_error:
            parts.append(f"answer cell failed: {self.answer_error}")
        parts += failed
        if self.flags:
            parts.append("flagged: " + "; ".join(self.flags))
        if not failed and not self.flags and not self.answer_error:
            parts.append("passed every test cell")
        return " | ".join(parts)


# --- the notebook's structure -------------------------------------------------------------


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def solution_notebook(root: Path, assignment: str) -> Path:
    notebooks = sorted((root / "solutions" / assignment).glob("*.ipynb"))
    if len(notebooks) != 1:
        raise ValueError(f"expected one notebook in solutions/{assignment}, found {len(notebooks)}")
    return notebooks[0]


def exercises(notebook: dict) -> dict[str, dict]:
    """grade_id of each answer cell -> {"index", "tests": [indices], "between": [code cell indices]}.

    An exercise's test cells are the graded cells after its answer cell and before the next
    answer cell; ``between`` are the ungraded code cells from the answer cell to its last test.
    """
    cells = notebook["cells"]
    answers = [i for i, c in enumerate(cells) if nbgrader_meta(c).get("solution") and c["cell_type"] == "code"]
    out: dict[str, dict] = {}
    for n, index in enumerate(answers):
        end = answers[n + 1] if n + 1 < len(answers) else len(cells)
        tests = [i for i in range(index + 1, end)
                 if cells[i]["cell_type"] == "code" and nbgrader_meta(cells[i]).get("grade")
                 and not nbgrader_meta(cells[i]).get("solution")]
        last = tests[-1] if tests else index
        between = [i for i in range(index + 1, last) if cells[i]["cell_type"] == "code" and i not in tests]
        out[nbgrader_meta(cells[index])["grade_id"]] = {"index": index, "tests": tests, "between": between}
    return out


def load_variants(root: Path, assignment: str, grade_id: str | None = None) -> list[Variant]:
    folder = root / CORPUS / assignment
    variants = []
    for path in sorted(folder.glob("*/*.py")):
        kind, _, name = path.stem.partition("_")
        if kind not in KINDS or (grade_id and path.parent.name != grade_id):
            continue
        variants.append(Variant(assignment, path.parent.name, kind, name, path.read_text(encoding="utf-8"), path))
    return variants


def _answer_text(solution_source: str) -> str:
    """A solved answer as a student would hand it in: the solution markers removed."""
    return "".join(line for line in solution_source.splitlines(keepends=True)
                   if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def build_submission(root: Path, assignment: str, grade_id: str, source: str, out: Path) -> Path:
    """Write a student notebook for ``lmkit grade``: the released notebook of ``assignment``
    with every answer cell solved (the instructor's solution) and cell ``grade_id`` replaced
    by ``source``. Returns ``out``."""
    root = Path(root)
    solved = read_notebook(solution_notebook(root, assignment))
    answers = {nbgrader_meta(c)["grade_id"]: _answer_text(_source(c)) for c in solved["cells"]
               if nbgrader_meta(c).get("solution")}
    if grade_id not in answers:
        raise ValueError(f"{assignment} has no answer cell {grade_id!r}; answer cells: {', '.join(answers)}")
    released_path = root / "course" / assignment / solution_notebook(root, assignment).name
    notebook = read_notebook(released_path)
    for cell in notebook["cells"]:
        gid = nbgrader_meta(cell).get("grade_id")
        if nbgrader_meta(cell).get("solution") and gid in answers:
            text = source if gid == grade_id else answers[gid]
            cell["source"] = text.splitlines(keepends=True)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


def scan_variant(root: Path, assignment: str, grade_id: str, source: str) -> list[str]:
    """The grader's static scan of a released notebook whose only answer is ``source``."""
    from .integrity import scan_notebook

    released_path = Path(root) / "course" / assignment / solution_notebook(root, assignment).name
    released = read_notebook(released_path)
    notebook = json.loads(json.dumps(released))
    for cell in notebook["cells"]:
        if nbgrader_meta(cell).get("grade_id") == grade_id:
            cell["source"] = source.splitlines(keepends=True)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "submission.ipynb"
        path.write_text(json.dumps(notebook), encoding="utf-8")
        return scan_notebook(path, source_notebook=released)


# --- one kernel per assignment ---------------------------------------------------------------


class Kernel:
    """A Jupyter kernel in ``cwd``; ``run(code)`` -> (ok, why) the way nbgrader scores a test cell."""

    def __init__(self, cwd: Path, env: dict[str, str] | None = None):
        from jupyter_client import KernelManager

        self.manager = KernelManager(kernel_name="python3")
        environment = dict(os.environ if env is None else env)
        environment.setdefault("LMKIT_QUICK", "1")
        environment.setdefault("MPLBACKEND", "Agg")
        environment.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
        environment.pop("NBGRADER_EXECUTION", None)
        self.manager.start_kernel(cwd=str(cwd), env=environment)
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=120)

    def run(self, code: str, timeout: float = CELL_TIMEOUT, stderr_fails: bool = True) -> tuple[bool, str]:
        errors: list[str] = []
        stderr: list[str] = []

        def hook(message: dict) -> None:
            kind, content = message["msg_type"], message["content"]
            if kind == "error":
                errors.append(f"{content['ename']}: {content['evalue']}"[:300])
            elif kind == "stream" and content.get("name") == "stderr" and content.get("text", "").strip():
                stderr.append(content["text"].strip()[:300])

        try:
            reply = self.client.execute_interactive(code, output_hook=hook, timeout=timeout, store_history=False)
        except (TimeoutError, queue.Empty):
            self.manager.interrupt_kernel()
            try:
                self.client.execute_interactive("pass", timeout=30)
            except (TimeoutError, queue.Empty):
                pass
            return False, f"timed out after {timeout:.0f} s"
        if errors or reply["content"].get("status") == "error":
            return False, errors[0] if errors else reply["content"].get("evalue", "error")
        if stderr and stderr_fails:
            return False, f"wrote to stderr (nbgrader scores 0): {stderr[0]}"
        return True, ""

    def close(self) -> None:
        try:
            self.client.stop_channels()
        finally:
            self.manager.shutdown_kernel(now=True)


def run_assignment(root: Path, assignment: str, variants: list[Variant] | None = None,
                   progress=None) -> list[Outcome]:
    """Run every variant of ``assignment`` (or those given) in one kernel; see the module doc."""
    root = Path(root)
    path = solution_notebook(root, assignment)
    notebook = read_notebook(path)
    cells = notebook["cells"]
    table = exercises(notebook)
    variants = load_variants(root, assignment) if variants is None else variants
    unknown = sorted({v.grade_id for v in variants} - set(table))
    if unknown:
        raise ValueError(f"{assignment}: the corpus names answer cells that do not exist: {', '.join(unknown)}")
    kernel = Kernel(path.parent)
    outcomes: list[Outcome] = []
    try:
        for index, cell in enumerate(cells):
            if cell["cell_type"] != "code":
                continue
            graded = bool(nbgrader_meta(cell).get("grade"))
            ok, why = kernel.run(_source(cell), timeout=600, stderr_fails=graded)
            if not ok:
                raise RuntimeError(f"{assignment}: the solution notebook fails at cell {index}: {why}")
        for variant in variants:
            started = time.perf_counter()
            exercise = table[variant.grade_id]
            outcome = Outcome(variant, flags=scan_variant(root, assignment, variant.grade_id, variant.source))
            ok, why = kernel.run(variant.source)
            if not ok:
                outcome.answer_error = why
            else:
                for i in exercise["between"]:
                    kernel.run(_source(cells[i]), stderr_fails=False)
                for i in exercise["tests"]:
                    outcome.results[nbgrader_meta(cells[i])["grade_id"]] = kernel.run(_source(cells[i]))
            restored, why = kernel.run(_source(cells[exercise["index"]]))
            for i in exercise["between"]:
                kernel.run(_source(cells[i]), stderr_fails=False)
            if not restored:
                raise RuntimeError(f"{assignment}: could not restore {variant.grade_id} after {variant.name}: {why}")
            outcomes.append(outcome)
            if progress is not None:
                progress(outcome, time.perf_counter() - started)
    finally:
        kernel.close()
    return outcomes


# --- the table -----------------------------------------------------------------------------------


def summarise(outcomes: list[Outcome]) -> dict[tuple[str, str], dict[str, int]]:
    rows: dict[tuple[str, str], dict[str, int]] = {}
    for o in outcomes:
        row = rows.setdefault((o.variant.assignment, o.variant.grade_id),
                              {"alt": 0, "alt_ok": 0, "bad": 0, "killed": 0, "mut": 0, "cheat": 0})
        if o.variant.kind == "alt":
            row["alt"] += 1
            row["alt_ok"] += o.as_expected
        else:
            row["bad"] += 1
            row[o.variant.kind] += 1
            row["killed"] += o.killed
    return rows


def format_table(outcomes: list[Outcome]) -> str:
    rows = summarise(outcomes)
    lines = [f"{'assignment':<26} {'exercise':<26} {'killed':>9} {'alternates':>11}   (mutants, cheats)"]
    totals: dict[str, list[int]] = {}
    for (assignment, grade_id), row in rows.items():
        lines.append(f"{assignment:<26} {grade_id:<26} {row['killed']:>4}/{row['bad']:<4} {row['alt_ok']:>5}/{row['alt']:<5}"
                     f"   ({row['mut']}, {row['cheat']})")
        total = totals.setdefault(assignment, [0, 0, 0, 0])
        for k, key in enumerate(("killed", "bad", "alt_ok", "alt")):
            total[k] += row[key]
    lines.append("")
    for assignment, (killed, bad, alt_ok, alt) in totals.items():
        lines.append(f"{assignment:<26} {'TOTAL':<26} {killed:>4}/{bad:<4} {alt_ok:>5}/{alt:<5}")
    return "\n".join(lines)


def main(root: Path, assignments: list[str] | None = None, verbose: bool = False) -> int:
    """``lmkit course mutants``: run the corpus, print the table and the surprises; 1 if any."""
    from .paths import list_assignments

    root = Path(root)
    chosen = assignments or [a for a in list_assignments(root) if (root / CORPUS / a).is_dir()]
    everything: list[Outcome] = []
    for assignment in chosen:
        started = time.perf_counter()

        def show(outcome: Outcome, seconds: float) -> None:
            if verbose or not outcome.as_expected:
                mark = "ok  " if outcome.as_expected else "BAD "
                print(f"{mark}{seconds:5.2f}s {outcome.describe()}", flush=True)

        everything += run_assignment(root, assignment, progress=show)
        print(f"{assignment}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    print(format_table(everything))
    surprises = [o for o in everything if not o.as_expected]
    for o in surprises:
        print("UNEXPECTED:", o.describe())
    return 1 if surprises else 0



def add_cli(course_commands, root_help: str) -> None:
    """Register ``lmkit course mutants`` (called by lmkit.cli)."""
    from pathlib import Path as _Path

    parser = course_commands.add_parser(
        "mutants", help="run the mutation corpus (tests/mutants/) and print killed/total per exercise",
        description="For each exercise, run its alternates (correct), mutants (wrong) and cheats in place of "
        "the answer cell against the exercise's test cells, one kernel per assignment; print killed/total "
        "and alternates passing/total. Exit 1 if an alternate fails or a mutant or cheat survives.")
    parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    parser.add_argument("--verbose", action="store_true", help="print every variant's outcome")
    parser.add_argument("--root", type=_Path, default=None, help=root_help)

    def handler(args) -> int:
        from .paths import find_course_root

        return main(find_course_root(args.root), args.assignments or None, verbose=args.verbose)

    parser.set_defaults(handler=handler)
