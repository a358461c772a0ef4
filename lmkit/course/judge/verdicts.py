"""nbgrader preprocessors for grading with verdicts made by the judge (no torch here).

``lmkit grade`` configures nbgrader's autograde with ``ApplyVerdicts`` in place of
``Execute``: no kernel is started and no student code runs in nbgrader's process. Each
test cell gets, as its outputs, what the judge recorded for it (the text it printed,
and on failure an ``error`` output with the exception's class and message — never a
traceback, which would quote hidden test lines). nbgrader's ``SaveAutoGrades`` then
scores the cells exactly as it always does: an error output scores 0.

``SanitizeFeedback`` runs in ``generate_feedback`` after nbgrader's own
``ClearHiddenTests``: it leaves only plain-text and PNG outputs, strips HTML from
markdown the student could edit, escapes headings there (no forged "Score" heading),
and caps each cell's source and output.
"""

from __future__ import annotations

import json
import re

from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Int, Unicode

MAX_SOURCE = 20_000  # characters of one cell's source shown in the feedback
MAX_TEXT = 20_000  # characters of one output
HIDDEN_NOTE = "# (hidden tests are not shown)"


def _meta(cell) -> dict:
    return (cell.get("metadata") or {}).get("nbgrader") or {}


class ApplyVerdicts(NbGraderPreprocessor):
    """Write the judge's verdicts into the test cells' outputs."""

    verdicts_dir = Unicode("", help="folder of <notebook>.json verdicts written by the judge").tag(config=True)

    def preprocess(self, nb, resources):
        name = re.sub(r"[^\w.-]", "_", str(resources.get("unique_key", "notebook")))
        try:
            with open(f"{self.verdicts_dir}/{name}.json", encoding="utf-8") as handle:
                report = json.load(handle)
        except (OSError, ValueError):
            report = {}
        self.tests = report.get("tests", {}) if isinstance(report, dict) else {}
        self.missing = "the grader could not run this test (see the grading log)"
        if isinstance(report, dict) and report.get("crash"):
            self.missing = "the grader's judge stopped before this test"
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        cell.outputs = []
        cell.execution_count = None
        meta = _meta(cell)
        if not meta.get("grade") or meta.get("solution"):
            return cell, resources
        verdict = self.tests.get(meta.get("grade_id"))
        if not isinstance(verdict, dict):
            verdict = {"passed": False, "ename": "GraderError", "evalue": self.missing}
        text = str(verdict.get("output", ""))[:MAX_TEXT]
        if text:
            cell.outputs.append(new_output("stream", name="stdout", text=text))
        if not verdict.get("passed"):
            ename = re.sub(r"[^\w.]", "", str(verdict.get("ename", "Error")))[:80] or "Error"
            evalue = str(verdict.get("evalue", ""))[:MAX_TEXT]
            cell.outputs.append(new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"]))
        return cell, resources


_TAG = re.compile(r"<[^>]*>")
_HEADING = re.compile(r"(?m)^(\s{0,3})(#{1,6})(\s)")
_SETEXT = re.compile(r"(?m)^(\s{0,3})(=+|-{2,})\s*$")


class SanitizeFeedback(NbGraderPreprocessor):
    """Make the feedback safe to open: no student HTML or scripts, nothing huge, no forged headings."""

    max_source = Int(MAX_SOURCE).tag(config=True)
    max_text = Int(MAX_TEXT).tag(config=True)
    given_markdown_file = Unicode("", help="JSON list of the instructor's markdown cells, shown as they are").tag(
        config=True)

    def preprocess(self, nb, resources):
        try:
            with open(self.given_markdown_file, encoding="utf-8") as handle:
                self.given = {str(text).strip() for text in json.load(handle)}
        except (OSError, ValueError, TypeError):
            self.given = set()
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        meta = _meta(cell)
        source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            source = hidden_tests_removed(source)
        if len(source) > self.max_source:
            source = source[: self.max_source] + f"\n… ({len(source) - self.max_source} more characters not shown)"
        if cell.cell_type != "code":
            if source.strip() not in self.given:  # the student wrote or changed this text
                source = _TAG.sub("", source)  # no <script>, <img onerror>, <iframe>, ...
                source = _HEADING.sub(r"\1\\\2\3", source)
                source = _SETEXT.sub(r"\1\\\2", source)
            cell.attachments = {}
        cell.source = source
        if cell.cell_type == "code":
            cell.outputs = [self._safe(output) for output in cell.get("outputs", [])]
            cell.outputs = [output for output in cell.outputs if output is not None]
        return cell, resources

    def _safe(self, output):
        kind = output.get("output_type")
        if kind == "stream":
            return new_output("stream", name=output.get("name", "stdout"), text=str(output.get("text", ""))[: self.max_text])
        if kind == "error":
            return new_output("error", ename=str(output.get("ename", ""))[:80],
                              evalue=str(output.get("evalue", ""))[: self.max_text],
                              traceback=[str(line)[: self.max_text] for line in output.get("traceback", [])][:20])
        if kind in ("display_data", "execute_result"):
            data = output.get("data", {})
            kept = {}
            if isinstance(data.get("text/plain"), str):
                kept["text/plain"] = data["text/plain"][: self.max_text]
            if isinstance(data.get("image/png"), str) and len(data["image/png"]) < 2_000_000:
                kept["image/png"] = data["image/png"]
            if not kept:
                return None
            return new_output("display_data", data=kept)
        return None


def hidden_tests_removed(source: str) -> str:
    """A test cell's source without its ``BEGIN/END HIDDEN TESTS`` regions (a second line of defence)."""
    return re.sub(r"(?ms)^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?", HIDDEN_NOTE + "\n", source)
