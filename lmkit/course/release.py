"""Generate the student notebooks (course/) from the instructor notebooks (solutions/).

``course/`` is generated output. ``release`` regenerates it with nbgrader's own
``generate_assignment`` in a temporary course root and then syncs the result
into ``course/<assignment>/`` (unchanged files are not rewritten, so a release
with nothing changed leaves every byte as it was). ``check`` does the same
generation and only compares: the drift check behind the git hook.
"""

from __future__ import annotations

import filecmp
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .notebooks import (
    NotebookError,
    add_cell_ids,
    cells_with_outputs,
    cells_without_ids,
    has_outputs,
    read_notebook,
    strip_outputs,
    write_notebook,
)
from .paths import (
    CONFIG_NAME,
    HANDWRITTEN,
    RELEASE_DIR,
    SOURCE_DIR,
    CourseError,
    NbgraderRoot,
    assignment_notebooks,
    generate_assignment,
    list_assignments,
)


def _select(course_root: Path, assignments: list[str] | None) -> list[str]:
    known = list_assignments(course_root)
    if not assignments:
        if not known:
            raise CourseError(f"no assignments: {course_root / SOURCE_DIR} has no folder with a notebook")
        return known
    for name in assignments:
        assignment_notebooks(course_root, name)  # raises a clear error for an unknown name
    return list(assignments)


def unclean_notebooks(course_root: Path, assignments: list[str] | None = None) -> list[str]:
    """Problems, one line each, for solutions notebooks that carry outputs, lack cell ids or are unreadable."""
    problems = []
    for assignment in _select(course_root, assignments):
        for path in assignment_notebooks(course_root, assignment):
            shown = path.relative_to(course_root)
            try:
                notebook = read_notebook(path)
            except NotebookError as err:
                problems.append(f"{shown}: {err}")
                continue
            if has_outputs(notebook):
                cells = cells_with_outputs(notebook)
                where = f"cells {', '.join(map(str, cells[:8]))}" if cells else "widget state"
                problems.append(
                    f"{shown}: carries outputs ({where}); run `lmkit course strip` to clear them"
                )
            if cells_without_ids(notebook):
                problems.append(f"{shown}: cells without ids (release would not be reproducible); "
                                "run `lmkit course strip` to add them")
    return problems


def strip(course_root: Path, assignments: list[str] | None = None) -> list[Path]:
    """Clear outputs (and add missing cell ids) in the solutions notebooks; return the files changed."""
    changed = []
    for assignment in _select(course_root, assignments):
        for path in assignment_notebooks(course_root, assignment):
            notebook = read_notebook(path)
            if has_outputs(notebook) or cells_without_ids(notebook):
                write_notebook(add_cell_ids(strip_outputs(notebook)), path)
                changed.append(path)
    return changed


def generate(course_root: Path, assignments: list[str], workdir: Path) -> dict[str, Path]:
    """Generate each assignment in its own temporary nbgrader root (in parallel).

    Returns assignment -> folder of generated student files.
    """

    def one(assignment: str) -> tuple[str, Path]:
        root = NbgraderRoot.create(
            workdir / assignment, source=course_root / SOURCE_DIR, config=course_root / CONFIG_NAME
        )
        return assignment, generate_assignment(root, assignment)

    with ThreadPoolExecutor(max_workers=min(4, len(assignments))) as pool:
        return dict(pool.map(one, assignments))


def _relative_files(folder: Path) -> set[Path]:
    return {path.relative_to(folder) for path in folder.rglob("*") if path.is_file()} if folder.is_dir() else set()


def compare(generated: Path, committed: Path, shown: Path | None = None) -> list[str]:
    """Differences between a freshly generated folder and the committed one, one line each.

    File names are shown as ``shown / name`` (default: the committed path).
    """
    shown = committed if shown is None else shown
    new, old = _relative_files(generated), _relative_files(committed)
    problems = [f"{shown / name}: missing (run `lmkit course release`)" for name in sorted(new - old)]
    problems += [f"{shown / name}: not generated from solutions/ (extra file)" for name in sorted(old - new)]
    problems += [
        f"{shown / name}: differs from what solutions/ generates (edited by hand, or solutions changed "
        "without `lmkit course release`)"
        for name in sorted(new & old)
        if not filecmp.cmp(generated / name, committed / name, shallow=False)
    ]
    return problems


def _sync(generated: Path, target: Path) -> list[Path]:
    """Make ``target`` equal to ``generated``, rewriting only files that differ."""
    changed = []
    target.mkdir(parents=True, exist_ok=True)
    new, old = _relative_files(generated), _relative_files(target)
    for name in sorted(old - new):
        (target / name).unlink()
        changed.append(target / name)
    for name in sorted(new):
        if name not in old or not filecmp.cmp(generated / name, target / name, shallow=False):
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(generated / name, target / name)
            changed.append(target / name)
    for folder in sorted((p for p in target.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    return changed


def release(course_root: Path, assignments: list[str] | None = None, strip_first: bool = False) -> list[Path]:
    """Regenerate ``course/<assignment>/`` for the named assignments (all when None).

    Refuses (CourseError naming the file) a solutions notebook with outputs unless
    ``strip_first``. Returns the files that were written or removed.
    """
    selected = _select(course_root, assignments)
    if strip_first:
        strip(course_root, selected)
    problems = unclean_notebooks(course_root, selected)
    if problems:
        raise CourseError("refusing to release:\n  " + "\n  ".join(problems))
    with tempfile.TemporaryDirectory(prefix="lmkit-release-") as tmp:
        generated = generate(course_root, selected, Path(tmp))
        changed = []
        for assignment in selected:
            changed += _sync(generated[assignment], course_root / RELEASE_DIR / assignment)
    return changed


def check(course_root: Path) -> list[str]:
    """Everything that is out of sync, one line per file (empty list: all is well).

    Checks that solutions notebooks carry no outputs, that every assignment's
    generated files match ``course/`` byte for byte, and that ``course/`` has no
    folder without a source assignment (the hand-written ``HANDWRITTEN`` entries excepted).
    """
    assignments = list_assignments(course_root)
    problems = unclean_notebooks(course_root, assignments) if assignments else []
    release_dir = course_root / RELEASE_DIR
    if release_dir.is_dir():
        for entry in sorted(release_dir.iterdir()):
            if entry.name.startswith(".") or (entry.name in HANDWRITTEN and entry.name not in assignments):
                continue
            if entry.is_dir() and entry.name not in assignments:
                problems.append(f"{RELEASE_DIR}/{entry.name}: no matching assignment in {SOURCE_DIR}/ (extra folder)")
            elif entry.is_file():
                problems.append(f"{RELEASE_DIR}/{entry.name}: not generated from {SOURCE_DIR}/ (extra file)")
    if not assignments:
        return problems
    with tempfile.TemporaryDirectory(prefix="lmkit-check-") as tmp:
        generated = generate(course_root, assignments, Path(tmp))
        for assignment in assignments:
            problems += compare(generated[assignment], release_dir / assignment, Path(RELEASE_DIR) / assignment)
    return problems
