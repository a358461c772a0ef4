"""Cheating and hostile notebooks: ONE ``lmkit grade --jobs 2`` batch over a corpus of attacks.

Each fixture in ``fixtures/hostile.py`` is assignment 01's solution with one
cheat or attack; the batch also holds the honest student, who must get full
marks with status ok. Fast unit tests of the pieces (forbid_calls, the static
scan, the kernel command) come first.
"""

from __future__ import annotations

import csv
import html as html_module
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from fixtures import hostile, recipes
from lmkit.checks import forbid_calls
from lmkit.course import integrity
from lmkit.course.paths import list_assignments
from lmkit.course.release import generate

REPO = Path(__file__).resolve().parents[1]
CELL_TIMEOUT = 10
MEMORY = "3G"
# The instructor guide's recipe ("Hostile notebooks"), plus a marker that shows the prefix ran.
PREFIX = ("prlimit --nproc=256 " if shutil.which("prlimit") else "") + "env LMKIT_PREFIX_MARK=1"

# --- forbid_calls ----------------------------------------------------------------------------


def test_forbid_calls_names_the_exercise_and_restores():
    import torch.nn.functional as F

    original = F.one_hot
    with pytest.raises(AssertionError, match="write one_hot yourself; your code called torch.nn.functional.one_hot"):
        with forbid_calls("one_hot", "torch.nn.functional.one_hot", namespace={}):
            F.one_hot(torch.tensor([1]), 3)
    assert F.one_hot is original
    assert F.one_hot(torch.tensor([1]), 3).tolist() == [[0, 1, 0]]


def test_forbid_calls_catches_aliases_and_swallowed_errors_but_spares_test_references():
    import torch.nn.functional as F

    namespace = {"oh": F.one_hot, "_t_ref": F.one_hot}

    def sneaky(ids):
        try:
            return namespace["oh"](ids, 3)
        except AssertionError:
            return torch.eye(3)[ids]

    with pytest.raises(AssertionError, match="caught the error"):
        with forbid_calls("one_hot", "torch.nn.functional.one_hot", namespace=namespace):
            assert namespace["_t_ref"](torch.tensor([0]), 2).tolist() == [[1, 0]]  # the test's own reference
            sneaky(torch.tensor([2]))
    assert namespace["oh"] is F.one_hot


def test_forbid_calls_rejects_bad_names():
    with pytest.raises(ValueError, match="cannot find"):
        with forbid_calls("x", "torch.nn.functional.no_such_function", namespace={}):
            pass
    with pytest.raises(ValueError, match="dotted name"):
        with forbid_calls("x", "one_hot", namespace={}):
            pass
    with pytest.raises(TypeError):
        with forbid_calls(None, "torch.nn.functional.one_hot", namespace={}):
            pass


# --- static scan, sizes, kernel command ----------------------------------------------------


