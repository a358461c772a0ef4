"""lmkit.progress: bars in an executed, saved notebook show where they finished, not 0%."""
from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from lmkit.progress import progress


def test_outside_jupyter_it_is_plain_tqdm(capsys):
    assert sum(progress(range(5), desc="count")) == 10
    assert "5/5" in capsys.readouterr().err


@pytest.mark.slow
def test_a_saved_notebook_keeps_each_bar_s_final_line(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("from lmkit.progress import progress\n"
                                  "total = sum(progress(range(300), desc='training'))"),
        nbformat.v4.new_code_cell("for _ in progress(range(3), desc='epoch', leave=False):\n    pass\nprint('done')"),
    ]
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    kept = [o for o in nb.cells[0].outputs if o.get("output_type") in ("display_data", "update_display_data")]
    assert len(kept) == 1 and "application/vnd.jupyter.widget-view+json" not in kept[0]["data"], kept
    assert "training: 100%" in kept[0]["data"]["text/plain"] and "300/300" in kept[0]["data"]["text/plain"]
    hidden = [o for o in nb.cells[1].outputs if o.get("output_type") == "display_data"]
    assert all(o["data"].get("text/plain", "") == "" for o in hidden), hidden
    assert any("done" in o.get("text", "") for o in nb.cells[1].outputs)
