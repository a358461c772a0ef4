"""Find the students and their notebooks in a folder of submissions.

Accepted layouts, in the SUBMISSIONS folder (mixing them is fine):

* **One folder per student**: ``alice/word-vectors.ipynb`` or
  ``alice/01-word-vectors/word-vectors.ipynb`` (nbgrader's ``submitted/``
  layout). Notebooks are searched recursively; a sub-folder named like an
  assignment names the assignment. A Moodle folder name
  ``Jane Smith_12345_assignsubmission_file_`` gives the student ``Jane Smith``.
* **Flat files named by an LMS**:
  Canvas ``smithjane_12345_678901_word-vectors.ipynb`` (late:
  ``smithjane_LATE_12345_678901_...``; a re-upload ``word-vectors-1.ipynb``);
  Moodle ``Jane Smith_12345_assignsubmission_file_word-vectors.ipynb``;
  plain ``<student>_<notebook>.ipynb`` (when ``<notebook>`` is a course
  notebook name) or ``<student>.ipynb``. Files of one student are grouped.
* **Zip files**, one per student (the student is named by the zip's file name,
  with the same rules): notebooks anywhere inside. SUBMISSIONS itself may also
  be a zip of any of the layouts above (an LMS "download all").

Zips are unpacked defensively: only ``.ipynb`` (and, for a class zip, nested
``.zip``) members are extracted; absolute paths, ``..`` components and symlinks
(zip-slip) are skipped and reported; sizes, member counts and compression
ratios are capped (zip bombs); each file is streamed with a hard byte limit.
"""

from __future__ import annotations

import re
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

SKIP_PARTS = {".ipynb_checkpoints", "__MACOSX", "__pycache__"}

# Zip limits (per zip): generous for notebooks with images, far below a bomb.
MAX_MEMBER_BYTES = 50 * 2**20
MAX_TOTAL_BYTES = 200 * 2**20
MAX_MEMBERS = 2000
MAX_RATIO = 100  # uncompressed / compressed, for members above 1 MiB

CANVAS = re.compile(r"^(?P<student>[^_]+)(?P<late>_LATE)?(?:_\d+){1,2}_(?P<file>.+)$")
MOODLE = re.compile(r"^(?P<student>.+?)_\d+_assignsubmission_[a-z]+_(?P<file>.*)$")
REUPLOAD = re.compile(r"^(?P<stem>.+?)-\d+$")  # Canvas renames a second upload x.ipynb -> x-1.ipynb


@dataclass
class Submission:
    """One student's candidate notebooks, before they are matched to an assignment."""

    student: str
    notebooks: list[Path] = field(default_factory=list)
    assignment_hint: str | None = None  # from a <student>/<assignment>/ folder
    notes: list[str] = field(default_factory=list)
    problem: str | None = None  # e.g. an unreadable zip: nothing can be graded


@dataclass
class ParsedName:
    student: str
    file: str | None  # the notebook name the student uploaded, when the LMS kept it
    late: bool = False


def parse_name(stem: str, notebook_stems: set[str] = frozenset()) -> ParsedName:
    """Student (and uploaded file name) from an LMS file or folder name, without extension.

    >>> parse_name("smithjane_LATE_12345_678901_word-vectors")
    ParsedName(student='smithjane', file='word-vectors', late=True)
    >>> parse_name("Jane Smith_12345_assignsubmission_file_word-vectors")
    ParsedName(student='Jane Smith', file='word-vectors', late=False)
    >>> parse_name("alice_word-vectors", {"word-vectors"})
    ParsedName(student='alice', file='word-vectors', late=False)
    """
    match = MOODLE.match(stem)
    if match:
        return ParsedName(match["student"], match["file"] or None)
    match = CANVAS.match(stem)
    if match:
        return ParsedName(match["student"], match["file"], late=bool(match["late"]))
    for notebook in sorted(notebook_stems, key=len, reverse=True):
        if stem.endswith("_" + notebook) and len(stem) > len(notebook) + 1:
            return ParsedName(stem[: -len(notebook) - 1], notebook)
    return ParsedName(stem, None)


def matches_notebook(file_stem: str, notebook_stem: str) -> bool:
    """Does an uploaded file name stand for this course notebook (case-insensitive, re-uploads too)?"""
    file_stem, notebook_stem = file_stem.lower(), notebook_stem.lower()
    if file_stem == notebook_stem:
        return True
    reupload = REUPLOAD.match(file_stem)
    return bool(reupload and reupload["stem"] == notebook_stem)


def _wanted(path: Path) -> bool:
    return path.is_file() and not SKIP_PARTS.intersection(path.parts) and not path.name.startswith("._")


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def safe_extract(archive: Path, dest: Path, suffixes: tuple[str, ...] = (".ipynb",)) -> tuple[list[Path], list[str]]:
    """Extract the members of ``archive`` ending in ``suffixes`` into ``dest``, defensively.

    Returns (extracted files, notes about skipped members). Raises
    ``zipfile.BadZipFile`` for a file that is not a zip.
    """
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    extracted: list[Path] = []
    notes: list[str] = []
    total = 0
    with zipfile.ZipFile(archive) as zf:
        members = zf.infolist()
        if len(members) > MAX_MEMBERS:
            raise zipfile.BadZipFile(f"{len(members)} members (limit {MAX_MEMBERS})")
        for info in members:
            name = info.filename.replace("\\", "/")
            if info.is_dir() or not name.lower().endswith(suffixes):
                continue
            parts = PurePosixPath(name).parts
            if (
                name.startswith("/")
                or ".." in parts
                or (parts and ":" in parts[0])
                or _is_symlink(info)
            ):
                notes.append(f"skipped unsafe zip member {info.filename!r}")
                continue
            if SKIP_PARTS.intersection(parts) or parts[-1].startswith("._"):
                continue
            if info.file_size > MAX_MEMBER_BYTES:
                notes.append(f"skipped {info.filename!r}: {info.file_size} bytes (limit {MAX_MEMBER_BYTES})")
                continue
            if info.file_size > 2**20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                notes.append(f"skipped {info.filename!r}: suspicious compression ratio (zip bomb?)")
                continue
            if total + info.file_size > MAX_TOTAL_BYTES:
                notes.append(f"stopped extracting at {info.filename!r}: over {MAX_TOTAL_BYTES} bytes in total")
                break
            target = dest.joinpath(*parts)
            if not target.resolve().is_relative_to(root):
                notes.append(f"skipped unsafe zip member {info.filename!r}")
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            total += _copy_capped(zf, info, target)
            extracted.append(target)
    return extracted, notes


