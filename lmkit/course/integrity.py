"""The static scan of a submission: what in the student's cells is worth a human look.

Since verdicts are made outside the student's process (``lmkit/course/judge/``), no
cheat inside the notebook can change a score; the scan is a second line that tells
the instructor *who tried*. It reads the cells the student wrote (answer cells and
added cells, comments removed; given cells left unchanged are skipped) for patterns
such as IPython hooks (``get_ipython``, ``input_transformers``), ``builtins``,
assignments to library attributes (``torch.testing.assert_close = ...``),
redefinitions of the helpers the tests use, ``os._exit``/signals, subprocesses and
the network, grading paths (``solutions``, ``gradebook``, ``../``), deep
introspection, dynamic code, the tests' ``_t_`` variables, and the references a test
forbids with ``lmkit.checks.forbid_calls``. A match is a note "review: ..." and the
status "flagged for review", never a penalty: points are lost only in the judge.

Also here: ``parse_size`` and ``split_prefix`` for the ``lmkit grade`` options.
"""

from __future__ import annotations

import ast
import io
import re
import shlex
import tokenize
from pathlib import Path

from .notebooks import nbgrader_meta, read_notebook


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


def parse_size(text: str) -> int:
    """``"2G"``, ``"1500M"``, ``"4GiB"`` or a number of bytes -> bytes."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*", str(text), re.IGNORECASE)
    if not match:
        raise ValueError(f"expected a size such as 2G or 1500M; got {text!r}")
    scale = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}[match.group(2).upper()]
    return int(float(match.group(1)) * scale)


def split_prefix(text: str | None) -> list[str]:
    return shlex.split(text) if text else []
