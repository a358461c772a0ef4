"""Grading hostile notebooks: the guards ``lmkit grade`` adds around nbgrader.

A submission is code that runs with the grader's user rights, so the grader
assumes it may cheat or break things. Per student, ``lmkit grade`` adds:

* **A throw-away folder.** The kernel runs in ``<tmp>/lmkit-grade-*/students/
  <student>/autograded/<student>/<assignment>/``. That student's course root
  holds only their notebook, the gradebook of this assignment (released cells
  and hidden tests — no solutions) and the assignment's non-notebook files;
  ``source_directory`` is a copy of those files, not ``solutions/``. ``HOME``
  is an empty folder and ``PWD`` points into the throw-away root.
* **A static scan** of the cells the student wrote (answer cells and added
  cells, comments removed) for patterns worth a look: IPython hooks
  (``get_ipython``, ``input_transformers``, ``set_custom_exc``), ``builtins``,
  assignments to library attributes (``torch.testing.assert_close = ...``),
  redefinitions of the helpers the tests use, ``os._exit``/signals,
  subprocesses and the network, grading paths (``solutions``, ``gradebook``,
  ``../``), deep introspection (``sys.modules``, frames, ``ctypes``), dynamic
  code, the tests' ``_t_`` variables, and the references a test forbids with
  ``lmkit.checks.forbid_calls``. A match is a note "review: ..." in
  ``grades.csv``, not a penalty.
* **An integrity check after the last cell**, added by an nbgrader
  preprocessor and removed again before the notebook is saved (so it is not in
  the feedback). It carries a random nonce that exists only in the grader's
  memory, and reports: fingerprints of the functions and classes the tests rely
  on (builtins, math, warnings, torch, ``torch.Tensor``, ``torch.nn.functional``,
  ``torch.testing``, numpy, lmkit's modules, IPython's shell), compared with
  the same fingerprints taken in a fresh interpreter; IPython input/AST
  transformers, custom exception handlers and event callbacks defined in the
  notebook; ``sys.settrace``; and whether the names the test cells import in
  locked cells (``check_close``, ``lme``, ...) still point to the real objects.
  A missing report (e.g. an input transformer turned every later cell into
  ``pass``) is itself a finding. Findings make the status ``flagged for
  review`` with the details in the notes.
* **Limits**: a per-cell timeout (nbgrader), a total time per student (the
  whole process group is killed), ``RLIMIT_AS`` on the kernel (``--memory``:
  an allocation beyond it raises ``MemoryError``/``RuntimeError`` inside the
  kernel instead of swapping the machine), BLAS/OpenMP threads per worker, and
  a cap on the size of every stored output (``MAX_OUTPUT_CHARS``) on top of
  nbgrader's line limits, so a huge printed or returned value cannot bloat the
  graded notebook or the feedback HTML.
* **A kernel prefix** (``--kernel-prefix``, ``--no-network``): a command put in
  front of the kernel, e.g. ``unshare -rn`` (no network; the kernel then talks
  to nbgrader over unix sockets), ``prlimit --nproc=64``, ``systemd-run --user
  --scope -p MemoryMax=2G``.

What cannot be stopped inside one kernel (document this to students and
instructors): the kernel runs Python with the grader's user id, so it can read
every file that user can read (other students' temporary folders while they
are being graded, ``lmkit.__file__``'s checkout and its ``solutions/`` for an
editable install, ``/proc`` of the grader's processes, whose working directory
and command line name the course), write files, open network connections and
start processes (killed with the process group unless they detach with
``setsid``). A determined student can also forge the integrity report
(e.g. by replacing ``print`` or ``json`` after reading the nonce from the
IPython history), patch code objects in place, or hide a reference to the
reference solution in a closure. Against all of that the remedy is isolation
outside the kernel: grade on a machine or container that holds only the
released course (``pip install`` lmkit non-editable), with no network
(``--no-network`` or ``docker run --network none``), memory and process limits,
and a user that owns nothing else — see course/guides/instructor.md, "Hostile notebooks". The
scan and the report make the easy cheats visible; they are not a sandbox.
"""

from __future__ import annotations

import ast
import io
import json
import re
import secrets
import shlex
import subprocess
import sys
import tokenize
from pathlib import Path

from .notebooks import nbgrader_meta, read_notebook

