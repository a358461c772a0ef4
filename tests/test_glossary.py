"""The glossary (course/glossary.md) names the notebook that introduces each term: check it does.

Each row's "#" column is an assignment number; the English term (or, for "a / b" and "a, b, c" rows,
each of its parts) must occur in that assignment's instructor notebook, markdown or code. A part
with a parenthesis, such as "singular value decomposition (SVD)", matches either the words outside
the parenthesis or the words inside it. Matching ignores case, Markdown emphasis (``*``) and the
difference between a hyphen and a space ("hyper-parameter" matches "hyper parameters").
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "course" / "glossary.md"


def _normalise(text: str) -> str:
    text = text.lower().replace("*", "").replace("-", " ").replace("–", " ")
    return re.sub(r"\s+", " ", text)


def glossary_rows() -> list[tuple[str, str, str]]:
    """(assignment number, English term, Chinese term) for every row of the glossary table."""
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and re.fullmatch(r"\d\d", cells[0]):
            rows.append((cells[0], cells[1], cells[2]))
    return rows


def notebook_text(number: str) -> str:
    paths = sorted((ROOT / "solutions").glob(f"{number}-*/*.ipynb"))
    assert len(paths) == 1, f"expected one instructor notebook for assignment {number}, found {paths}"
    cells = json.loads(paths[0].read_text(encoding="utf-8"))["cells"]
    return _normalise("\n".join("".join(c["source"]) for c in cells))


def term_parts(term: str) -> list[list[str]]:
    """The parts a term is made of, each with its alternatives."""
    parts = []
    for part in re.split(r"\s+/\s+|,\s+", term):
        inside = re.findall(r"\(([^)]*)\)", part)
        outside = re.sub(r"\s*\([^)]*\)", "", part).strip()
        parts.append([a for a in [outside, *inside] if a])
    return parts


ROWS = glossary_rows()


def test_glossary_has_rows():
    assert len(ROWS) >= 60, f"only {len(ROWS)} glossary rows parsed from {GLOSSARY}"
    numbers = {n for n, _, _ in ROWS}
    assignments = {p.name[:2] for p in (ROOT / "solutions").iterdir() if p.is_dir() and p.name[:2].isdigit()}
    assert numbers == assignments, f"assignment numbers in the glossary: {sorted(numbers)}, assignments: {sorted(assignments)}"


def test_glossary_terms_unique():
    terms = [t.lower() for _, t, _ in ROWS]
    duplicates = sorted({t for t in terms if terms.count(t) > 1})
    assert not duplicates, f"terms listed twice: {duplicates}"


def test_glossary_rows_in_course_order():
    numbers = [n for n, _, _ in ROWS]
    assert numbers == sorted(numbers), "rows must be in the order of the assignments that introduce them"


def test_every_row_has_chinese():
    missing = [t for _, t, zh in ROWS if not re.search(r"[\u4e00-\u9fff]", zh)]
    assert not missing, f"rows without a Chinese term: {missing}"


def test_term_parts_parser():
    assert term_parts("singular value decomposition (SVD)") == [["singular value decomposition", "SVD"]]
    assert term_parts("query, key, value") == [["query"], ["key"], ["value"]]
    assert term_parts("top-k / top-p (nucleus) sampling") == [["top-k"], ["top-p sampling", "nucleus"]]


@pytest.mark.parametrize("number,term", [(n, t) for n, t, _ in ROWS], ids=[f"{n}-{t}" for n, t, _ in ROWS])
def test_term_occurs_in_its_notebook(number, term):
    text = notebook_text(number)
    for alternatives in term_parts(term):
        assert any(_normalise(a) in text for a in alternatives), (
            f"glossary term {term!r} (row #{number}): none of {alternatives} occurs in assignment {number}'s "
            f"notebook; fix the row's number or use the term in that notebook")
