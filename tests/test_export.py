"""HTML exports that read offline (lmkit.course.export, lmkit.course.texmath).

An export must need nothing from the network to display: no script, stylesheet, module
import, font or picture from a URL. Formulas are MathML the browser draws itself, and the
attention explorer shows its static picture. Checked on the text of the pages, and, where
Debian's Chromium is installed, in the browser with every request but the file blocked.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures import mini, recipes
from lmkit.course.texmath import UnsupportedTeX, markdown_math_to_mathml, tex_to_mathml

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
# A reference the page needs from the network to display: a script, stylesheet, module import,
# CSS import or url(), frame or picture. (URLs in comments and links a reader may follow are fine.)
REMOTE = re.compile(
    r"""<(?:script|img|iframe|embed|source)\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?//"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?//"""
    r"""|\bimport\b[^;\n]*?["'](?:https?:)?//"""
    r"""|@import\s+(?:url\()?\s*["']?(?:https?:)?//"""
    r"""|url\(\s*["']?(?:https?:)?//""",
    re.IGNORECASE,
)


def remote_references(page: str) -> list[str]:
    return [page[match.start():match.start() + 160] for match in REMOTE.finditer(page)]


def markdown_cells(folder: str):
    for path in sorted((REPO / folder).glob("*/*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "markdown":
                yield path, "".join(cell["source"])


# -- TeX to MathML ------------------------------------------------------------------------------------


def test_formulas_become_mathml_with_their_tex_kept():
    fraction = tex_to_mathml(r"\frac{QK^\top}{\sqrt{d}}", display=True)
    assert fraction.startswith('<math display="block"><semantics><mrow><mfrac>')
    assert "<msqrt><mi>d</mi></msqrt>" in fraction and "<mi>&#8868;</mi>" in fraction  # \top
    assert '<annotation encoding="application&#47;x&#45;tex">' in fraction
    inline = tex_to_mathml(r"x_i \in \mathbb{R}^{d_\text{model}}")
    assert inline.startswith("<math><semantics>") and "<msub><mi>x</mi><mi>i</mi></msub>" in inline
    assert "<mi>&#8477;</mi>" in inline and "<mtext>model</mtext>" in inline  # ℝ, \text
    assert "<munder>" in tex_to_mathml(r"\sum_{j=1}^{L}", display=True).replace("munderover", "munder")
    assert "<msubsup>" in tex_to_mathml(r"\sum_{j=1}^{L}")
    matrix = tex_to_mathml(r"W = \begin{pmatrix} a & b \\ c & d \end{pmatrix}")
    assert matrix.count("<mtr>") == 2 and matrix.count("<mtd ") == 4 and "<mo fence=\"true\" stretchy=\"true\">&#40;" in matrix
    cases = tex_to_mathml(r"\begin{cases} 1 & x > 0 \\ 0 & \text{otherwise} \end{cases}")
    assert cases.count("<mtr>") == 2 and "<mtext>otherwise</mtext>" in cases
    assert "<munder><munder>" in tex_to_mathml(r"\underbrace{a+b}_{n}")


def test_no_markup_gets_through():
    mathml = tex_to_mathml(r"a < b \text{ <script>alert(1)</script> } * c_{*}")
    assert "<script" not in mathml and "&#60;script&#62;" in mathml
    assert not re.search(r"[*_$`]", mathml), "markdown would read these characters"
    for tex in (r"\begin{array}{c} a \end{array}", r"\unknowncommand x", r"\frac{a}{b", "a}", "a & b", r"a \\ b"):
        with pytest.raises(UnsupportedTeX):
            tex_to_mathml(tex)


def test_markdown_keeps_code_prices_and_unsupported_tex():
    left: list[str] = []
    source = ("Inline $a^2$, code `$x$`, a price of $5 and $10, escaped \\$y\\$,\n"
              "```python\ncost = '$z$'\n```\nand $\\begin{array}{c} 1 \\end{array}$.\n\n$$\\sqrt{2}$$")
    out = markdown_math_to_mathml(source, left)
    assert out.count("<math>") == 1 and out.count('<math display="block">') == 1
    assert "`$x$`" in out and "$5 and $10" in out and "\\$y\\$" in out and "cost = '$z$'" in out
    assert left == [r"\begin{array}{c} 1 \end{array}"] and "$\\begin{array}" in out


@pytest.mark.parametrize("folder", ["solutions", "course"])
def test_every_formula_of_the_course_converts(folder):
    left: list[str] = []
    for _, source in markdown_cells(folder):
        markdown_math_to_mathml(source, left)
    assert not left, f"formulas lmkit.course.texmath does not cover (they would show as TeX offline): {left}"


# -- whole pages ------------------------------------------------------------------------------------


def test_configure_makes_plain_html_exports_offline():
    """What a Jupyter server's config gets from lmkit.course.export.configure (JupyterLab's HTML export)."""
    import nbformat
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    from lmkit.course.export import configure

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("Scale: $1/\\sqrt{d}$.")])
    plain, _ = HTMLExporter().from_notebook_node(notebook)
    assert remote_references(plain), "nbconvert's own template should name its CDN scripts (else this test is moot)"
    config = Config()
    configure(config)
    offline, _ = HTMLExporter(config=config).from_notebook_node(notebook)
    assert not remote_references(offline), remote_references(offline)
    assert "<msqrt><mi>d</mi></msqrt>" in offline and "jp-Notebook" in offline  # JupyterLab's page
    assert "lmkit.course.export" in offline and "lmkit.course.export" not in plain