MAX_OUTPUT_CHARS = 200_000  # text in one output (a printed or returned value)
MAX_IMAGE_CHARS = 2_000_000  # one base64 image (matplotlib figures are ~30-100 kB)
REPORT_TAG = "LMKIT-INTEGRITY"

# What the fingerprints cover: "module" or "module:Class".
TARGETS = [
    "builtins", "math", "warnings", "torch", "torch:Tensor", "torch.nn.functional", "torch.testing",
    "torch._C:TensorBase", "numpy", "numpy.testing", "lmkit.checks", "lmkit.embeddings", "lmkit.attention", "lmkit.layers",
    "lmkit.models", "lmkit.generation", "lmkit.tokenizers", "lmkit.runtime",
    "IPython.core.interactiveshell:InteractiveShell", "ipykernel.zmqshell:ZMQInteractiveShell",
]
# Replaced by ipykernel/IPython in every kernel: not tampering.
EXPECTED_CHANGES = {
    "builtins.input", "builtins.exit", "builtins.quit", "builtins.help", "builtins.copyright",
    "builtins.credits", "builtins.license", "builtins.display", "builtins.get_ipython",
    "builtins.breakpoint", "builtins.open", "warnings.showwarning", "warnings._showwarnmsg",
    "torch.manual_seed",  # differs in every kernel that ran the notebooks (re-wrapped on import); measured
}

# --- in the kernel ----------------------------------------------------------------------

# Runs in the kernel (and, for the baseline, in a fresh interpreter): no lmkit imports.
KERNEL_CODE = r'''
def _lmkit_fingerprints(targets):
    import hashlib, sys
    def fingerprint(obj):
        code = getattr(obj, "__code__", None)
        if code is not None and hasattr(code, "co_code"):
            digest = hashlib.sha1(code.co_code + repr(code.co_names).encode()).hexdigest()[:12]
            return "py %s:%s:%s" % (code.co_filename, code.co_name, digest)
        name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", "")
        return "%s %s.%s" % (type(obj).__qualname__, getattr(obj, "__module__", ""), name)
    prints, loaded = {}, []
    for target in targets:
        module_name, _, class_name = target.partition(":")
        owner = sys.modules.get(module_name)
        if owner is None:
            continue
        if class_name:
            owner = vars(owner).get(class_name)
            if owner is None:
                continue
        loaded.append(target)
        prefix = module_name + ("." + class_name if class_name else "")
        for name, value in list(vars(owner).items()):
            if isinstance(value, type(sys)) or not (callable(value) or hasattr(value, "__get__")):
                continue
            if not class_name and name.startswith("__"):
                continue
            prints[prefix + "." + name] = fingerprint(value)
    return prints, loaded


def _lmkit_integrity(nonce, targets, names):
    import json, sys
    report = {"hooks": [], "names": [], "memory": {}}
    try:
        from IPython import get_ipython
        shell = get_ipython()
    except Exception:
        shell = None
    def foreign(fn):
        module = getattr(fn, "__module__", None) or ""
        code = getattr(getattr(fn, "__func__", fn), "__code__", None)
        return module == "__main__" or not module or (code is not None and code.co_filename.startswith(("<", "/tmp/ipykernel")))
    if shell is not None:
        for kind in ("input_transformers_cleanup", "input_transformers_post", "ast_transformers"):
            for fn in getattr(shell, kind, []):
                module = str(getattr(fn, "__module__", None) or type(fn).__module__)
                if foreign(fn) or not module.startswith(("IPython", "ipykernel")):
                    report["hooks"].append(("IPython %s: %r" % (kind, fn))[:200])
        if getattr(shell, "custom_exceptions", ()):
            report["hooks"].append("IPython custom exception handler for %r" % (shell.custom_exceptions,))
        for event, callbacks in getattr(getattr(shell, "events", None), "callbacks", {}).items():
            for fn in callbacks:
                if foreign(fn):
                    report["hooks"].append("IPython %s callback %r" % (event, fn))
        for method in ("run_cell", "run_cell_async", "run_code", "run_ast_nodes", "transform_cell",
                       "showtraceback", "should_run_async", "transform_ast"):
            if method in vars(shell):
                report["hooks"].append("IPython shell method %s replaced" % method)
        namespace = shell.user_ns
    else:
        namespace = vars(sys.modules["__main__"])
    if sys.gettrace() is not None or sys.getprofile() is not None:
        report["hooks"].append("sys.settrace/sys.setprofile hook installed")
    for name, dotted in names.items():
        module_name, _, attribute = dotted.partition(":")
        expected = sys.modules.get(module_name)
        for part in filter(None, attribute.split(".")):
            expected = getattr(expected, part, None)
        if expected is not None and namespace.get(name) is not expected:
            report["names"].append(name)
    report["fingerprints"], report["loaded"] = _lmkit_fingerprints(targets)
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(("VmPeak:", "VmHWM:")):
                    key, value = line.split(":", 1)
                    report["memory"][key] = int(value.split()[0]) * 1024
    except OSError:
        pass
    print("%s %s %s" % (%(tag)r, nonce, json.dumps(report)))
'''.replace("%(tag)r", repr(REPORT_TAG))


