"""Which files of a submission are which notebook, for ``lmkit grade``.

The batch grader (``grade.py``) asks here which assignment a folder of submissions
is for (folder names, file names, then shared nbgrader cell ids), which of a
student's files stands for each of the assignment's notebooks, a safe id for each
student, and whether a notebook is one nbgrader can grade at all.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from .notebooks import NotebookError, duplicated_ids, graded_ids, read_notebook
from .paths import SOURCE_DIR, CourseError, assignment_notebooks, list_assignments
from .submissions import Submission, matches_notebook


def _ids_of(path: Path) -> set[str]:
    try:
        return set(graded_ids(read_notebook(path)))
    except (NotebookError, OSError):
        return set()


def source_notebooks(course_root: Path, assignment: str) -> dict[str, set[str]]:
    """Notebook stem -> graded cell ids, for each notebook of an assignment."""
    return {path.stem: _ids_of(path) for path in assignment_notebooks(course_root, assignment)}


def _vote(submission: Submission, catalogue: dict[str, dict[str, set[str]]]) -> str | None:
    """The assignment one submission looks like (folder name, file name, then cell ids)."""
    if submission.assignment_hint:
        return submission.assignment_hint
    for path in submission.notebooks:
        named = {a for a, nbs in catalogue.items() if any(matches_notebook(path.stem, nb) for nb in nbs)}
        if len(named) == 1:
            return named.pop()
    best, best_overlap = None, 0
    for path in submission.notebooks:
        ids = _ids_of(path)
        for assignment, notebooks in catalogue.items():
            overlap = max((len(ids & nb_ids) for nb_ids in notebooks.values()), default=0)
            if overlap > best_overlap:
                best, best_overlap = assignment, overlap
    return best


def infer_assignment(submissions: list[Submission], course_root: Path) -> str:
    """The one assignment the submissions belong to; CourseError when it is ambiguous."""
    assignments = list_assignments(course_root)
    if not assignments:
        raise CourseError(f"no assignments in {course_root / SOURCE_DIR}")
    if len(assignments) == 1:
        return assignments[0]
    catalogue = {a: source_notebooks(course_root, a) for a in assignments}
    votes = Counter(v for v in (_vote(s, catalogue) for s in submissions) if v)
    if len(votes) == 1:
        return next(iter(votes))
    found = ", ".join(f"{a} ({n})" for a, n in votes.most_common()) or "none recognised"
    raise CourseError(f"cannot tell which assignment these submissions are for ({found}); pass --assignment")


def match_notebooks(submission: Submission, notebooks: dict[str, set[str]]) -> tuple[dict[str, Path], list[str]]:
    """Assign the student's files to the assignment's notebooks.

    By file name first (case-insensitive; Canvas re-uploads ``x-1.ipynb`` count),
    then by shared nbgrader cell ids, then — one notebook left and one file left —
    by elimination. Returns (notebook stem -> file, notes).
    """
    mapping: dict[str, Path] = {}
    notes: list[str] = []
    unused = list(submission.notebooks)
    for stem in notebooks:
        named = [p for p in unused if matches_notebook(p.stem, stem)]
        if not named:
            continue
        # Prefer the exact name, then the shallowest path, then the newest upload.
        named.sort(key=lambda p: (p.stem.lower() != stem.lower(), len(p.parts), -p.stat().st_mtime))
        mapping[stem] = named[0]
        if len(named) > 1:
            notes.append(f"{len(named)} files named like {stem}.ipynb; graded {named[0].name}")
        for path in named:
            unused.remove(path)
    for stem, ids in notebooks.items():
        if stem in mapping or not unused:
            continue
        overlaps = [(len(ids & _ids_of(p)), p) for p in unused]
        overlap, path = max(overlaps, key=lambda item: item[0])
        if overlap > 0:
            mapping[stem] = path
            unused.remove(path)
            notes.append(f"graded {path.name} as {stem}.ipynb (same nbgrader cells)")
    missing = [stem for stem in notebooks if stem not in mapping]
    if len(missing) == 1 and len(unused) == 1:
        mapping[missing[0]] = unused.pop()
        notes.append(f"graded {mapping[missing[0]].name} as {missing[0]}.ipynb (the only notebook)")
    return mapping, notes


def student_slug(name: str, taken: set[str]) -> str:
    """A file-system and nbgrader safe id for a student, unique within ``taken``."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.") or "student"
    candidate, n = slug, 2
    while candidate.lower() in taken:
        candidate, n = f"{slug}-{n}", n + 1
    taken.add(candidate.lower())
    return candidate


def precheck(path: Path) -> str | None:
    """A status for a notebook nbgrader cannot grade at all, else None."""
    try:
        notebook = read_notebook(path)
    except NotebookError as err:
        return f"invalid notebook: {path.name}: {err}"
    except OSError as err:
        return f"invalid notebook: {path.name}: {err.strerror}"
    duplicates = duplicated_ids(notebook)
    if duplicates:
        return f"failed validation: duplicated cell {', '.join(duplicates)} in {path.name}"
    if not graded_ids(notebook):  # e.g. code pasted into a new notebook: nbgrader cannot grade it
        return f"failed validation: {path.name} has no nbgrader cells (not the course notebook?)"
    return None