def _copy_capped(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> int:
    """Stream one member to disk, never writing more than its declared size (headers can lie)."""
    written = 0
    with zf.open(info) as source, open(target, "wb") as sink:
        while chunk := source.read(2**16):
            written += len(chunk)
            if written > min(info.file_size, MAX_MEMBER_BYTES):
                raise zipfile.BadZipFile(f"{info.filename!r} is larger than its header says")
            sink.write(chunk)
    return written


def discover(
    folder: Path,
    workdir: Path,
    notebook_stems: set[str] = frozenset(),
    assignments: set[str] = frozenset(),
) -> list[Submission]:
    """All submissions in ``folder`` (or in the zip ``folder``), sorted by student.

    ``workdir`` receives unpacked zips. ``notebook_stems`` (course notebook names
    without ``.ipynb``) and ``assignments`` help read plain flat names and
    ``<student>/<assignment>/`` folders.
    """
    folder = Path(folder)
    if folder.is_file() and folder.suffix.lower() == ".zip":
        unpacked = workdir / "class"
        try:
            _, notes = safe_extract(folder, unpacked, suffixes=(".ipynb", ".zip"))
        except (zipfile.BadZipFile, OSError) as err:
            raise ValueError(f"cannot read the class zip {folder}: {err}") from err
        folder = _single_top_folder(unpacked)
        submissions = discover(folder, workdir / "inner", notebook_stems, assignments)
        for submission in submissions:
            submission.notes += notes if len(submissions) == 1 else []
        return submissions
    if not folder.is_dir():
        raise ValueError(f"submissions must be a folder or a .zip file; got {folder}")

    by_student: dict[str, Submission] = {}

    def add(name: ParsedName) -> Submission:
        submission = by_student.setdefault(name.student, Submission(name.student))
        if name.late and "late (per file name)" not in submission.notes:
            submission.notes.append("late (per file name)")
        return submission

    for index, entry in enumerate(sorted(folder.iterdir())):
        if entry.name.startswith(".") or entry.name in SKIP_PARTS:
            continue
        if entry.is_dir():
            submission = add(parse_name(entry.name, notebook_stems))
            _collect_folder(submission, entry, assignments)
        elif entry.suffix.lower() == ".ipynb":
            parsed = parse_name(entry.stem, notebook_stems)
            submission = add(parsed)
            submission.notebooks.append(_renamed(entry, parsed, workdir / "flat" / str(index)))
        elif entry.suffix.lower() == ".zip":
            submission = add(parse_name(entry.stem, notebook_stems))
            try:
                files, notes = safe_extract(entry, workdir / "zips" / str(index))
            except (zipfile.BadZipFile, OSError) as err:
                submission.problem = f"invalid zip {entry.name}: {err}"
                continue
            submission.notes += notes
            submission.notebooks += files
            _hint_from_paths(submission, files, workdir / "zips" / str(index), assignments)
    submissions = sorted(by_student.values(), key=lambda s: s.student.lower())
    if not submissions:
        raise ValueError(f"no submissions in {folder}: expected student folders, .ipynb or .zip files")
    return submissions


def _renamed(path: Path, parsed: ParsedName, where: Path) -> Path:
    """A flat LMS file under the notebook name the student uploaded (needed for matching)."""
    if parsed.file is None or parsed.file == path.stem:
        return path
    where.mkdir(parents=True, exist_ok=True)
    target = where / f"{parsed.file}.ipynb"
    shutil.copy2(path, target)
    return target


def _collect_folder(submission: Submission, folder: Path, assignments: set[str]) -> None:
    files = sorted(p for p in folder.rglob("*.ipynb") if _wanted(p))
    submission.notebooks += files
    _hint_from_paths(submission, files, folder, assignments)


def _hint_from_paths(submission: Submission, files: list[Path], base: Path, assignments: set[str]) -> None:
    """``<student>/<assignment>/x.ipynb``: remember the assignment the folder names."""
    named = {part for path in files for part in path.relative_to(base).parts[:-1] if part in assignments}
    if len(named) == 1:
        submission.assignment_hint = named.pop()


def _single_top_folder(folder: Path) -> Path:
    """An LMS zip often wraps everything in one folder: descend into it."""
    entries = [e for e in folder.iterdir() if not e.name.startswith(".") and e.name not in SKIP_PARTS]
    if len(entries) == 1 and entries[0].is_dir():
        inner = [e for e in entries[0].iterdir() if not e.name.startswith(".")]
        if inner and all(e.is_dir() or e.suffix.lower() in (".ipynb", ".zip") for e in inner):
            return entries[0]
    return folder