def integrity_cell_source(nonce: str, names: dict[str, str]) -> str:
    """The code cell appended after the student's last cell."""
    return f"{KERNEL_CODE}\n_lmkit_integrity({nonce!r}, {TARGETS!r}, {names!r})\n"


def baseline_fingerprints(python: str = sys.executable, env: dict[str, str] | None = None) -> dict[str, str]:
    """Fingerprints of ``TARGETS`` in a fresh interpreter (imports torch: a few seconds)."""
    modules = sorted({t.partition(":")[0] for t in TARGETS})
    code = (
        KERNEL_CODE
        + "\nimport importlib, json\n"
        + f"for _m in {modules!r}:\n    try:\n        importlib.import_module(_m)\n    except ImportError:\n        pass\n"
        + f"print(json.dumps(_lmkit_fingerprints({TARGETS!r})[0]))\n"
    )
    result = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"could not take the baseline fingerprints:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def compare(report: dict, baseline: dict[str, str]) -> list[str]:
    """Findings (short strings) from a kernel's report and the baseline fingerprints."""
    findings = list(report.get("hooks", []))
    findings += [f"rebound {name} (a name the tests use)" for name in report.get("names", [])]
    prints, loaded = report.get("fingerprints", {}), set(report.get("loaded", []))
    loaded_prefixes = {t.replace(":", ".") for t in loaded}
    changed = []
    for key, expected in baseline.items():
        if key in EXPECTED_CHANGES or key.rpartition(".")[0] not in loaded_prefixes:
            continue
        actual = prints.get(key)
        if actual != expected:
            changed.append(key if actual is not None else f"{key} (deleted)")
    # A new entry in a class shadows an inherited method (torch.Tensor.allclose = ...).
    classes = {t.replace(":", ".") for t in loaded if ":" in t}
    changed += [key for key in prints if key not in baseline and key.rpartition(".")[0] in classes]
    if changed:
        shown = ", ".join(changed[:8]) + (f" and {len(changed) - 8} more" if len(changed) > 8 else "")
        findings.append(f"monkeypatched {shown}")
    return findings


def parse_report(text: str, nonce: str) -> dict | None:
    for line in text.splitlines():
        if line.startswith(f"{REPORT_TAG} {nonce} "):
            try:
                return json.loads(line.split(" ", 2)[2])
            except json.JSONDecodeError:
                return None
    return None


# --- what the tests use -------------------------------------------------------------------


