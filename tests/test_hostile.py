"""Hostile notebooks: ONE ``lmkit grade --jobs 2`` batch over a corpus of attacks on assignment 01.

Each fixture in ``fixtures/hostile.py`` is the blank or the solved notebook with one
attack. The batch also holds an honest student and a "victim" (solved) graded next to
the attackers. Asserted for every fixture: no marks gained, nothing leaked (no hidden
test in any feedback, no solutions or gradebook in reach), no other student affected,
no process left behind, and the batch completes. The unit tests of the static scan
come first; the sandbox itself is tested in test_sandbox.py.
"""

from __future__ import annotations

import csv
import hashlib
import html as html_module
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fixtures import hostile, recipes
from lmkit.course import integrity
from lmkit.course.grade import FLAGGED
from lmkit.course.judge import sandbox
from lmkit.course.paths import list_assignments
from lmkit.course.release import generate

REPO = Path(__file__).resolve().parents[1]
# CPU seconds per cell: quick-mode cells of 01 use under 3 s; a busy machine does not stretch CPU time.
CELL_TIMEOUT = 8
MEMORY = "3G"


# --- static scan, sizes ----------------------------------------------------------------------


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
    assert {"one_hot", "cosine_similarity", "embeddings"} <= integrity.forbidden_references(notebook)


def test_parse_size():
    assert integrity.parse_size("3G") == 3 * 2**30 and integrity.parse_size("1500M") == 1500 * 2**20
    with pytest.raises(ValueError):
        integrity.parse_size("lots")


# --- the batch -------------------------------------------------------------------------------