def _notebook(*cells: tuple[str, dict]) -> dict:
    return {"cells": [{"cell_type": "code", "metadata": {"nbgrader": meta} if meta else {}, "source": code,
                       "outputs": [], "execution_count": None} for code, meta in cells],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_scan_flags_student_cells_only(tmp_path):
    setup = ("from lmkit.checks import check_close\nimport torch", {"grade_id": "setup", "locked": True})
    test = ('with forbid_calls("f", "torch.nn.functional.one_hot"):\n    check_close(f(), torch.ones(1), "f")',
            {"grade_id": "test_f", "grade": True, "locked": True, "points": 1})
    answer = {"grade_id": "f", "solution": True}
    source = _notebook(setup, ("def f():\n    return torch.ones(1)", answer), test)
    clean = recipes.dump(source, tmp_path / "clean.ipynb")
    assert integrity.scan_notebook(clean, source) == []

    hostile_cells = _notebook(
        ("import os  # os._exit(1) in a comment is fine\nos.getcwd()", {}),
        ("def f():\n    return torch.nn.functional.one_hot(torch.tensor([0]), 1)[0].float()", answer),
        ("check_close = lambda *a, **k: None\ntorch.testing.assert_close = None", {}),
        ("get_ipython().input_transformers_post.append(lambda lines: lines)", {}),
        ("open('../../solutions/x.ipynb')", {}),
        ("os._exit(0)  # the locked test cell below is not scanned", {}),
        test,
    )
    reasons = "\n".join(integrity.scan_notebook(recipes.dump(hostile_cells, tmp_path / "h.ipynb"), source))
    for expected in ("explores the file system", "mentions a reference the tests forbid", "redefines a name the tests use",
                     "assigns to a library attribute", "installs IPython hooks", "refers to grading files",
                     "exits or signals"):
        assert expected in reasons, reasons


def test_scan_skips_given_cells_the_student_left_unchanged(tmp_path):
    """Narrative code the assignment gives may use a forbidden reference; a student's edit of it may not."""
    setup = ("import torch", {"grade_id": "setup", "locked": True})
    answer = ("def f():\n    return 1", {"grade_id": "f", "solution": True})
    test = ('with forbid_calls("f", "torch.nn.functional.one_hot"):\n    f()',
            {"grade_id": "test_f", "grade": True, "locked": True, "points": 1})
    given = "ids = torch.tensor([0, 2])\nprint(torch.nn.functional.one_hot(ids, 3))"
    source = _notebook(setup, answer, test, (given, {}))
    assert integrity.scan_notebook(recipes.dump(source, tmp_path / "given.ipynb"), source) == []
    edited = _notebook(setup, answer, test, (given + "\nx = 1", {}))
    reasons = integrity.scan_notebook(recipes.dump(edited, tmp_path / "edited.ipynb"), source)
    assert any("mentions a reference the tests forbid" in reason for reason in reasons), reasons


def test_protected_names_of_assignment_01():
    notebook = recipes.load(REPO / "solutions" / hostile.ASSIGNMENT / "word-vectors.ipynb")
    names = integrity.protected_names(notebook)
    assert names["check_close"] == "lmkit.checks:check_close" and names["lme"] == "lmkit:embeddings"
    assert {"one_hot", "sgns_loss", "cosine_similarity"} <= integrity.forbidden_references(notebook)


def test_parse_size_and_kernel_command():
    assert integrity.parse_size("3G") == 3 * 2**30 and integrity.parse_size("1500M") == 1500 * 2**20
    with pytest.raises(ValueError):
        integrity.parse_size("lots")
    command = integrity.kernel_command([sys.executable, "-c", "import resource; print(resource.getrlimit("
                                        "resource.RLIMIT_AS)[0])"], 2**30, ["env", "LMKIT_X=1"])
    assert subprocess.run(command, capture_output=True, text=True).stdout.strip() == str(2**30)


def test_memory_limit_turns_a_huge_allocation_into_an_error():
    """The mechanism --memory uses: RLIMIT_AS. torch itself needs ~600 MiB of address space."""
    code = ("import torch\ntry:\n    torch.ones(2**31)\n    print('allocated')\nexcept (RuntimeError, MemoryError) as e:\n"
            "    print('refused', type(e).__name__)\nprint(torch.ones(1000).sum().item())")
    command = integrity.kernel_command([sys.executable, "-c", code], 3 * 2**30, [])
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, env={"OMP_NUM_THREADS": "1",
                            "PATH": "/usr/bin:/bin"})
    assert result.stdout.split() == ["refused", "RuntimeError", "1000.0"], result.stdout + result.stderr


# --- the batch -------------------------------------------------------------------------------


