"""Small, dependency-free helpers that read notebook JSON.

They look at the raw JSON (no kernel, no nbgrader) so that they work on broken
student files too.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

Notebook = dict[str, Any]


class NotebookError(ValueError):
    """A file that is not a usable Jupyter notebook."""


def read_notebook(path: Path) -> Notebook:
    """Parse a notebook file; raise NotebookError with a short reason if it is not one."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise NotebookError(f"not UTF-8 text ({err.reason} at byte {err.start})") from err
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise NotebookError(f"not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})") from err
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise NotebookError("JSON without a 'cells' list")
    if data.get("nbformat") != 4:
        raise NotebookError(f"expected nbformat 4, got {data.get('nbformat')!r}")
    return data


def nbgrader_meta(cell: dict) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def grade_ids(notebook: Notebook) -> list[str]:
    """The nbgrader ``grade_id`` of every cell that has one, in notebook order."""
    return [meta["grade_id"] for meta in map(nbgrader_meta, notebook["cells"]) if "grade_id" in meta]


def graded_ids(notebook: Notebook) -> list[str]:
    """The ids of the cells that carry points or a solution (the ones nbgrader tracks)."""
    return [
        meta["grade_id"]
        for meta in map(nbgrader_meta, notebook["cells"])
        if "grade_id" in meta and (meta.get("grade") or meta.get("solution"))
    ]


def duplicated_ids(notebook: Notebook) -> list[str]:
    """Graded/solution cell ids that appear more than once (nbgrader refuses these)."""
    counts = Counter(graded_ids(notebook))
    return sorted(cell_id for cell_id, n in counts.items() if n > 1)


def cells_with_outputs(notebook: Notebook) -> list[int]:
    """Indices of code cells that carry outputs or an execution count."""
    return [
        index
        for index, cell in enumerate(notebook["cells"])
        if cell.get("cell_type") == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]


def has_outputs(notebook: Notebook) -> bool:
    """True when any code cell ran (outputs/execution counts) or widget state is saved."""
    return bool(cells_with_outputs(notebook)) or "widgets" in notebook.get("metadata", {})


def cells_without_ids(notebook: Notebook) -> list[int]:
    """Indices of cells lacking the ``id`` nbformat 4.5 requires.

    nbformat invents a RANDOM id for such a cell whenever the notebook is
    written, so nbgrader's output would differ on every release.
    """
    if notebook.get("nbformat_minor", 0) < 5:
        return []
    return [index for index, cell in enumerate(notebook["cells"]) if not cell.get("id")]


def add_cell_ids(notebook: Notebook) -> Notebook:
    """Give every cell without one a stable id (its grade_id when usable), in place."""
    used = {cell["id"] for cell in notebook["cells"] if cell.get("id")}
    for index in cells_without_ids(notebook):
        cell = notebook["cells"][index]
        candidate = str(nbgrader_meta(cell).get("grade_id", ""))
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", candidate) or candidate in used:
            candidate = f"cell-{index}"
        while candidate in used:
            candidate += "-x"
        cell["id"] = candidate
        used.add(candidate)
    return notebook


def strip_outputs(notebook: Notebook) -> Notebook:
    """Clear outputs, execution counts and saved widget state, in place; return it."""
    for cell in notebook["cells"]:
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cell.get("metadata", {}).pop("execution", None)  # JupyterLab timing records
    notebook.get("metadata", {}).pop("widgets", None)
    return notebook


def write_notebook(notebook: Notebook, path: Path) -> None:
    """Write JSON the way Jupyter does (1-space indent, sorted keys, final newline)."""
    text = json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False)
    Path(path).write_text(text + "\n", encoding="utf-8")
