"""``lmkit validate``: what a student runs before submitting.

It executes the notebook the way ``nbgrader validate`` does (visible tests only,
nbgrader's own Validator and preprocessors) but, unlike ``nbgrader validate``,
it exits non-zero and names every failing test cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .notebooks import NotebookError, duplicated_ids, read_notebook

# Same rule as nbgrader_config.py: a Python warning on stderr is not a failure.
WARNING_PATTERN = r"(?m)^.*:\d+: \w*Warning: "


@dataclass
class ValidationReport:
    """Failing test cells (grade_id, error line) and other problems found."""

    path: Path
    failed: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    passed: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed and not self.problems


def _first_error(cell) -> str:
    if cell.metadata.get("nbgrader", {}).get("solution"):
        return "not answered yet (graded by hand)"
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            ename, evalue = output.get("ename", "error"), str(output.get("evalue", "")).strip()
            return (f"{ename}: {evalue}" if evalue else ename)[:300]
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            return "printed to stderr: " + output.get("text", "").strip().splitlines()[-1][:200]
    return "lost points"


def validate(path: str | Path, timeout: int | None = None) -> ValidationReport:
    """Execute ``path`` like ``nbgrader validate`` and report the failing test cells."""
    from nbgrader import utils
    from nbgrader.validator import Validator
    from traitlets.config import Config

    path = Path(path).resolve()
    if path.suffix != ".ipynb":
        raise ValueError(f"expected a .ipynb notebook; got {path.name}")
    if not path.is_file():
        raise FileNotFoundError(f"no such notebook: {path}")
    report = ValidationReport(path)
    try:
        raw = read_notebook(path)
    except NotebookError as err:
        report.problems.append(f"{path.name} is not a valid notebook: {err}")
        return report
    duplicates = duplicated_ids(raw)
    if duplicates:
        report.problems.append(
            f"duplicated graded cells {', '.join(duplicates)}: delete the copies, the grader refuses them"
        )

    config = Config()
    config.Execute.timeout = timeout or 60
    config.Execute.interrupt_on_timeout = True
    config.Execute.store_widget_state = False
    validator = Validator(config=config)

    import nbformat

    notebook = nbformat.read(str(path), as_version=4)
    if validator._get_type_changed_cells(notebook):
        report.problems.append("the type of a graded cell was changed (code <-> markdown); undo that")
    with utils.chdir(str(path.parent)):
        executed = validator._preprocess(notebook)
    for index, cell in enumerate(executed.cells):
        if cell.cell_type == "code" and cell.get("outputs"):
            cell.outputs = [
                o
                for o in cell.outputs
                if not (o.output_type == "stream" and o.name == "stderr" and re.search(WARNING_PATTERN, o.text))
            ]
        if not utils.is_grade(cell):
            continue
        score, max_score = utils.determine_grade(cell)
        if score is None:
            continue
        grade_id = cell.metadata.nbgrader.get("grade_id", f"cell {index}")
        if score < max_score:
            report.failed.append((grade_id, _first_error(cell)))
        else:
            report.passed += 1
    changed = validator._get_changed_cells(executed)
    if changed:
        ids = [c.metadata.nbgrader.get("grade_id", "?") for c in changed]
        report.problems.append(
            f"locked cells were edited ({', '.join(ids)}); the grader restores the originals"
        )
    return report


def format_report(report: ValidationReport) -> str:
    lines = []
    for grade_id, error in report.failed:
        lines.append(f"FAILED {grade_id}: {error}")
    lines += [f"PROBLEM {problem}" for problem in report.problems]
    verdict = "ok" if report.ok else "NOT ready to submit"
    lines.append(f"{report.path.name}: {report.passed} test cells pass, {len(report.failed)} fail — {verdict}")
    return "\n".join(lines)