def _code(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _is_test(cell: dict) -> bool:
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution")


def _is_student_code(cell: dict) -> bool:
    """Answer cells and cells the student added (no nbgrader metadata)."""
    meta = nbgrader_meta(cell)
    return cell.get("cell_type") == "code" and (bool(meta.get("solution")) or not meta)


def protected_names(notebook: dict) -> dict[str, str]:
    """Names bound by imports in locked cells and used by test cells: name -> "module:attr"."""
    imported: dict[str, str] = {}
    used: set[str] = set()
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        meta = nbgrader_meta(cell)
        try:
            tree = ast.parse(_code(cell))
        except SyntaxError:
            continue
        if _is_test(cell):
            used |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        if meta.get("locked") and not _is_test(cell) and not meta.get("solution"):
            for node in tree.body:
                if isinstance(node, ast.Import):
                    for alias in node.names:
                        if alias.asname:
                            imported[alias.asname] = alias.name + ":"
                        else:
                            imported[alias.name.split(".")[0]] = alias.name.split(".")[0] + ":"
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    for alias in node.names:
                        imported[alias.asname or alias.name] = f"{node.module}:{alias.name}"
    return {name: dotted for name, dotted in sorted(imported.items()) if name in used}


def forbidden_references(notebook: dict) -> set[str]:
    """Attribute names the test cells forbid with ``forbid_calls(...)`` (e.g. ``one_hot``)."""
    names: set[str] = set()
    for cell in notebook.get("cells", []):
        if not _is_test(cell):
            continue
        for args in re.findall(r"forbid_calls\(([^)]*)\)", _code(cell)):
            names |= {target.rsplit(".", 1)[-1] for target in re.findall(r"[\"']([\w.]+\.\w+)[\"']", args)}
    return names


# --- the static scan ----------------------------------------------------------------------

SUSPICIOUS = [
    (r"\bget_ipython\b|\bInteractiveShell\b|\bipykernel\b", "uses the IPython shell"),
    (r"input_transformers|ast_transformers|set_custom_exc|\.events\.register", "installs IPython hooks"),
    (r"\b__builtins__\b|\bbuiltins\b", "touches builtins"),
    (r"^\s*(?:torch|np|numpy|lme|lmkit|F|nn|math|sys|os|warnings|IPython)\b[\w.]*\.\w+\s*=(?!=)",
     "assigns to a library attribute (monkeypatching)"),
    (r"\bsetattr\(|\bdelattr\(|__code__|__class__|__dict__|__globals__|__closure__|__defaults__",
     "monkeypatching or introspection"),
    (r"\bos\._exit\b|\bos\.kill\b|\bos\.abort\b|\bsignal\.|\bsys\.exit\b|\bfaulthandler\b",
     "exits or signals the process"),
    (r"\bsubprocess\b|\bos\.system\b|\bos\.popen\b|\bos\.(?:exec|spawn|fork)|\bmultiprocessing\b"
     r"|^\s*!|%%?(?:bash|sh|system|sx|script)\b",
     "runs commands"),
    (r"\bsocket\b|\burllib\b|\brequests\b|\bhttp\.client\b|\bhttpx\b", "uses the network"),
    (r"solutions|gradebook|autograded|submitted|feedback|\.\./|/proc\b|NBGRADER|nbgrader|nbgrader_config",
     "refers to grading files or the grader"),
    (r"\bos\.(?:listdir|walk|scandir|getcwd|chdir|environ)|\bglob\b|\bshutil\b|\bos\.getenv",
     "explores the file system or environment"),
    (r"\bctypes\b|\bgc\.get_referrers\b|\bgc\.get_objects\b|\bsys\._getframe\b|\binspect\.(?:currentframe|stack)"
     r"|\bsys\.settrace\b|\bsys\.setprofile\b|\bsys\.modules\b|\bsys\.stdout\s*=|\bsys\.stderr\s*=",
     "deep introspection"),
    (r"(?<![.\w])(?:eval|exec|compile)\(|__import__|\bimportlib\b|\bpickle\b|\bmarshal\b|base64",
     "dynamic or obfuscated code"),
    (r"\b_t_\w+", "uses the test cells' variables (_t_...)"),
]


def _without_comments(code: str) -> str:
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(code).readline) if t.type != tokenize.COMMENT]
        return tokenize.untokenize(tokens)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return re.sub(r"(?m)#.*$", "", code)  # IPython magics: a rough cut is enough


