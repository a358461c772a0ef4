"""The layout rules of lmkit, checked in fresh interpreters.

* The kernels (the model code the notebooks reference) never import the pictures
  (lmkit.viz), the course tooling (lmkit.course), Jupyter or nbgrader: they must run
  in a plain script, a torchrun worker or a grader without a display.
* ``lmkit.course`` never imports torch: the course tooling runs on a machine (or in a
  CI job) without the model code.
* No module grows past ~350 lines (the course tooling and the checks included), each opens
  with a docstring, and each kernel's says which notebook section it backs.
* Every lmkit name the reference notebooks import still resolves.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import lmkit

ROOT = Path(lmkit.__file__).resolve().parent
REPO = ROOT.parent

KERNELS = [
    "lmkit.attention", "lmkit.layers", "lmkit.models", "lmkit.models.gpt", "lmkit.models.bert",
    "lmkit.embeddings", "lmkit.tokenizers", "lmkit.generation", "lmkit.training", "lmkit.training.ddp",
    "lmkit.pretraining", "lmkit.train_ddp", "lmkit.hub", "lmkit.hub.toy", "lmkit.pretrained",
    "lmkit.finetuning", "lmkit.tasks",
]
FORBIDDEN = ("lmkit.viz", "lmkit.course", "IPython", "ipykernel", "ipywidgets", "anywidget", "jupyter", "nbgrader",
             "nbformat", "matplotlib")
MAX_LINES = 350
# Modules that are not kernels (course tooling, pictures, data, the test-cell helpers, the runtime, the
# command line): the size and docstring rules hold for them too; saying which section they back does not.
NOT_KERNELS = ("course/", "viz/", "data/", "checks.py", "forbid.py", "runtime.py", "cli.py")
# Owned elsewhere and still over the line limit.
LONG_ALLOWED = ("viz/explorer.py", "course/mutants.py", "course/judge/worker.py")


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_kernels_never_import_viz_course_jupyter_or_nbgrader():
    # All kernels in one fresh interpreter: whatever any of them imports, directly or not,
    # shows up in sys.modules, so one interpreter checks them all.
    proc = _run(f"import importlib, sys\n"
                f"for name in {KERNELS!r}: importlib.import_module(name)\n"
                f"print(sorted(m for m in sys.modules if m.startswith({FORBIDDEN!r})))")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "[]", f"the kernels import {proc.stdout.strip()}"


def test_course_tooling_never_imports_torch():
    proc = _run("import lmkit.course, sys; assert 'torch' not in sys.modules, 'lmkit.course imported torch'")
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_tokenizers_never_import_torch():
    # the pure-Python tokenisers (and lmkit._validate, which they use) load torch lazily
    proc = _run("import lmkit.tokenizers, lmkit._validate, sys; assert 'torch' not in sys.modules")
    assert proc.returncode == 0, proc.stderr[-3000:]


def _module_files():
    for path in sorted(ROOT.rglob("*.py")):
        yield path.relative_to(ROOT).as_posix(), path


@pytest.mark.parametrize("rel, path", list(_module_files()), ids=lambda x: x if isinstance(x, str) else "")
def test_modules_are_small_and_say_what_they_back(rel, path):
    text = path.read_text(encoding="utf-8")
    n_lines = text.count("\n")
    if not rel.startswith(LONG_ALLOWED):
        assert n_lines <= MAX_LINES, f"lmkit/{rel} has {n_lines} lines; split it by idea (at most ~{MAX_LINES})"
    doc = ast.get_docstring(ast.parse(text))
    assert doc, f"lmkit/{rel} must open with a docstring"
    kernel = not rel.startswith(NOT_KERNELS)
    if kernel and not rel.endswith("__init__.py") and not rel.startswith("_") and "/_" not in rel:
        assert "Backs" in doc or "§" in doc, f"lmkit/{rel}'s docstring must say which notebook section it backs"


def _notebook_imports():
    for nb in sorted((REPO / "solutions").glob("*/*.ipynb")):
        for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            src = "\n".join("" if l.lstrip().startswith(("%", "!")) else l for l in "".join(cell["source"]).split("\n"))
            try:
                tree = ast.parse(src)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lmkit"):
                    for alias in node.names:
                        yield nb.parent.name, node.module, alias.name
                elif isinstance(node, ast.Import):
                    for alias in node.names:
                        if alias.name.startswith("lmkit"):
                            yield nb.parent.name, alias.name, None


@pytest.mark.skipif(not (REPO / "solutions").is_dir(), reason="needs the repository's solutions/")
def test_every_name_the_notebooks_import_resolves():
    import importlib

    missing = []
    for notebook, module, name in sorted(set(_notebook_imports()), key=str):
        try:
            mod = importlib.import_module(module)
            if name is not None and not hasattr(mod, name):
                importlib.import_module(f"{module}.{name}")
        except ImportError as error:
            missing.append(f"{notebook}: {module} {name or ''} ({error})")
    assert not missing, "\n".join(missing)
