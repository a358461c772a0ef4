"""End-to-end grading with nbgrader: every real assignment, plus the tiny torch-free course.

For EVERY assignment in solutions/, one ``lmkit grade`` batch (run as a
subprocess, like an instructor would) grades fixture submissions made from the
current notebooks by the declarative mutations in ``fixtures/recipes.py``, in
mixed LMS layouts, with a short per-cell timeout and two jobs. Expected
outcomes are read back from ``grades.csv``.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from fixtures import hostile, mini, recipes
from lmkit.course.paths import list_assignments
from lmkit.course.release import check, generate

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENTS = list_assignments(REPO)
# CPU seconds per cell (and per test): quick-mode cells use a few; CPU time does not stretch on a busy machine.
CELL_TIMEOUT = 30

pytestmark = pytest.mark.slow
needs_assignments = pytest.mark.skipif(not ASSIGNMENTS, reason="no assignments in solutions/")


def lmkit_grade(submissions: Path, out: Path, root: Path, *extra: str) -> dict[str, dict[str, str]]:
    """Run ``lmkit grade`` as a subprocess; return grades.csv rows by student."""
    command = [sys.executable, "-m", "lmkit.cli", "grade", str(submissions), "--out", str(out),
               "--root", str(root), *extra]
    result = subprocess.run(command, capture_output=True, text=True, timeout=3600, cwd=out.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    assert "submissions:" in result.stdout  # the summary table's totals line
    return rows


@pytest.fixture(scope="module")
def fresh_release(tmp_path_factory) -> dict[str, Path]:
    """Student notebooks generated now from solutions/ (independent of the committed course/)."""
    if not ASSIGNMENTS:
        return {}
    return generate(REPO, ASSIGNMENTS, tmp_path_factory.mktemp("release"))


@needs_assignments
def test_course_folder_is_in_sync_with_solutions():
    problems = check(REPO)
    assert problems == [], "run `lmkit course strip && lmkit course release`:\n" + "\n".join(problems)


def _place(notebooks: dict[str, dict], student: str, layout: str, folder: Path, assignment: str) -> None:
    """Write one student's notebooks in one of the submission layouts."""
    for index, (stem, notebook) in enumerate(notebooks.items()):
        text = json.dumps(notebook, indent=1)
        if layout == "folder":
            path = folder / student / assignment / f"{stem}.ipynb"
        elif layout == "canvas":
            path = folder / f"{student.replace('-', '')}_1000{index}_2000{index}_{stem}.ipynb"
        elif layout == "moodle":
            path = folder / f"{student.replace('-', ' ').title()}_3000_assignsubmission_file_{stem}.ipynb"
        else:
            with zipfile.ZipFile(folder / f"{student}.zip", "a") as archive:
                archive.writestr(f"{student}/work/{stem}.ipynb", text)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _student_name(recipe: str, layout: str) -> str:
    if layout == "canvas":
        return recipe.replace("-", "")
    if layout == "moodle":
        return recipe.replace("-", " ").title()
    return recipe