def check_in_browser(page: Path, screenshot: Path) -> dict:
    """Open ``page`` in Chromium with the network cut off; report formulas drawn and pictures loaded."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        try:
            tab = browser.new_page(viewport={"width": 1100, "height": 900})
            blocked: list[str] = []
            tab.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
                      else (blocked.append(route.request.url), route.abort()))
            tab.goto(page.as_uri())
            tab.wait_for_load_state("load")
            tab.screenshot(path=str(screenshot), full_page=True)
            drawn = tab.evaluate("""() => ({
                formulas: [...document.querySelectorAll('math')].map((m) => m.getBoundingClientRect().height),
                pictures: [...document.querySelectorAll('img')].map((img) => img.complete ? img.naturalWidth : 0),
            })""")
        finally:
            browser.close()
    return {"blocked": blocked, **drawn}


@pytest.mark.slow
def test_export_of_the_explorer_notebook_reads_offline(tmp_path: Path):
    notebook = json.loads((REPO / "tests" / "browser" / "explorer.ipynb").read_text(encoding="utf-8"))
    notebook["cells"].insert(1, {"cell_type": "markdown", "metadata": {}, "id": "formula",
                                 "source": "Weights: $\\operatorname{softmax}(QK^\\top / \\sqrt{d})$."})
    source = tmp_path / "explorer.ipynb"
    source.write_text(json.dumps(notebook), encoding="utf-8")
    # 10 s at load 7 on 2 cores (kernel start, one figure); the limit leaves 90x room.
    run = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--inplace",
                          "--ExecutePreprocessor.timeout=600", str(source)], capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-2000:]
    export = subprocess.run([sys.executable, "-m", "lmkit.course.export", str(source)],
                            capture_output=True, text=True, timeout=600)
    assert export.returncode == 0, export.stderr[-2000:]
    page = source.with_suffix(".html")
    html = page.read_text(encoding="utf-8")
    assert not remote_references(html), remote_references(html)
    assert not re.search(r"cdnjs|jsdelivr|unpkg", html), "a CDN is named in the page"
    assert html.count("<math>") == 1 and "<mi>softmax</mi>" in html
    pictures = re.findall(r'class="lmkit-attention-fallback"[^>]*><img[^>]*src="data:image/png;base64,([^"]+)"', html)
    assert len(pictures) == 1 and base64.b64decode(pictures[0]).startswith(b"\x89PNG")
    if CHROMIUM.exists():
        seen = check_in_browser(page, tmp_path / "explorer-export.png")
        assert not seen["blocked"], f"the export asked the network for {seen['blocked']}"
        assert seen["formulas"] and min(seen["formulas"]) > 5, seen
        assert seen["pictures"] and min(seen["pictures"]) > 100, seen


@pytest.mark.slow
def test_feedback_reads_offline(tmp_path: Path):
    """lmkit grade's feedback for a student who wrote a formula: MathML, no CDN script."""
    course = mini.make_course(tmp_path / "course")
    notebook = recipes.load(course / "solutions" / "mini" / "mini.ipynb")
    notebook["cells"].insert(1, {"cell_type": "markdown", "metadata": {}, "id": "student-note",
                                 "source": "My note: $\\lVert v \\rVert = \\sqrt{v^\\top v}$."})
    recipes.dump(notebook, tmp_path / "subs" / "writer" / "mini.ipynb")
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "lmkit.cli", "grade", str(tmp_path / "subs"), "--out", str(out),
                             "--root", str(course), "--timeout", "60"],
                            capture_output=True, text=True, timeout=3600, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    pages = sorted((out / "feedback").rglob("*.html"))
    assert pages, sorted(p.relative_to(out) for p in out.rglob("*"))
    html = pages[0].read_text(encoding="utf-8")
    assert not remote_references(html), remote_references(html)
    # (nbgrader writes the page through an HTML parser: entities come back as characters.)
    assert "<msqrt>" in html and re.search("‖|&#8214;", html), "the student's formula should be MathML"
    if CHROMIUM.exists():
        seen = check_in_browser(pages[0], tmp_path / "feedback.png")
        assert not seen["blocked"], f"the feedback asked the network for {seen['blocked']}"
        assert seen["formulas"] and min(seen["formulas"]) > 5, seen