def scan_notebook(path: Path, source_notebook: dict | None = None) -> list[str]:
    """Reasons to review a submission, from the cells the student wrote (no code is run).

    ``source_notebook`` (the assignment's notebook) names the helpers the tests
    use and the references they forbid; without it only the generic patterns apply.
    Unlocked cells that the assignment gives (no nbgrader metadata) and the
    student left unchanged are the instructor's code, not the student's: skipped.
    """
    notebook = read_notebook(path)
    reference = source_notebook or notebook
    given = {_code(cell).strip() for cell in (source_notebook or {}).get("cells", [])
             if cell.get("cell_type") == "code" and not nbgrader_meta(cell)}
    helpers = [name for name in protected_names(reference) if not name.startswith("_")]
    forbidden = sorted(forbidden_references(reference))
    patterns = list(SUSPICIOUS)
    if helpers:
        alternatives = "|".join(map(re.escape, helpers))
        patterns.append((rf"^\s*(?:def\s+(?:{alternatives})\b|(?:{alternatives})\s*=(?!=)|import\s.*\bas\s+(?:{alternatives})\b)",
                         "redefines a name the tests use"))
    if forbidden:
        alternatives = "|".join(map(re.escape, forbidden))
        patterns.append((rf"\.(?:{alternatives})\b|\bimport\b[^\n]*\b(?:{alternatives})\b",
                         "mentions a reference the tests forbid"))
    found: dict[str, str] = {}
    for cell in notebook.get("cells", []):
        if not _is_student_code(cell) or (not nbgrader_meta(cell) and _code(cell).strip() in given):
            continue
        code = _without_comments(_code(cell))
        for pattern, reason in patterns:
            match = re.search(pattern, code, re.MULTILINE)
            if match and reason not in found:
                found[reason] = match.group(0).strip()[:40]
    return [f"{reason} ({snippet!r})" for reason, snippet in found.items()]


# --- nbgrader preprocessors and the kernel manager (loaded by nbgrader via the config) -----


def kernel_command(command: list[str], memory: int | None, prefix: list[str]) -> list[str]:
    """``command`` run under ``prefix``, with ``RLIMIT_AS`` = ``memory`` bytes if given."""
    wrapped = [*prefix, *command]
    if memory:
        limit = (
            "import os, resource, sys; n = int(sys.argv[1]); "
            "resource.setrlimit(resource.RLIMIT_AS, (n, n)); os.execvp(sys.argv[2], sys.argv[2:])"
        )
        wrapped = [sys.executable, "-c", limit, str(int(memory)), *wrapped]
    return wrapped


def config_lines(
    baseline: Path, report: Path, names: dict[str, str], memory: int | None, prefix: list[str],
    ipc: str | None = None,
) -> str:
    """``ipc``: an absolute socket path prefix; the kernel then talks over unix sockets (no network needed)."""
    return "\n".join([
        "",
        "# --- added by lmkit grade: guards for hostile notebooks (lmkit/course/integrity.py) ---",
        "from lmkit.course import integrity as _integrity",
        "c.Autograde.autograde_preprocessors = _integrity.autograde_preprocessors()",
        f"c.IntegrityCheck.baseline = {str(baseline)!r}",
        f"c.IntegrityCheck.report = {str(report)!r}",
        f"c.IntegrityCell.names = {names!r}",
        f"c.LimitedKernelManager.memory = {int(memory or 0)}",
        f"c.LimitedKernelManager.prefix = {list(prefix)!r}",
        *(['c.LimitedKernelManager.transport = "ipc"', f"c.LimitedKernelManager.ip = {ipc!r}"] if ipc else []),
        "",
    ])


