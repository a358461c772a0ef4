"""The mutation corpus (tests/mutants/): every alternate passes, every mutant and cheat is caught.

For each assignment ONE kernel runs the solution notebook in quick mode; then each variant
replaces its answer cell and that exercise's test cells (hidden tests included) run again
(``lmkit.course.mutants``). An alternate must pass every test cell of its exercise and not
be flagged by the grader's scan; a mutant or a cheat must fail a test cell or be flagged.
``lmkit course mutants`` prints the same run as a table.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lmkit.course.mutants import CORPUS, exercises, format_table, load_variants, run_assignment, solution_notebook
from lmkit.course.notebooks import read_notebook

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENTS = sorted(p.name for p in (REPO / CORPUS).iterdir() if p.is_dir()) if (REPO / CORPUS).is_dir() else []
MIN_ALTERNATES, MIN_MUTANTS = 2, 5


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_corpus_covers_every_exercise(assignment):
    """>= 2 alternates and >= 5 mutants (and at least one cheat) for every answer cell."""
    table = exercises(read_notebook(solution_notebook(REPO, assignment)))
    variants = load_variants(REPO, assignment)
    missing = []
    for grade_id in table:
        kinds = [v.kind for v in variants if v.grade_id == grade_id]
        if kinds.count("alt") < MIN_ALTERNATES or kinds.count("mut") < MIN_MUTANTS or not kinds.count("cheat"):
            missing.append(f"{grade_id}: {kinds.count('alt')} alt, {kinds.count('mut')} mut, {kinds.count('cheat')} cheat")
    assert not missing, f"{assignment}: too few variants:\n" + "\n".join(missing)
    assert {v.grade_id for v in variants} <= set(table), "variants for answer cells that do not exist"


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_mutation_corpus(assignment):
    outcomes = run_assignment(REPO, assignment)
    print(format_table(outcomes))
    surprises = [o.describe() for o in outcomes if not o.as_expected]
    assert not surprises, f"{len(surprises)} of {len(outcomes)} variants not as expected:\n" + "\n".join(surprises)


def test_build_submission_swaps_one_answer(tmp_path):
    """The lead's sample through the real `lmkit grade`: a released notebook, every answer solved, one variant."""
    from lmkit.course.mutants import build_submission, scan_variant
    from lmkit.course.notebooks import nbgrader_meta

    assignment = ASSIGNMENTS[0]
    variant = next(v for v in load_variants(REPO, assignment) if v.kind == "cheat")
    path = build_submission(REPO, assignment, variant.grade_id, variant.source, tmp_path / "submission.ipynb")
    notebook = read_notebook(path)
    answers = {nbgrader_meta(c)["grade_id"]: "".join(c["source"]) for c in notebook["cells"] if nbgrader_meta(c).get("solution")}
    assert answers[variant.grade_id] == variant.source
    assert all("NotImplementedError" not in text and "BEGIN SOLUTION" not in text for text in answers.values())
    assert not any("BEGIN HIDDEN TESTS" in "".join(c["source"]) for c in notebook["cells"]), "the release has no hidden tests"
    assert isinstance(scan_variant(REPO, assignment, variant.grade_id, variant.source), list)