@needs_assignments
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_fixture_submissions_grade_as_expected(assignment, fresh_release, tmp_path):
    release_dir = fresh_release[assignment]
    sources = {p.stem: recipes.load(p) for p in sorted((REPO / "solutions" / assignment).glob("*.ipynb"))}
    releases = {stem: recipes.load(release_dir / f"{stem}.ipynb") for stem in sources}
    layouts = ["folder", "canvas", "zip", "moodle"]
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    names = {}
    # The pipeline's generic cases (layouts, loops, deleted and duplicated cells, dead processes, bad
    # files) on the first assignment; every assignment gets the ones that test its own exercises.
    full = assignment == ASSIGNMENTS[0]
    chosen = recipes.RECIPES if full else {k: recipes.RECIPES[k] for k in ("solution", "blank", "exception")}
    for index, (recipe, mutate) in enumerate(chosen.items()):
        layout = layouts[index % len(layouts)]
        notebooks = {stem: mutate(releases[stem], sources[stem]) for stem in sources}
        _place(notebooks, recipe, layout, submissions, assignment)
        names[recipe] = _student_name(recipe, layout)
    # Every exercise blank, and the checks, torch and builtins patched to accept anything: still 0.
    forged = {stem: hostile.prepend(recipes._meta(recipes.solution_cells(releases[stem])[0])["grade_id"],
                                    hostile.FORGE_HELPERS)(releases[stem], sources[stem]) for stem in sources}
    _place(forged, "forge", "folder", submissions, assignment)
    names["forge"] = "forge"
    if assignment in hostile.REFERENCE_CALLS:  # one answer delegating to the library
        _place({stem: hostile.reference_call(assignment)(releases[stem], sources[stem]) for stem in sources},
               "reference", "folder", submissions, assignment)
        names["reference"] = "reference"
    if full:
        for stem, notebook in releases.items():
            recipes.write_invalid(submissions / "invalid" / f"{stem}.ipynb", notebook)
        (submissions / "missing").mkdir()
        (submissions / "missing" / "README.txt").write_text("forgot the notebook")

    out = tmp_path / "grades"
    rows = lmkit_grade(submissions, out, REPO, "--timeout", str(CELL_TIMEOUT), "--jobs", "2", "--retry-factor", "1.5")
    expected_students = set(names.values()) | ({"invalid", "missing"} if full else set())
    assert set(rows) == expected_students, sorted(rows)
    for row in rows.values():
        assert row["assignment"] == assignment  # inferred from the notebooks' names

    def row(recipe: str) -> dict[str, str]:
        return rows[names.get(recipe, recipe)]

    def score(recipe: str) -> float:
        return float(row(recipe)["score"])

    max_score = float(row("solution")["max_score"])
    first_test = recipes._meta(recipes.test_cells(next(iter(releases.values())))[0])["grade_id"]
    assert max_score > 0

    assert (score("solution"), row("solution")["status"]) == (max_score, "ok"), row("solution")
    assert (score("blank"), row("blank")["status"]) == (0, "ok"), row("blank")

    exception = row("exception")
    assert 0 < score("exception") < max_score, exception
    assert first_test in exception["notes"], exception

    assert (score("forge"), "review:" in row("forge")["notes"]) == (0, True), row("forge")
    if "reference" in names:
        _, _, lost_cells = hostile.REFERENCE_CALLS[assignment]
        reference = row("reference")
        assert all(f"{cell} 0/" in reference["notes"] for cell in lost_cells), reference
        assert "flagged for review" in reference["status"] and score("reference") < max_score, reference

    if full:
        loop = row("loop")
        assert loop["status"].startswith("timeout in cell"), loop
        assert "graded again alone" in loop["notes"], loop
        assert score("loop") < max_score

        assert (score("warning"), row("warning")["status"]) == (max_score, "ok"), row("warning")

        restored = row("deleted-test")
        assert (score("deleted-test"), restored["status"]) == (max_score, "ok"), restored
        assert f"restored deleted cell {first_test}" in restored["notes"]
        unsolved = row("deleted-unsolved")
        assert score("deleted-unsolved") < max_score and unsolved["status"] == "ok", unsolved
        assert f"restored deleted cell {first_test}" in unsolved["notes"] and f"{first_test} 0/" in unsolved["notes"]

        assert row("duplicated")["status"].startswith("failed validation: duplicated cell"), row("duplicated")
        assert row("duplicated")["score"] == ""
        assert row("invalid")["status"].startswith("invalid notebook"), row("invalid")
        assert row("kernel-dies")["status"].startswith("error: kernel died"), row("kernel-dies")
        assert score("kernel-dies") == 0, row("kernel-dies")
        assert row("missing")["status"] == "missing notebook", row("missing")


    solution_feedback = list((out / "feedback").glob("solution/*/*.html"))
    assert solution_feedback, sorted(p.relative_to(out) for p in out.rglob("*"))
    for page in (out / "feedback").rglob("*.html"):
        assert "BEGIN HIDDEN TESTS" not in page.read_text(encoding="utf-8"), page
    assert "lmkit-grade" not in "".join(p.name for p in REPO.iterdir())
    assert not (REPO / "gradebook.db").exists()


# --- the tiny course: config rules, manual grading, total time limit -------------------------


@pytest.fixture()
def mini_course(tmp_path) -> Path:
    return mini.make_course(tmp_path / "course")


def _mini_submission(root: Path, folder: Path, student: str, edit) -> None:
    notebook = recipes.load(root / "solutions" / "mini" / "mini.ipynb")
    answer = next(c for c in notebook["cells"] if c["metadata"]["nbgrader"]["grade_id"] == "answer")
    answer["source"] = "Its Euclidean length."  # a written answer: graded by a person
    edit(notebook)
    recipes.dump(notebook, folder / student / "mini.ipynb")


def _warn_in_add(notebook: dict) -> None:
    cell = next(c for c in notebook["cells"] if c["metadata"]["nbgrader"]["grade_id"] == "add")
    cell["source"] = ("import warnings\nwarnings.simplefilter('always')\n\n"
                      "def add(a, b):\n    warnings.warn('deprecated, but fine', DeprecationWarning)\n"
                      "    return a + b\n")


def test_warnings_never_cost_points(mini_course, tmp_path):
    """The judge decides a test by its exceptions only: a student's warnings (stderr) are not failures,
    even without the config's IgnorePattern, which mattered when tests ran in the student's kernel."""
    config = mini_course / "nbgrader_config.py"
    config.write_text(config.read_text() + "\nc.IgnorePattern.enabled = False\nc.IgnorePattern.pattern = ''\n")
    subs = tmp_path / "subs"
    _mini_submission(mini_course, subs, "warner", _warn_in_add)
    rows = lmkit_grade(subs, tmp_path / "out", mini_course, "--timeout", "20")
    warner = rows["warner"]
    # 5 automatic points, 1 written answer for a person to grade: the score is still reported.
    assert (warner["score"], warner["max_score"], warner["status"]) == ("5", "6", "needs manual grading"), warner


def test_total_time_limit_per_student(mini_course, tmp_path):
    subs = tmp_path / "subs"

    def slow_add(notebook: dict) -> None:
        cell = next(c for c in notebook["cells"] if c["metadata"]["nbgrader"]["grade_id"] == "add")
        cell["source"] = "import time\ntime.sleep(600)\ndef add(a, b):\n    return a + b\n"

    _mini_submission(mini_course, subs, "sleeper", slow_add)
    rows = lmkit_grade(subs, tmp_path / "out", mini_course, "--timeout", "60", "--max-time", "12",
                       "--retry-factor", "1.5")
    sleeper = rows["sleeper"]
    assert sleeper["status"].startswith("timeout in cell mini.ipynb (the notebook did not finish running)"), sleeper
    assert "graded again alone with 1.5x longer limits" in sleeper["notes"], sleeper
    assert sleeper["score"] == "0", sleeper
