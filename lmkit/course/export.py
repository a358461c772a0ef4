"""HTML exports of course notebooks that read offline: no CDN script, formulas as MathML.

nbconvert's HTML templates (and nbgrader's feedback template, built on them) load MathJax,
require.js, mermaid and the widget manager from CDNs. Opened without a network, formulas
show as raw TeX and widgets vanish. :class:`OfflineHTMLExporter` is nbconvert's
``HTMLExporter`` with:

* the template's CDN scripts removed. The template folder ``templates/lmkit-offline/`` holds
  ``mathjax.html.j2`` and ``mermaidjs.html.j2``, macros every template imports (nbgrader's
  feedback included) that here emit no script, and an ``index.html.j2`` that extends
  JupyterLab's and empties its require.js, jQuery and widget-manager blocks. The exporter puts
  them in a Jinja loader in front of the template path, so they serve whichever template is
  chosen (the top one, ``lmkit-offline.html.j2``, extends that template's own index);
* formulas of markdown cells turned into MathML (:mod:`lmkit.course.texmath`) after the other
  preprocessors ran, so nbgrader's ``SanitizeFeedback`` still sees the sources it checks;
* saved widget state dropped: a widget shows the picture it carries instead (the attention
  explorer displays its PNG as an output of its own, see lmkit.viz.explorer).

Used by ``lmkit grade`` for the feedback (``GenerateFeedback.exporter_class``, in
``lmkit.course.grade.JUDGE_CONFIG``) and from the command line::

    python -m lmkit.course.export NOTEBOOK.ipynb [--output NOTEBOOK.html]

JupyterLab's own File > Save and Export Notebook As > HTML uses plain nbconvert, unless its
server's config has :func:`server_config` in it (or a Python config file calls :func:`configure`).
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

from jinja2 import DictLoader
from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from traitlets import default

from lmkit.course.texmath import markdown_math_to_mathml

TEMPLATES = Path(__file__).parent / "templates"  # an nbconvert template base folder
TEMPLATE_NAME = "lmkit-offline"
TEMPLATE_FILE = "lmkit-offline.html.j2"


def offline_loader() -> DictLoader:
    """A Jinja loader with the no-network macros and a top template extending any template's index."""
    folder = TEMPLATES / TEMPLATE_NAME
    index = (folder / "index.html.j2").read_text(encoding="utf-8")
    if "'lab/index.html.j2'" not in index:
        raise RuntimeError(f"{folder / 'index.html.j2'} must extend 'lab/index.html.j2' (the loader rewrites it)")
    return DictLoader({
        "mathjax.html.j2": (folder / "mathjax.html.j2").read_text(encoding="utf-8"),
        "mermaidjs.html.j2": (folder / "mermaidjs.html.j2").read_text(encoding="utf-8"),
        TEMPLATE_FILE: index.replace("'lab/index.html.j2'", "'index.html.j2'"),
    })


class PrerenderMath(Preprocessor):
    """Markdown cells' formulas as MathML; saved widget state dropped (each widget's picture shows).

    The TeX left as it was (not covered by lmkit.course.texmath) is listed in
    ``resources["lmkit_unsupported_math"]``.
    """

    def preprocess(self, nb, resources):
        unsupported: list[str] = []
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
                cell.source = markdown_math_to_mathml(source, unsupported)
        nb.metadata.pop("widgets", None)
        resources["lmkit_unsupported_math"] = unsupported
        return nb, resources


class OfflineHTMLExporter(HTMLExporter):
    """nbconvert's HTML exporter, with nothing fetched from the network to display the page."""

    export_from_notebook = "HTML (offline)"

    @default("extra_loaders")
    def _extra_loaders_default(self):
        return [offline_loader()]

    @default("template_file")
    def _template_file_default(self):
        return TEMPLATE_FILE

    def _preprocess(self, nb, resources):
        nb, resources = super()._preprocess(nb, resources)
        return PrerenderMath().preprocess(nb, resources)  # last: after nbgrader's SanitizeFeedback


def server_config() -> dict:
    """Settings that make a Jupyter server's HTML export offline (JupyterLab's File > Save and Export
    Notebook As > HTML), as for a ``jupyter_server_config.json``: JupyterLab's template with the
    no-network macros first on its path, and the formulas as MathML. Slides keep their own template."""
    return {
        "HTMLExporter": {
            "extra_template_basedirs": [str(TEMPLATES)],
            "template_name": TEMPLATE_NAME,
            "preprocessors": ["lmkit.course.export.PrerenderMath"],
        },
        "SlidesExporter": {"template_name": "reveal"},
    }


def configure(config) -> None:
    """Merge :func:`server_config` into a traitlets config (from a Python config file: ``configure(c)``)."""
    from traitlets.config import Config

    config.merge(Config(server_config()))


def export(notebook: Path, output: Path | None = None) -> Path:
    """Write ``notebook`` as an offline HTML page (default: next to it, ``.html``); returns its path."""
    import nbformat

    output = output or notebook.with_suffix(".html")
    body, _ = OfflineHTMLExporter().from_notebook_node(copy.deepcopy(nbformat.read(notebook, as_version=4)))
    output.write_text(body, encoding="utf-8")
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lmkit.course.export", description=__doc__.split("\n")[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--output", type=Path, default=None)
    arguments = parser.parse_args(argv)
    print(export(arguments.notebook, arguments.output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