def _sandbox_uids_alive(out: Path) -> list[str]:
    """Processes still running as one of this batch's sandbox uids."""
    first = sandbox.uid_base(str(out.resolve()))
    alive = []
    for entry in (e for e in os.listdir("/proc") if e.isdigit()):
        try:
            uid = int(Path(f"/proc/{entry}/status").read_text().split("Uid:")[1].split()[0])
        except (OSError, IndexError):
            continue
        if first <= uid < first + sandbox.JOB_SLOTS:
            alive.append(entry)
    return alive


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade the whole hostile corpus once; return (rows by student, output folder)."""
    if hostile.ASSIGNMENT not in list_assignments(REPO):
        pytest.skip(f"no {hostile.ASSIGNMENT} in solutions/")
    try:
        sandbox.check_available()
    except sandbox.SandboxUnavailable as err:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(str(err))
    tmp = tmp_path_factory.mktemp("hostile")
    release_dir = generate(REPO, [hostile.ASSIGNMENT], tmp / "release")[hostile.ASSIGNMENT]
    source = recipes.load(REPO / "solutions" / hostile.ASSIGNMENT / "word-vectors.ipynb")
    release = recipes.load(release_dir / "word-vectors.ipynb")
    submissions = tmp / "submissions"
    for name, (mutate, _) in hostile.HOSTILE.items():
        recipes.dump(mutate(release, source), submissions / name / "word-vectors.ipynb")
    victim = submissions / "victim" / "word-vectors.ipynb"
    victim_hash = hashlib.sha256(victim.read_bytes()).hexdigest()
    out = tmp / "grades"
    command = [sys.executable, "-m", "lmkit.cli", "grade", str(submissions), "--out", str(out), "--root", str(REPO),
               "--jobs", "2", "--timeout", str(CELL_TIMEOUT), "--max-time", "600", "--memory", MEMORY,
               "--retry-factor", "1.5"]
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, timeout=3600, cwd=tmp)
    assert result.returncode == 0, result.stdout + result.stderr
    print(result.stdout, f"batch: {time.monotonic() - started:.0f} s")  # the summary table, with pytest -s
    csv_text = (out / "grades.csv").read_text(encoding="utf-8")
    time.sleep(5)  # a process that escaped would now rewrite files
    assert (out / "grades.csv").read_text(encoding="utf-8") == csv_text, "grades.csv changed after the batch"
    assert hashlib.sha256(victim.read_bytes()).hexdigest() == victim_hash, "a submission was modified"
    rows = {row["student"]: row for row in csv.DictReader(csv_text.splitlines())}
    return rows, out


@pytest.mark.slow
def test_every_fixture_was_graded_and_nothing_is_left_running(graded):
    rows, out = graded
    assert set(rows) == set(hostile.HOSTILE)
    assert _sandbox_uids_alive(out) == []


@pytest.mark.slow
@pytest.mark.parametrize("name", ["honest", "victim"])
def test_honest_students_get_full_marks_whatever_the_others_do(graded, name):
    rows, out = graded
    row = rows[name]
    assert (row["score"], row["status"], row["notes"]) == (row["max_score"], "ok", ""), row
    feedback = (out / "feedback" / name / hostile.ASSIGNMENT / "word-vectors.html").read_text(encoding="utf-8")
    assert "looks right" in feedback and len(feedback) > 10_000  # the tests' own output, not an emptied file


BLANK_ATTACKS = ["blank", "forge-kernel", "forge-helpers", "forge-tensor", "read-solutions", "write-gradebook",
                 "detached-child", "snoop", "kills-kernel"]


@pytest.mark.slow
@pytest.mark.parametrize("name", BLANK_ATTACKS)
def test_an_unanswered_notebook_scores_zero_whatever_it_does(graded, name):
    rows, _ = graded
    assert float(rows[name]["score"]) == 0, rows[name]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["forge-kernel", "forge-helpers", "read-solutions", "write-gradebook",
                                  "detached-child", "snoop", "kills-kernel", "default-argument", "sys-modules"])
def test_attempts_are_flagged_for_review(graded, name):
    rows, _ = graded
    assert FLAGGED in rows[name]["status"] and "review:" in rows[name]["notes"], rows[name]


@pytest.mark.slow
@pytest.mark.parametrize("name, cell", [("default-argument", "test_one_hot"), ("sys-modules", "test_cosine")])
def test_reaching_the_reference_any_way_loses_that_exercise(graded, name, cell):
    rows, _ = graded
    row = rows[name]
    assert f"{cell} 0/" in row["notes"] and f"flag: {cell} called a reference the tests forbid" in row["notes"], row
    assert float(row["score"]) < float(row["max_score"])


@pytest.mark.slow
def test_no_feedback_shows_hidden_tests(graded):
    _, out = graded
    pages = sorted((out / "feedback").rglob("*.html"))
    assert len(pages) >= len(hostile.HOSTILE) - 1, pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "BEGIN HIDDEN TESTS" not in text and hostile.HIDDEN_ONLY not in text, page
        assert "hidden tests are not shown" in text, page


@pytest.mark.slow
def test_feedback_is_sanitised_and_small(graded):
    rows, out = graded
    assert (rows["html"]["score"], rows["huge-source"]["score"]) == (rows["html"]["max_score"],) * 2, rows
    text = (out / "feedback" / "html" / hostile.ASSIGNMENT / "word-vectors.html").read_text(encoding="utf-8")
    # The student's tags are gone (their text may stay, as text): no script, no handler, no frame.
    assert not re.search(r"<script>\s*alert", text) and not re.search(r"<img[^>]*onerror", text), "student HTML"
    assert "<iframe" not in text
    assert not re.search(r"<h1[^>]*>\s*Score: 22", text), "a forged score heading"
    huge = out / "feedback" / "huge-source" / hostile.ASSIGNMENT / "word-vectors.html"
    assert huge.stat().st_size < 3_000_000, huge.stat().st_size


@pytest.mark.slow
def test_the_sandbox_showed_the_snoop_nothing(graded):
    _, out = graded
    log = html_module.unescape((out / "logs" / "snoop.log").read_text(encoding="utf-8"))
    match = re.search(hostile.SNOOP_TAG + r" (\{.*\})", log)
    assert match, "the snooping cell printed nothing to the grading log"
    found = json.loads(match.group(1))
    assert found["uid"] != 0 and found["interfaces"] == ["lo"], found
    outside_packages = [p for p in found["solutions"] + found["gradebooks"] if "-packages" not in p]
    assert outside_packages == [], found  # (nbgrader's own test files ship a gradebook.db)
    # Notebooks may ship inside installed packages; none of a student, a course or a grading folder.
    # (CI's venv lives under /tmp, so a package's own notebooks are told apart by "-packages".)
    leaked = [p for p in found["notebooks"] if "-packages" not in p
              and ("word-vectors" in p or p.startswith(("/box", "/tmp")))]
    assert not leaked, (leaked, found)
    assert len(found["pids"]) <= 3 and not any("lmkit" in c and "grade" in c for c in found["cmdlines"]), found
    assert found["cwd"] == "/box", found


@pytest.mark.slow
def test_limits_statuses_and_a_second_run_for_timeouts(graded):
    rows, _ = graded
    sleeps = rows["sleeps-flagged"]
    assert FLAGGED in sleeps["status"] and "timeout in cell analogy" in sleeps["status"], sleeps  # both shown
    assert "graded again alone" in sleeps["notes"] and "test_analogy 0/3" in sleeps["notes"], sleeps
    assert rows["kills-kernel"]["status"].startswith("error: kernel died"), rows["kills-kernel"]
    hog = rows["memory-hog"]
    assert "test_analogy 0/3" in hog["notes"] and float(hog["score"]) == float(hog["max_score"]) - 3, hog
    assert "allocate memory" in hog["notes"] or "MemoryError" in hog["notes"], hog
