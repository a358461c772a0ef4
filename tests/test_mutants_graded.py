"""The mutation corpus through the real ``lmkit grade``: the sandbox and the judge agree with
the in-kernel runner of test_mutants.py.

Per assignment, one batch of four students, each a released notebook whose EVERY answer is
a variant from ``tests/mutants/<assignment>/<grade_id>/``: the first alternate of each
exercise, the second alternate, the first mutant, the first cheat. Alternates must get full
marks and no flag (written differently, they must survive the channel: other return types,
in-place tricks, modules, generators); each exercise of the mutant and cheat notebooks must
lose points (a cheat may instead be flagged by the scan).
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures import recipes
from lmkit.course import mutants
from lmkit.course.paths import list_assignments

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENTS = [a for a in list_assignments(REPO) if (REPO / mutants.CORPUS / a).is_dir()]

pytestmark = pytest.mark.slow


def _pick(variants: list[mutants.Variant], kind: str, rank: int) -> dict[str, mutants.Variant]:
    chosen: dict[str, mutants.Variant] = {}
    for grade_id in sorted({v.grade_id for v in variants}):
        of_kind = [v for v in variants if v.grade_id == grade_id and v.kind == kind]
        if of_kind:
            chosen[grade_id] = of_kind[min(rank, len(of_kind) - 1)]
    return chosen


def _notebook(release: dict, source: dict, chosen: dict[str, mutants.Variant]) -> dict:
    notebook = recipes.filled(release, source)
    for cell in recipes.solution_cells(notebook):
        variant = chosen.get(recipes._meta(cell)["grade_id"])
        if variant is not None:
            cell["source"] = variant.source
    return notebook


def _lost_by_exercise(notes: str, source: dict) -> dict[str, bool]:
    lost = set(re.findall(r"(\w+) 0(?:\.\d+)?/", notes)) | set(re.findall(r"(\w+) \d+(?:\.\d+)?/\d", notes))
    return {grade_id: any(recipes._meta(source["cells"][i])["grade_id"] in lost for i in info["tests"])
            for grade_id, info in mutants.exercises(source).items()}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_graded_corpus_agrees_with_the_kernel_runner(assignment, tmp_path):
    (source_path,) = sorted((REPO / "solutions" / assignment).glob("*.ipynb"))
    source = recipes.load(source_path)
    release = recipes.load(REPO / "course" / assignment / source_path.name)
    variants = mutants.load_variants(REPO, assignment)
    students = {"alt-a": _pick(variants, "alt", 0), "alt-b": _pick(variants, "alt", 1),
                "mutants": _pick(variants, "mut", 0), "cheats": _pick(variants, "cheat", 0)}
    for student, chosen in students.items():
        recipes.dump(_notebook(release, source, chosen), tmp_path / "subs" / student / source_path.name)
    out = tmp_path / "grades"
    command = [sys.executable, "-m", "lmkit.cli", "grade", str(tmp_path / "subs"), "--out", str(out),
               "--root", str(REPO), "--jobs", "2", "--timeout", "60", "--retry-factor", "1.5"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=3600, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    for student in ("alt-a", "alt-b"):
        row = rows[student]
        assert (row["score"], row["status"]) == (row["max_score"], "ok"), (student, row)
    for student in ("mutants", "cheats"):
        row = rows[student]
        survived = [g for g, lost in _lost_by_exercise(row["notes"], source).items()
                    if not lost and g in students[student]]
        if student == "cheats":  # a cheat may instead be caught by the scan
            survived = [g for g in survived
                        if not mutants.scan_variant(REPO, assignment, g, students[student][g].source)]
        assert survived == [], (student, survived, row)