def _network_namespaces_work() -> bool:
    return bool(shutil.which("unshare")) and subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade the whole hostile corpus once; return (rows by student, output folder, no_network)."""
    if hostile.ASSIGNMENT not in list_assignments(REPO):
        pytest.skip(f"no {hostile.ASSIGNMENT} in solutions/")
    tmp = tmp_path_factory.mktemp("hostile")
    release_dir = generate(REPO, [hostile.ASSIGNMENT], tmp / "release")[hostile.ASSIGNMENT]
    source = recipes.load(REPO / "solutions" / hostile.ASSIGNMENT / "word-vectors.ipynb")
    release = recipes.load(release_dir / "word-vectors.ipynb")
    submissions = tmp / "submissions"
    for name, (mutate, _) in hostile.HOSTILE.items():
        recipes.dump(mutate(release, source), submissions / name / "word-vectors.ipynb")
    out = tmp / "grades"
    no_network = _network_namespaces_work()
    command = [sys.executable, "-m", "lmkit.cli", "grade", str(submissions), "--out", str(out), "--root", str(REPO),
               "--jobs", "2", "--timeout", str(CELL_TIMEOUT), "--max-time", "600", "--memory", MEMORY,
               "--kernel-prefix", PREFIX, *(["--no-network"] if no_network else [])]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1800, cwd=tmp)
    assert result.returncode == 0, result.stdout + result.stderr
    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    print(result.stdout)  # the summary table, shown with pytest -s
    return rows, out, no_network


@pytest.mark.slow
def test_every_fixture_was_graded(graded):
    rows, _, _ = graded
    assert set(rows) == set(hostile.HOSTILE)
    assert "redefines a name the tests use ('check_close =')" in rows["patched-helper"]["notes"]


@pytest.mark.slow
def test_honest_student_gets_full_marks(graded):
    rows, _, _ = graded
    honest = rows["honest"]
    assert (honest["score"], honest["status"], honest["notes"]) == (honest["max_score"], "ok", ""), honest


@pytest.mark.slow
@pytest.mark.parametrize("name, cells", [
    ("reference-one-hot", ["test_one_hot 0/2"]),
    ("reference-sgns", ["test_sgns_loss_values 0/2", "test_sgns_loss_stable_and_grad 0/1"]),
    ("aliased-reference", ["test_cosine 0/2"]),
])
def test_calling_the_reference_scores_zero_for_that_exercise(graded, name, cells):
    rows, _, _ = graded
    row = rows[name]
    for cell in cells:
        assert cell in row["notes"], row
    lost = sum(float(cell.split()[1].split("/")[1]) for cell in cells)
    assert float(row["score"]) == float(row["max_score"]) - lost, row
    assert row["status"] == integrity_flagged(), row
    assert "mentions a reference the tests forbid" in row["notes"], row


def integrity_flagged() -> str:
    from lmkit.course.grade import FLAGGED

    return FLAGGED


@pytest.mark.slow
@pytest.mark.parametrize("name, finding", [
    ("patched-helper", "monkeypatched lmkit.checks.check_close"),
    ("patched-torch", "torch.testing.assert_close"),
    ("patched-torch", "torch.Tensor.allclose"),
    ("patched-builtins", "builtins.all"),
    ("input-transformer", "integrity check did not run"),
    ("custom-exception", "custom exception handler"),
])
def test_tampering_is_flagged_by_the_integrity_check(graded, name, finding):
    rows, _, _ = graded
    row = rows[name]
    assert row["status"] == integrity_flagged(), row
    assert "integrity:" in row["notes"] and finding in row["notes"], row
    assert "review:" in row["notes"], row  # the static scan saw it too


@pytest.mark.slow
def test_kernel_death_timeouts_and_memory(graded):
    rows, out, _ = graded
    assert rows["kills-kernel"]["status"] == "error: kernel died", rows["kills-kernel"]
    assert rows["kills-kernel"]["score"] == ""
    sleeps = rows["sleeps"]
    assert sleeps["status"] == "timeout in cell analogy" and "test_analogy 0/3" in sleeps["notes"], sleeps
    hog = rows["memory-hog"]
    assert "test_analogy 0/3" in hog["notes"] and float(hog["score"]) == float(hog["max_score"]) - 3, hog
    feedback = (out / "feedback" / "memory-hog" / hostile.ASSIGNMENT / "word-vectors.html").read_text()
    assert "can&#39;t allocate memory" in feedback or "can't allocate memory" in feedback or "MemoryError" in feedback


@pytest.mark.slow
def test_huge_outputs_are_capped(graded):
    rows, out, _ = graded
    huge = rows["huge-output"]
    assert (huge["score"], huge["status"]) == (huge["max_score"], "ok"), huge
    feedback = out / "feedback" / "huge-output" / hostile.ASSIGNMENT / "word-vectors.html"
    assert feedback.stat().st_size < 2_500_000, feedback.stat().st_size
    assert "output truncated" in feedback.read_text()


@pytest.mark.slow
def test_snooping_finds_only_the_students_own_files(graded):
    rows, out, no_network = graded
    snoop = rows["snoop"]
    assert snoop["status"] == integrity_flagged() and "review:" in snoop["notes"], snoop
    assert float(snoop["score"]) == float(snoop["max_score"]), snoop
    html = (out / "feedback" / "snoop" / hostile.ASSIGNMENT / "word-vectors.html").read_text()
    match = re.search(hostile.SNOOP_TAG + r" (\{[^{}]*\})", html_module.unescape(html))
    assert match, "the snooping cell printed nothing"
    found = json.loads(match.group(1))
    assert found["solutions"] == [], found
    assert all("/snoop/" in path for path in found["notebooks"]), found  # no other student's notebook
    assert len(found["gradebooks"]) <= 1, found  # its own copy: released cells and hidden tests only
    assert str(REPO) not in found["cwd"] and str(REPO) not in (found["home"] or ""), found
    assert found["prefix_mark"] == "1", found  # --kernel-prefix 'env LMKIT_PREFIX_MARK=1' ran the kernel
    if no_network:
        assert found["interfaces"] == ["lo"], found


@pytest.mark.slow
@pytest.mark.parametrize("assignment", sorted(hostile.REFERENCE_CALLS))
def test_reference_calls_score_zero_in_later_assignments(tmp_path, assignment):
    """02, 04 and 05 guard their exercises with forbid_calls too: the cheat loses exactly that exercise."""
    if assignment not in list_assignments(REPO):
        pytest.skip(f"no {assignment} in solutions/")
    release_dir = generate(REPO, [assignment], tmp_path / "release")[assignment]
    (stem,) = [path.name for path in (REPO / "solutions" / assignment).glob("*.ipynb")]
    source = recipes.load(REPO / "solutions" / assignment / stem)
    cheat = hostile.reference_call(assignment)(recipes.load(release_dir / stem), source)
    recipes.dump(cheat, tmp_path / "submissions" / "cheat" / stem)
    out = tmp_path / "grades"
    result = subprocess.run([sys.executable, "-m", "lmkit.cli", "grade", str(tmp_path / "submissions"), "--out", str(out),
                             "--root", str(REPO), "--timeout", "60"], capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        (row,) = csv.DictReader(handle)
    _, _, lost_cells = hostile.REFERENCE_CALLS[assignment]
    points = {recipes._meta(cell)["grade_id"]: float(recipes._meta(cell)["points"]) for cell in recipes.test_cells(source)}
    for cell in lost_cells:
        assert f"{cell} 0/" in row["notes"], row
    assert float(row["score"]) == float(row["max_score"]) - sum(points[cell] for cell in lost_cells), row
    assert row["status"] == integrity_flagged(), row
    assert "mentions a reference the tests forbid" in row["notes"], row

