"""Where the course lives, and how nbgrader is run on a throw-away course root.

Nothing here imports torch or the lmkit kernels: grading a class must not depend
on the model code it grades. nbgrader always runs as a subprocess
(``sys.executable -m nbgrader``) with its working directory in a temporary
course root, so no gradebook or grading folder is ever created in the repository.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

CONFIG_NAME = "nbgrader_config.py"
SOURCE_DIR = "solutions"
RELEASE_DIR = "course"
# Written by hand, directly under course/: the landing page, the glossary and the guides. They are not
# generated from solutions/, so `lmkit course check` accepts them and `release` never touches them.
HANDWRITTEN = frozenset({"README.md", "glossary.md", "guides"})


class CourseError(Exception):
    """A problem with the course layout or an nbgrader run (shown to the user)."""


def package_checkout() -> Path | None:
    """The repository lmkit is imported from (editable install), or None."""
    candidate = Path(__file__).resolve().parents[2]
    if (candidate / CONFIG_NAME).is_file() and (candidate / SOURCE_DIR).is_dir():
        return candidate
    return None


def find_course_root(root: str | Path | None = None) -> Path:
    """The folder that holds ``nbgrader_config.py``, ``solutions/`` and ``course/``.

    An explicit ``root`` wins; otherwise the current directory if it is a course
    root, otherwise the checkout lmkit is installed from (editable install).
    """
    if root is not None:
        path = Path(root).resolve()
        if not (path / SOURCE_DIR).is_dir():
            raise CourseError(f"{path} is not a course root: expected a {SOURCE_DIR}/ folder in it")
        return path
    cwd = Path.cwd()
    if (cwd / SOURCE_DIR).is_dir() and (cwd / CONFIG_NAME).is_file():
        return cwd
    checkout = package_checkout()
    if checkout is not None:
        return checkout
    raise CourseError(
        f"no course found: run this from the repository root (the folder with {CONFIG_NAME} "
        f"and {SOURCE_DIR}/), or pass --root DIR"
    )


def list_assignments(course_root: Path) -> list[str]:
    """Assignment names: the folders of ``solutions/`` that contain a notebook, sorted."""
    source = course_root / SOURCE_DIR
    if not source.is_dir():
        return []
    return sorted(
        entry.name
        for entry in source.iterdir()
        if entry.is_dir() and not entry.name.startswith(".") and any(entry.glob("*.ipynb"))
    )


def assignment_notebooks(course_root: Path, assignment: str) -> list[Path]:
    """The source notebooks of one assignment, sorted by name."""
    folder = course_root / SOURCE_DIR / assignment
    if not folder.is_dir():
        known = ", ".join(list_assignments(course_root)) or "none"
        raise CourseError(f"unknown assignment {assignment!r}: no folder {folder} (assignments: {known})")
    return sorted(folder.glob("*.ipynb"))


def subprocess_env(threads: int | None = None) -> dict[str, str]:
    """The environment for nbgrader and Jupyter subprocesses.

    nbgrader runs the ``alembic`` command by name when it opens a gradebook, so
    the folder of this Python's scripts goes first on PATH (it is missing when a
    virtual environment is used without being activated). ``threads`` caps the
    BLAS/OpenMP threads of the kernels, for grading several students in parallel.
    """
    env = os.environ.copy()
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    for name in ("NBGRADER_EXECUTION", "NBGRADER_VALIDATING"):
        env.pop(name, None)  # set by nbgrader itself for the code it runs
    env.setdefault("PYTHONUNBUFFERED", "1")
    if threads is not None:
        for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            env[name] = str(threads)
    return env


def run_process(
    command: list[str], cwd: Path, env: dict[str, str], timeout: float | None = None
) -> subprocess.CompletedProcess:
    """Run ``command`` in its own process group, capturing its output.

    On ``timeout`` the WHOLE group is killed (nbgrader and the kernel it started,
    which may be spinning in a student's infinite loop) and
    ``subprocess.TimeoutExpired`` is raised.
    """
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process.pid)
        process.communicate()
        raise
    _kill_group(process.pid)  # a kernel left behind by a crashed nbgrader
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _kill_group(pid: int) -> None:
    if hasattr(os, "killpg"):
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


@dataclass
class NbgraderRoot:
    """A throw-away nbgrader course root: config, gradebook and working folders.

    ``source`` may point anywhere (usually the repository's ``solutions/``);
    ``release`` (generated notebooks), ``submitted/``, ``autograded/``,
    ``feedback/`` and ``gradebook.db`` all live under ``path``.
    """

    path: Path
    source: Path
    config: Path

    @classmethod
    def create(cls, path: Path, source: Path, config: Path) -> "NbgraderRoot":
        path.mkdir(parents=True, exist_ok=True)
        if config.is_file():
            shutil.copy2(config, path / CONFIG_NAME)
        return cls(path=path, source=source, config=config)

    @property
    def release(self) -> Path:
        return self.path / RELEASE_DIR

    @property
    def gradebook(self) -> Path:
        return self.path / "gradebook.db"

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.gradebook}"

    def flags(self) -> list[str]:
        """Command-line overrides that pin every nbgrader path inside this root."""
        return [
            f"--CourseDirectory.root={self.path}",
            f"--CourseDirectory.source_directory={self.source}",
            f"--CourseDirectory.release_directory={self.release}",
            f"--CourseDirectory.db_url={self.db_url}",
        ]

    def run(
        self,
        *args: str,
        timeout: float | None = None,
        threads: int | None = None,
        extra_flags: list[str] | None = None,
    ) -> subprocess.CompletedProcess:
        """Run ``python -m nbgrader ARGS`` in this root; output is captured, never raised on."""
        command = [sys.executable, "-m", "nbgrader", *args, *self.flags(), *(extra_flags or [])]
        return run_process(command, cwd=self.path, env=subprocess_env(threads), timeout=timeout)

    def copy_to(self, path: Path) -> "NbgraderRoot":
        """A copy with the same config and gradebook (not the generated release)."""
        path.mkdir(parents=True, exist_ok=True)
        for name in (CONFIG_NAME, "gradebook.db"):
            if (self.path / name).exists():
                shutil.copy2(self.path / name, path / name)
        return NbgraderRoot(path=path, source=self.source, config=self.config)


def generate_assignment(root: NbgraderRoot, assignment: str) -> Path:
    """Run ``nbgrader generate_assignment`` in ``root``; return the generated folder."""
    result = root.run("generate_assignment", assignment, "--force", timeout=900)
    generated = root.release / assignment
    if result.returncode != 0 or not generated.is_dir():
        raise CourseError(
            f"nbgrader generate_assignment {assignment} failed (exit {result.returncode}):\n"
            + _tail(result.stdout + result.stderr)
        )
    return generated


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
