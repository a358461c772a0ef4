"""Peak memory: the /proc probe of lmkit.course.cost.

The course budget itself (every solutions notebook, executed as for grading and CI, stays within
``MEMORY_BUDGET_MIB``, 1.5 GiB) is asserted in tests/test_notebooks.py with this probe.
The probe's own tests allocate known amounts in child processes and check what it reports.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lmkit.course.cost import MemoryProbe, measure_notebook, notebook_env, run_measured

REPO = Path(__file__).resolve().parents[1]
MARKER = "lmkit-memory-probe-test"

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="the probe reads /proc (Linux)")


def _allocating(mib: int, hold: float = 2.0) -> str:
    """Python code that keeps ``mib`` MiB resident (every byte written) for ``hold`` seconds."""
    return f"import time; block = b'x' * ({mib} * 2**20); time.sleep({hold})"


def _spawn(code: str, marker: str = MARKER) -> str:
    """Python code that runs ``code`` in a child process whose command line carries ``marker``."""
    return f"import subprocess, sys; subprocess.run([sys.executable, '-c', {code!r}, {marker!r}], check=True)"


# --- the probe ---------------------------------------------------------------------------------


def test_probe_finds_the_matching_descendant_and_its_peak():
    result, cost = run_measured([sys.executable, "-c", _spawn(_allocating(256))], cwd=REPO, timeout=60,
                                match=MARKER.encode())
    assert result.returncode == 0, result.stderr
    assert cost.matched
    assert 256 <= cost.kernel_peak_mib < 256 + 96, cost.describe()
    assert 256 <= cost.tree_peak_mib < 256 + 96, cost.describe()  # held 2 s: sampled every 50 ms, even on a busy machine
    assert cost.peak_mib == max(cost.kernel_peak_mib, cost.tree_peak_mib)
    assert cost.seconds >= 2.0


def test_probe_tree_counts_the_kernels_children_but_the_kernel_peak_does_not():
    # The matched process stays small; its own child holds 200 MiB.
    parent = _spawn(_spawn(_allocating(200), marker="grandchild"))
    result, cost = run_measured([sys.executable, "-c", parent], cwd=REPO, timeout=60, match=MARKER.encode())
    assert result.returncode == 0, result.stderr
    assert cost.kernel_peak_mib < 100, cost.describe()
    assert cost.tree_peak_mib >= 200, cost.describe()


def test_probe_without_match_measures_the_command_itself():
    result, cost = run_measured([sys.executable, "-c", _allocating(128)], cwd=REPO, timeout=60, match=None)
    assert result.returncode == 0, result.stderr
    assert cost.matched and 128 <= cost.kernel_peak_mib < 128 + 96, cost.describe()


def test_probe_reports_no_match():
    result, cost = run_measured([sys.executable, "-c", "pass"], cwd=REPO, timeout=60, match=b"no-such-process")
    assert result.returncode == 0
    assert not cost.matched and cost.kernel_peak_mib == 0 and cost.tree_peak_mib == 0


def test_run_measured_kills_on_timeout():
    with pytest.raises(subprocess.TimeoutExpired):
        run_measured([sys.executable, "-c", "import time; time.sleep(60)"], cwd=REPO, timeout=1)


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="non-empty list"):
        run_measured([], cwd=tmp_path)
    with pytest.raises(ValueError, match="interval must be positive"):
        MemoryProbe(1, interval=0)
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match="expected an existing .ipynb file"):
        measure_notebook(tmp_path / "notes.txt")
    with pytest.raises(ValueError, match="expected an existing .ipynb file"):
        measure_notebook(tmp_path / "missing.ipynb")


def test_notebook_env_quick_and_full():
    base = {"PATH": "/bin", "NBGRADER_EXECUTION": "autograde", "LMKIT_QUICK": "1"}
    quick = notebook_env(True, base)
    assert quick["LMKIT_QUICK"] == "1" and quick["MPLBACKEND"] == "Agg" and "NBGRADER_EXECUTION" not in quick
    assert "LMKIT_QUICK" not in notebook_env(False, base)
    assert base["LMKIT_QUICK"] == "1", "the base environment must not be changed"


def _notebook(path: Path, *sources: str) -> Path:
    cells = [{"cell_type": "code", "metadata": {}, "source": s, "outputs": [], "execution_count": None,
              "id": f"c{i}"} for i, s in enumerate(sources)]
    meta = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    path.write_text(json.dumps({"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}))
    return path


@pytest.mark.slow  # starts two Jupyter kernels
def test_measure_notebook_sees_the_kernel_allocate(tmp_path):
    notebook = _notebook(tmp_path / "alloc.ipynb",
                         "import os\nassert os.environ['LMKIT_QUICK'] == '1'",
                         "block = b'x' * (300 * 2**20)")
    cost = measure_notebook(notebook)
    assert cost.matched, "no ipykernel process was seen"
    assert cost.kernel_peak_mib >= 300, cost.describe()
    failing = _notebook(tmp_path / "fails.ipynb", "raise RuntimeError('boom in cell')")
    with pytest.raises(RuntimeError, match="boom in cell"):
        measure_notebook(failing)

# The per-notebook budget itself is checked in tests/test_notebooks.py, on the run that executes
# each notebook anyway (one execution per notebook in CI, not two).
