"""``lmkit start``: copy the student notebooks into a working folder and open JupyterLab.

Students' work is precious: a notebook that already exists in the working folder
is never overwritten; only new assignments (and missing files) are added.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .paths import RELEASE_DIR, CourseError, package_checkout, subprocess_env

DEFAULT_DIR = Path.home() / "lmkit-course"


def find_release(cwd: Path | None = None) -> Path:
    """The student notebooks: the checkout's ``course/`` (editable install), else ``./course``."""
    checkout = package_checkout()
    candidates = ([checkout / RELEASE_DIR] if checkout else []) + [Path(cwd or Path.cwd()) / RELEASE_DIR]
    for candidate in candidates:
        if candidate.is_dir() and any(candidate.rglob("*.ipynb")):
            return candidate
    tried = ", ".join(str(c) for c in candidates)
    raise CourseError(
        f"no course notebooks found (looked in {tried}). Run `lmkit start` from the lmkit repository "
        "root, or install lmkit from a clone with `pip install -e .`"
    )


@dataclass
class StartPlan:
    """What ``lmkit start`` copies, keeps and opens."""

    release: Path
    target: Path
    copy: list[tuple[Path, Path]] = field(default_factory=list)
    keep: list[Path] = field(default_factory=list)
    open_notebook: Path | None = None

    def describe(self) -> str:
        lines = [f"course notebooks: {self.release}", f"working folder:   {self.target}"]
        lines += [f"copy  {dst.relative_to(self.target)}" for _, dst in self.copy]
        lines += [f"keep  {path.relative_to(self.target)} (already there; never overwritten)" for path in self.keep]
        if self.open_notebook:
            lines.append(f"open  {self.open_notebook.relative_to(self.target)} in JupyterLab")
        return "\n".join(lines)


def plan(target: Path, release: Path) -> StartPlan:
    """Work out the copy without touching anything."""
    target = Path(target).expanduser().resolve()
    result = StartPlan(release=release, target=target)
    for source in sorted(p for p in release.rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts):
        destination = target / source.relative_to(release)
        (result.keep if destination.exists() else result.copy).append(
            destination if destination.exists() else (source, destination)
        )
    notebooks = sorted(target / p.relative_to(release) for p in release.rglob("*.ipynb"))
    result.open_notebook = notebooks[0] if notebooks else None
    return result


def apply(start_plan: StartPlan) -> None:
    for source, destination in start_plan.copy:
        destination.parent.mkdir(parents=True, exist_ok=True)
        if not destination.exists():  # re-checked: never clobber a student's file
            shutil.copy2(source, destination)


def lab_command(start_plan: StartPlan, browser: bool = True) -> list[str]:
    command = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={start_plan.target}"]
    if not browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers run as root; Jupyter refuses without this
        command.append("--allow-root")
    if start_plan.open_notebook:
        command.append(str(start_plan.open_notebook.relative_to(start_plan.target)))
    return command


def start(target: Path | None = None, browser: bool = True, dry_run: bool = False) -> int:
    """Copy the course into ``target`` and run JupyterLab there (blocks until it stops)."""
    start_plan = plan(Path(target) if target else DEFAULT_DIR, find_release())
    command = lab_command(start_plan, browser)
    if dry_run:
        print(start_plan.describe())
        print("run   " + " ".join(command))
        return 0
    apply(start_plan)
    print(start_plan.describe())
    try:
        return subprocess.call(command, cwd=start_plan.target, env=subprocess_env())
    except KeyboardInterrupt:
        return 0
