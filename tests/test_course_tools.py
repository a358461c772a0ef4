"""The instructor/student tooling: release, check, strip, submissions discovery, start, validate, CLI.

Tests marked slow run nbgrader (a few seconds each). Everything runs on copies in tmp_path (a tiny torch-free course from
``fixtures.mini``); the real course/ and solutions/ are never modified.
"""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from fixtures import mini
from lmkit.cli import build_parser, main
from lmkit.course import notebooks as nbjson
from lmkit.course.grade import GradeResult, _classify_failure, infer_assignment, match_notebooks, precheck, student_slug, summary
from lmkit.course.paths import CourseError, find_course_root, list_assignments
from lmkit.course.release import check, release, strip
from lmkit.course.start import apply, lab_command, plan
from lmkit.course.submissions import MAX_MEMBER_BYTES, Submission, discover, parse_name, safe_extract

REPO = Path(__file__).resolve().parents[1]


def _lmkit(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lmkit.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    """A mini course, released once (nbgrader runs ~5 s)."""
    root = mini.make_course(tmp_path_factory.mktemp("course"))
    release(root)
    return root


# --- release / check / strip ------------------------------------------------------------


@pytest.mark.slow  # runs nbgrader
def test_release_writes_student_notebook_without_solutions(released):
    student = released / "course" / "mini" / "mini.ipynb"
    text = student.read_text()
    assert "YOUR CODE HERE" in text and "return a + b" not in text
    assert "HIDDEN TESTS" not in text and "add(10, 5)" not in text
    assert (released / "course" / "mini" / "data.txt").is_file()
    assert not (released / "gradebook.db").exists(), "release must not create a gradebook in the course root"


@pytest.mark.slow  # runs nbgrader
def test_release_is_deterministic(released):
    files = sorted((released / "course").rglob("*"))
    before = {p: p.read_bytes() for p in files if p.is_file()}
    changed = release(released)
    assert changed == [], f"an unchanged release rewrote {changed}"
    after = {p: p.read_bytes() for p in sorted((released / "course").rglob("*")) if p.is_file()}
    assert after == before
    assert check(released) == []


def _copy(released: Path, tmp_path: Path) -> Path:
    import shutil

    return Path(shutil.copytree(released, tmp_path / "copy"))


def _add_output(source: Path) -> None:
    notebook = json.loads(source.read_text())
    notebook["cells"][1]["execution_count"] = 3
    notebook["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "hi\n"}]
    source.write_text(json.dumps(notebook))


@pytest.mark.slow  # runs nbgrader
def test_check_names_each_out_of_sync_file(released, tmp_path):
    root = _copy(released, tmp_path)
    student = root / "course" / "mini" / "mini.ipynb"
    student.write_text(student.read_text().replace("YOUR CODE HERE", "edited by hand"))
    (root / "course" / "mini" / "data.txt").unlink()
    (root / "course" / "mini" / "notes.md").write_text("stray")
    (root / "course" / "99-gone").mkdir()
    _add_output(root / "solutions" / "mini" / "mini.ipynb")
    problems = check(root)
    expected = {
        "course/mini/mini.ipynb": "differs",
        "course/mini/data.txt": "missing",
        "course/mini/notes.md": "extra file",
        "course/99-gone": "extra folder",
        "solutions/mini/mini.ipynb": "carries outputs",
    }
    for name, why in expected.items():
        assert any(name in p and why in p for p in problems), (name, problems)
    assert len(problems) == len(expected), problems
    result = _lmkit("course", "check", "--root", str(root), cwd=tmp_path)  # as the git hook runs it
    assert result.returncode == 1
    assert all(name in result.stderr for name in expected), result.stderr


@pytest.mark.slow  # runs nbgrader
def test_check_flags_missing_cell_ids_and_strip_fixes_them(released, tmp_path):
    root = _copy(released, tmp_path)
    source = root / "solutions" / "mini" / "mini.ipynb"
    notebook = json.loads(source.read_text())
    for cell in notebook["cells"]:
        del cell["id"]  # nbformat would invent random ids: releases not reproducible
    source.write_text(json.dumps(notebook))
    problems = check(root)
    assert any("solutions/mini/mini.ipynb" in p and "cells without ids" in p for p in problems), problems
    assert strip(root) == [source]
    assert check(root) == []  # ids from grade_ids: the release is byte-identical again


@pytest.mark.slow  # runs nbgrader
def test_check_cli_ok(released, tmp_path):
    result = _lmkit("course", "check", "--root", str(released), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.slow  # runs nbgrader
def test_release_refuses_outputs_and_strip_clears_them(tmp_path):
    root = mini.make_course(tmp_path / "course")
    source = root / "solutions" / "mini" / "mini.ipynb"
    notebook = json.loads(source.read_text())
    notebook["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x\n"}]
    notebook["cells"][1]["execution_count"] = 1
    source.write_text(json.dumps(notebook))
    with pytest.raises(CourseError, match="solutions/mini/mini.ipynb"):
        release(root)
    assert not (root / "course").exists()
    assert strip(root) == [source]
    assert nbjson.cells_with_outputs(nbjson.read_notebook(source)) == []
    assert strip(root) == []  # idempotent


@pytest.mark.slow  # runs nbgrader
def test_release_strip_option_and_unknown_assignment(tmp_path):
    root = mini.make_course(tmp_path / "course")
    with pytest.raises(CourseError, match="unknown assignment 'nope'"):
        release(root, ["nope"])
    assert main(["course", "release", "--strip", "--root", str(root)]) == 0
    assert (root / "course" / "mini" / "mini.ipynb").is_file()


def test_find_course_root(tmp_path):
    with pytest.raises(CourseError, match="not a course root"):
        find_course_root(tmp_path)
    root = mini.make_course(tmp_path / "c")
    assert find_course_root(root) == root.resolve()
    assert list_assignments(root) == ["mini"]


# --- submissions discovery ---------------------------------------------------------------


def _nb(path: Path, grade_ids: list[str] = ()) -> Path:
    cells = [{"cell_type": "code", "metadata": {"nbgrader": {"grade_id": g, "grade": True, "solution": False}},
              "source": "", "outputs": [], "execution_count": None} for g in grade_ids]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def _by_student(subs: list[Submission]) -> dict[str, Submission]:
    return {s.student: s for s in subs}


def test_parse_name_lms_conventions():
    p = parse_name("smithjane_12345_678901_word-vectors")
    assert (p.student, p.file, p.late) == ("smithjane", "word-vectors", False)
    p = parse_name("smithjane_LATE_12345_678901_word-vectors-1")
    assert (p.student, p.file, p.late) == ("smithjane", "word-vectors-1", True)
    p = parse_name("Jane Smith_12345_assignsubmission_file_word-vectors")
    assert (p.student, p.file) == ("Jane Smith", "word-vectors")
    p = parse_name("Jane Smith_12345_assignsubmission_file_")
    assert (p.student, p.file) == ("Jane Smith", None)
    p = parse_name("alice_word-vectors", {"word-vectors"})
    assert (p.student, p.file) == ("alice", "word-vectors")
    p = parse_name("bob")
    assert (p.student, p.file) == ("bob", None)


def test_discover_every_layout(tmp_path):
    subs = tmp_path / "subs"
    _nb(subs / "alice" / "word-vectors.ipynb")
    _nb(subs / "alice" / ".ipynb_checkpoints" / "word-vectors-checkpoint.ipynb")
    _nb(subs / "bob" / "01-word-vectors" / "word-vectors.ipynb")
    _nb(subs / "smithjane_12345_678901_word-vectors.ipynb")
    _nb(subs / "doejohn_LATE_22222_333333_word-vectors-1.ipynb")
    _nb(subs / "Jane Roe_12345_assignsubmission_file_word-vectors.ipynb")
    _nb(subs / "Max Mustermann_777_assignsubmission_file_" / "word-vectors.ipynb")
    _nb(subs / "carol_word-vectors.ipynb")
    _nb(subs / "dave.ipynb")
    with zipfile.ZipFile(subs / "erin.zip", "w") as zf:
        zf.writestr("deep/folder/word-vectors.ipynb", (subs / "dave.ipynb").read_text())
        zf.writestr("__MACOSX/deep/._word-vectors.ipynb", "junk")
    (subs / "notes.txt").write_text("ignored")
    found = _by_student(discover(subs, tmp_path / "work", {"word-vectors"}, {"01-word-vectors"}))
    assert sorted(found) == sorted(["alice", "bob", "smithjane", "doejohn", "Jane Roe", "Max Mustermann",
                                    "carol", "dave", "erin"])
    assert [p.name for p in found["alice"].notebooks] == ["word-vectors.ipynb"]  # checkpoints skipped
    assert found["bob"].assignment_hint == "01-word-vectors"
    assert found["doejohn"].notes == ["late (per file name)"]
    for student in ("smithjane", "doejohn", "Jane Roe", "carol", "erin"):
        names = [p.name for p in found[student].notebooks]
        assert len(names) == 1 and names[0].startswith("word-vectors"), (student, names)
    assert [p.name for p in found["dave"].notebooks] == ["dave.ipynb"]


def test_discover_class_zip(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("word-vectors.ipynb", "{}")
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("submissions/smithjane_1_2_word-vectors.ipynb", "{}")
        zf.writestr("submissions/frank.zip", inner.getvalue())
        zf.writestr("submissions/gina/word-vectors.ipynb", "{}")
    found = _by_student(discover(archive, tmp_path / "work", {"word-vectors"}))
    assert sorted(found) == ["frank", "gina", "smithjane"]
    assert all(len(s.notebooks) == 1 for s in found.values())


def test_zip_slip_and_symlink_members_are_skipped(tmp_path):
    archive = tmp_path / "subs" / "mallory.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../escaped.ipynb", "{}")
        zf.writestr("/abs/escaped2.ipynb", "{}")
        link = zipfile.ZipInfo("link.ipynb")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr("ok/word-vectors.ipynb", "{}")
    found = discover(archive.parent, tmp_path / "work", {"word-vectors"})
    assert len(found) == 1
    submission = found[0]
    assert [p.name for p in submission.notebooks] == ["word-vectors.ipynb"]
    assert sum("unsafe" in note for note in submission.notes) == 3, submission.notes
    assert not list(tmp_path.rglob("escaped*.ipynb"))
    assert not (Path("/abs/escaped2.ipynb")).exists()
    for path in submission.notebooks:
        assert (tmp_path / "work").resolve() in path.resolve().parents


def test_zip_bomb_and_bad_zip(tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.ipynb", b"0" * (MAX_MEMBER_BYTES + 1))
        zf.writestr("squashed.ipynb", b"0" * (8 * 2**20))
    files, notes = safe_extract(bomb, tmp_path / "out")
    assert files == []
    assert any("limit" in n for n in notes) and any("compression ratio" in n for n in notes), notes
    bad = tmp_path / "subs" / "oscar.zip"
    bad.parent.mkdir()
    bad.write_text("not a zip")
    (found,) = discover(bad.parent, tmp_path / "work")
    assert found.problem and "invalid zip" in found.problem


def test_discover_rejects_empty_and_missing(tmp_path):
    with pytest.raises(ValueError, match="no submissions"):
        discover(tmp_path, tmp_path / "work")
    with pytest.raises(ValueError, match="must be a folder or a .zip"):
        discover(tmp_path / "nothing", tmp_path / "work")


def test_match_notebooks_by_name_ids_and_elimination(tmp_path):
    notebooks = {"word-vectors": {"one_hot", "test_one_hot"}, "extra": {"q1"}}
    s = Submission("a", [_nb(tmp_path / "a" / "Word-Vectors-1.ipynb"), _nb(tmp_path / "a" / "renamed.ipynb", ["q1"])])
    mapping, notes = match_notebooks(s, notebooks)
    assert mapping["word-vectors"].name == "Word-Vectors-1.ipynb" and mapping["extra"].name == "renamed.ipynb"
    s = Submission("b", [_nb(tmp_path / "b" / "mine.ipynb")])
    mapping, notes = match_notebooks(s, {"word-vectors": {"one_hot"}})
    assert mapping == {"word-vectors": s.notebooks[0]} and "only notebook" in notes[0]
    s = Submission("c", [_nb(tmp_path / "c" / "x.ipynb"), _nb(tmp_path / "c" / "y.ipynb")])
    assert match_notebooks(s, {"word-vectors": {"one_hot"}})[0] == {}


def test_infer_assignment(tmp_path):
    root = tmp_path / "course"
    _nb(root / "solutions" / "01-a" / "alpha.ipynb", ["a1", "a2"])
    _nb(root / "solutions" / "02-b" / "beta.ipynb", ["b1"])
    by_name = Submission("x", [_nb(tmp_path / "x" / "alpha.ipynb")])
    by_ids = Submission("y", [_nb(tmp_path / "y" / "whatever.ipynb", ["a2"])])
    assert infer_assignment([by_name, by_ids], root) == "01-a"
    other = Submission("z", [_nb(tmp_path / "z" / "beta.ipynb")])
    with pytest.raises(CourseError, match="pass --assignment"):
        infer_assignment([by_name, other], root)


def test_student_slug_is_safe_and_unique():
    taken: set[str] = set()
    assert student_slug("Jane Smith", taken) == "Jane-Smith"
    assert student_slug("jane smith", taken) == "jane-smith-2"
    assert student_slug("../..", taken) == "student"


def test_precheck_flags_what_nbgrader_cannot_grade(tmp_path):
    good = _nb(tmp_path / "good.ipynb", ["test_a", "test_b"])
    assert precheck(good) is None
    assert precheck(_nb(tmp_path / "dup.ipynb", ["test_a", "test_a"])) == (
        "failed validation: duplicated cell test_a in dup.ipynb")
    assert "no nbgrader cells" in precheck(_nb(tmp_path / "fresh.ipynb"))
    (tmp_path / "bad.ipynb").write_text('{"cells": [')
    assert precheck(tmp_path / "bad.ipynb").startswith("invalid notebook: bad.ipynb: not valid JSON")
    (tmp_path / "v3.ipynb").write_text('{"cells": [], "nbformat": 3}')
    assert "expected nbformat 4" in precheck(tmp_path / "v3.ipynb")


def test_failure_classification_and_summary():
    assert _classify_failure("...DeadKernelError: Kernel died\nRemoving failed assignment") == "error: kernel died"
    assert _classify_failure("[AutogradeApp | ERROR] Notebook failed to validate").startswith("failed validation")
    assert _classify_failure("[AutogradeApp | ERROR] something odd") == "error: [AutogradeApp | ERROR] something odd"
    log = "[App | ERROR] Traceback (most recent call last):\n  x\nsqlite3.OperationalError: disk full\n[App | ERROR] Please see"
    assert _classify_failure(log) == "error: sqlite3.OperationalError: disk full"
    results = [GradeResult("ann", "a", 3.0, 4.0, "ok"), GradeResult("bo", "a", None, 4.0, "invalid notebook: x")]
    text = summary(results)
    assert "ann" in text and "3/4" in text and "invalid notebook" in text
    assert text.splitlines()[-1] == "2 submissions: 1 ok, 1 graded, 1 not graded; mean 3.00/4"
    assert results[1].row()["score"] == ""


# --- start ---------------------------------------------------------------------------------


def test_start_plan_never_overwrites(tmp_path):
    release_dir = tmp_path / "course"
    _nb(release_dir / "01-a" / "alpha.ipynb")
    _nb(release_dir / "02-b" / "beta.ipynb")
    target = tmp_path / "work"
    mine = target / "01-a" / "alpha.ipynb"
    mine.parent.mkdir(parents=True)
    mine.write_text("my precious work")
    start_plan = plan(target, release_dir)
    assert [dst.name for _, dst in start_plan.copy] == ["beta.ipynb"]
    assert start_plan.keep == [mine.resolve()]
    apply(start_plan)
    assert mine.read_text() == "my precious work"
    assert (target / "02-b" / "beta.ipynb").is_file()
    command = lab_command(start_plan, browser=False)
    assert command[:4] == [sys.executable, "-m", "jupyter", "lab"]
    assert "--no-browser" in command and command[-1] == os.path.join("01-a", "alpha.ipynb")


def test_start_dry_run_cli_changes_nothing(tmp_path):
    (tmp_path / "course" / "01-a").mkdir(parents=True)
    _nb(tmp_path / "course" / "01-a" / "alpha.ipynb")
    target = tmp_path / "work"
    result = _lmkit("start", "--dry-run", "--no-browser", "--dir", str(target), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "jupyter lab" in result.stdout and "--no-browser" in result.stdout and "copy" in result.stdout
    assert not target.exists()


# --- CLI -----------------------------------------------------------------------------------


@pytest.mark.parametrize("argv", [[], ["start"], ["validate"], ["course"], ["course", "release"],
                                  ["course", "check"], ["course", "strip"], ["grade"]])
def test_cli_help(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*argv, "--help"])
    assert exit_info.value.code == 0
    assert "usage: lmkit" in capsys.readouterr().out


def test_cli_usage_errors(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["grade", "x", "--jobs", "0"])
    assert exit_info.value.code == 2
    assert main(["course", "check", "--root", str(tmp_path)]) == 2
    assert "not a course root" in capsys.readouterr().err


def test_tooling_does_not_import_torch():
    code = ("import sys, lmkit.cli, lmkit.course.grade, lmkit.course.release, lmkit.course.validate, "
            "lmkit.course.start; assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=180)  # ~1 s idle


# --- validate --------------------------------------------------------------------------------


@pytest.mark.slow  # runs nbgrader
def test_validate_passes_solution_and_lists_failures(released, tmp_path):
    student = tmp_path / "mini.ipynb"
    student.write_bytes((released / "course" / "mini" / "mini.ipynb").read_bytes())
    result = _lmkit("validate", str(student), cwd=tmp_path)
    assert result.returncode == 1
    assert "FAILED test_add" in result.stdout and "FAILED test_norm" in result.stdout
    assert "test_add_hidden" in result.stdout  # its visible part fails too
    assert "FAILED answer: not answered yet" in result.stdout
    notebook = json.loads(student.read_text())
    for cell in notebook["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("solution") and cell["cell_type"] == "code":
            source = "".join(cell["source"])
            answer = "return a + b" if "def add" in source else "return math.sqrt(sum(x * x for x in xs))"
            cell["source"] = source.replace("# YOUR CODE HERE\n    raise NotImplementedError()", answer)
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "answer":
            cell["source"] = "The Euclidean length of the vector."
    student.write_text(json.dumps(notebook))
    result = _lmkit("validate", str(student), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 test cells pass, 0 fail" in result.stdout


@pytest.mark.slow  # runs nbgrader
def test_validate_rejects_bad_input(tmp_path):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    assert _lmkit("validate", str(bad), cwd=tmp_path).returncode == 1
    assert main(["validate", str(tmp_path / "missing.ipynb")]) == 2
    assert main(["validate", str(bad.with_suffix(".txt"))]) == 2


@pytest.mark.slow  # runs nbgrader
def test_handwritten_course_files_survive_release_and_pass_check(tmp_path):
    root = mini.make_course(tmp_path / "course")
    (root / "course" / "guides").mkdir(parents=True)
    handwritten = {root / "course" / "README.md": "# landing", root / "course" / "glossary.md": "terms",
                   root / "course" / "guides" / "student.md": "how to"}
    for path, text in handwritten.items():
        path.write_text(text)
    release(root)
    assert all(path.read_text() == text for path, text in handwritten.items())
    assert check(root) == []
    (root / "course" / "notes.md").write_text("stray")  # any other top-level file is still flagged
    assert [p for p in check(root) if "notes.md" in p and "extra file" in p]