def parse_size(text: str) -> int:
    """``"2G"``, ``"1500M"``, ``"4GiB"`` or a number of bytes -> bytes."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*", str(text), re.IGNORECASE)
    if not match:
        raise ValueError(f"expected a size such as 2G or 1500M; got {text!r}")
    scale = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}[match.group(2).upper()]
    return int(float(match.group(1)) * scale)


def split_prefix(text: str | None) -> list[str]:
    return shlex.split(text) if text else []


def _nbgrader_classes():
    """Defined lazily: importing this module must not need nbgrader (students don't have it)."""
    from jupyter_client.manager import AsyncKernelManager
    from nbformat.v4 import new_code_cell
    from nbgrader.preprocessors import Execute, NbGraderPreprocessor
    from traitlets import Dict, Integer, List, Unicode

    class LimitedKernelManager(AsyncKernelManager):
        """Starts the kernel under a command prefix and an address-space limit."""

        memory = Integer(0, help="RLIMIT_AS for the kernel, bytes (0: none)").tag(config=True)
        prefix = List(Unicode(), help="command put in front of the kernel's").tag(config=True)

        def format_kernel_cmd(self, extra_arguments=None):
            command = super().format_kernel_cmd(extra_arguments)
            return kernel_command(command, self.memory or None, list(self.prefix))

    class LimitedExecute(Execute):
        def __init__(self, *args, **kwargs):
            kwargs["kernel_manager_class"] = LimitedKernelManager
            super().__init__(*args, **kwargs)

    class IntegrityCell(NbGraderPreprocessor):
        """Appends the integrity check with a fresh nonce (kept in ``resources``)."""

        names = Dict(help="name -> 'module:attr' the tests use").tag(config=True)

        def preprocess(self, nb, resources):
            nonce = secrets.token_hex(16)
            resources["lmkit_integrity_nonce"] = nonce
            cell = new_code_cell(integrity_cell_source(nonce, dict(self.names)))
            cell.metadata["lmkit_integrity"] = True
            nb.cells.append(cell)
            return nb, resources

    class IntegrityCheck(NbGraderPreprocessor):
        """After execution: read and remove the check's cell, compare, write the findings."""

        baseline = Unicode("", help="JSON file of baseline fingerprints").tag(config=True)
        report = Unicode("", help="folder for the findings, one JSON file per notebook").tag(config=True)

        def preprocess(self, nb, resources):
            nonce = resources.get("lmkit_integrity_nonce", "")
            cells = [c for c in nb.cells if c.metadata.get("lmkit_integrity")]
            nb.cells = [c for c in nb.cells if not c.metadata.get("lmkit_integrity")]
            text = "".join(
                o.get("text", "") for c in cells for o in c.get("outputs", []) if o.get("output_type") == "stream"
            )
            parsed = parse_report(text, nonce) if nonce else None
            if parsed is None:
                findings = ["integrity check did not run or was altered (IPython input transformers? "
                            "a replaced print? the kernel died?)"]
                memory = {}
            else:
                baseline = json.loads(Path(self.baseline).read_text()) if self.baseline else {}
                findings, memory = compare(parsed, baseline), parsed.get("memory", {})
            if self.report:  # overwritten after the kernel has gone: a file it wrote earlier is ignored
                path = Path(self.report) / f"{resources.get('unique_key', 'notebook')}.json"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps({"findings": findings, "memory": memory}))
            return nb, resources

    class CapOutputs(NbGraderPreprocessor):
        """Truncates any single output above ``MAX_OUTPUT_CHARS`` (images: ``MAX_IMAGE_CHARS``)."""

        def preprocess_cell(self, cell, resources, index):
            for output in cell.get("outputs", []):
                if "text" in output and len(output["text"]) > MAX_OUTPUT_CHARS:
                    output["text"] = _truncate(output["text"])
                for mime, value in list(output.get("data", {}).items()):
                    text = value if isinstance(value, str) else json.dumps(value)
                    limit = MAX_IMAGE_CHARS if mime.startswith("image/") else MAX_OUTPUT_CHARS
                    if len(text) > limit:
                        if mime == "text/plain":
                            output["data"][mime] = _truncate(text)
                        else:
                            del output["data"][mime]
                            output["data"].setdefault("text/plain", f"[{mime} output of {len(text)} characters removed]")
            return cell, resources

    return LimitedKernelManager, LimitedExecute, IntegrityCell, IntegrityCheck, CapOutputs


def _truncate(text: str) -> str:
    return text[:MAX_OUTPUT_CHARS] + f"\n[... output truncated: {len(text)} characters in all]"


def autograde_preprocessors() -> list:
    """nbgrader's autograde preprocessors with the guards inserted around ``Execute``."""
    from nbgrader.converters.autograde import Autograde
    from nbgrader.preprocessors import Execute

    _, limited_execute, integrity_cell, integrity_check, cap_outputs = classes()
    result = []
    for preprocessor in Autograde.class_traits()["autograde_preprocessors"].default():
        if preprocessor is Execute:
            result += [integrity_cell, limited_execute, integrity_check, cap_outputs]
        else:
            result.append(preprocessor)
    return result


_CLASSES: tuple | None = None


def classes() -> tuple:
    global _CLASSES
    if _CLASSES is None:
        _CLASSES = _nbgrader_classes()
    return _CLASSES


def __getattr__(name: str):  # traitlets config sections by class name: c.LimitedKernelManager...
    names = ("LimitedKernelManager", "LimitedExecute", "IntegrityCell", "IntegrityCheck", "CapOutputs")
    if name in names:
        return classes()[names.index(name)]
    raise AttributeError(name)
