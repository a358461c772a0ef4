"""lmkit.runtime's thread count: the CPUs a process may really use, and torch configured once from them.

The cgroup files are fakes under tmp_path (``PROC_SELF_CGROUP`` and ``CGROUP_ROOT`` point at them) and
``os.sched_getaffinity`` is patched, so these tests say nothing about the machine they run on. torch's own
setter is replaced by a recorder, so the test process keeps its thread count.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from lmkit import runtime  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """A fake machine: ``machine(affinity=4, v2="100000 100000", v1=(quota, period), path="/")``."""

    def make(affinity: int = 4, v2: str | None = None, v1: tuple[int, int] | None = None, path: str = "/"):
        root = tmp_path / "sys-fs-cgroup"
        lines = []
        if v2 is not None:
            folder = root / path.lstrip("/")
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "cpu.max").write_text(v2 + "\n")
            lines.append(f"0::{path}")
        if v1 is not None:
            folder = root / "cpu,cpuacct" / path.lstrip("/")
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "cpu.cfs_quota_us").write_text(f"{v1[0]}\n")
            (folder / "cpu.cfs_period_us").write_text(f"{v1[1]}\n")
            lines.append(f"4:cpu,cpuacct:{path}")
        lines.append("5:memory:/somewhere")
        proc = tmp_path / "proc-self-cgroup"
        proc.write_text("\n".join(lines) + "\n")
        monkeypatch.setattr(runtime, "PROC_SELF_CGROUP", proc)
        monkeypatch.setattr(runtime, "CGROUP_ROOT", root)
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(affinity)), raising=False)
        return root

    return make


@pytest.fixture
def torch_threads(monkeypatch):
    """torch's thread count as a fake: starts at 8 (a big host's default); records set_num_threads."""
    state = {"threads": 8, "calls": []}

    def set_num_threads(n):
        state["calls"].append(n)
        state["threads"] = n

    monkeypatch.setattr(runtime.torch, "set_num_threads", set_num_threads)
    monkeypatch.setattr(runtime.torch, "get_num_threads", lambda: state["threads"])
    monkeypatch.setattr(runtime, "_configured", None)
    for name in ("LMKIT_THREADS", "OMP_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    return state


def test_v2_quota_of_one_cpu_gives_one(machine):
    machine(affinity=4, v2="100000 100000")
    assert runtime.cgroup_cpu_limit() == 1.0
    assert runtime.available_cpus() == 1


def test_v2_no_quota_gives_the_affinity_count(machine):
    machine(affinity=3, v2="max 100000")
    assert runtime.cgroup_cpu_limit() is None
    assert runtime.available_cpus() == 3


def test_affinity_of_one_gives_one(machine):
    machine(affinity=1, v2="max 100000")
    assert runtime.available_cpus() == 1


def test_fractional_quota_rounds_up_and_affinity_caps_it(machine):
    machine(affinity=8, v2="150000 100000")
    assert runtime.cgroup_cpu_limit() == 1.5
    assert runtime.available_cpus() == 2
    machine(affinity=2, v2="400000 100000")
    assert runtime.available_cpus() == 2


def test_v2_quota_of_the_processs_own_cgroup_and_its_ancestors(machine, tmp_path):
    root = machine(affinity=16, v2="max 100000", path="/user.slice/session-1.scope")
    assert runtime.available_cpus() == 16
    (root / "user.slice" / "cpu.max").write_text("200000 100000\n")  # a parent's quota limits its children
    assert runtime.available_cpus() == 2


def test_v1_quota(machine):
    machine(affinity=4, v1=(50000, 100000))
    assert runtime.cgroup_cpu_limit() == 0.5
    assert runtime.available_cpus() == 1
    machine(affinity=4, v1=(-1, 100000))  # -1: no quota
    assert runtime.available_cpus() == 4


def test_no_cgroup_files_at_all(machine, tmp_path, monkeypatch):
    machine(affinity=2)
    monkeypatch.setattr(runtime, "PROC_SELF_CGROUP", tmp_path / "missing")
    assert runtime.cgroup_cpu_limit() is None
    assert runtime.available_cpus() == 2


def test_configure_threads_follows_the_quota_once(machine, torch_threads):
    machine(affinity=4, v2="100000 100000")
    assert runtime.configure_threads() == 1
    assert torch_threads["calls"] == [1]
    machine(affinity=4, v2="max 100000")
    assert runtime.configure_threads() == 1  # once: a second call changes nothing
    assert torch_threads["calls"] == [1]
    assert runtime.configure_threads(force=True) == 1  # never raised above what torch has now


def test_configure_threads_never_raises_torchs_count(machine, torch_threads):
    machine(affinity=64, v2="max 100000")
    assert runtime.configure_threads() == 8
    assert torch_threads["calls"] == []


def test_lmkit_threads_overrides(machine, torch_threads, monkeypatch):
    machine(affinity=4, v2="100000 100000")
    monkeypatch.setenv("LMKIT_THREADS", "3")
    assert runtime.configure_threads() == 3
    assert torch_threads["calls"] == [3]
    for bad in ("0", "two"):
        monkeypatch.setenv("LMKIT_THREADS", bad)
        with pytest.raises(ValueError, match="LMKIT_THREADS"):
            runtime.configure_threads(force=True)


def test_explicit_omp_num_threads_is_respected(machine, torch_threads, monkeypatch):
    machine(affinity=4, v2="100000 100000")
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    assert runtime.configure_threads() == 8  # torch's own reading of OMP_NUM_THREADS stands
    assert torch_threads["calls"] == []


def _threads_in_fresh_python(code: str, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in ("LMKIT_THREADS", "OMP_NUM_THREADS")}
    environment.update(env)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment,
                            cwd=REPO, timeout=180)  # importing torch takes ~10 s on a loaded machine
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_importing_lmkit_stays_torch_free_and_torch_is_configured_when_it_loads():
    code = ("import sys, lmkit\n"
            "assert 'torch' not in sys.modules\n"
            "import lmkit.course.start, lmkit.viz, lmkit.data\n"
            "assert 'torch' not in sys.modules\n"
            "import torch\n"
            "print(torch.get_num_threads())\n")
    assert _threads_in_fresh_python(code, LMKIT_THREADS="1") == "1"


@pytest.mark.parametrize("order", ["torch first", "kernel"])
def test_threads_configured_whatever_imports_torch(order):
    code = {"torch first": "import torch, lmkit\n",
            "kernel": "from lmkit.models import GPT\nimport torch\n"}[order]
    code += "import lmkit.runtime as r\nprint(torch.get_num_threads(), r._configured)\n"
    assert _threads_in_fresh_python(code, LMKIT_THREADS="1") == "1 1"
    assert _threads_in_fresh_python(code, OMP_NUM_THREADS="1", LMKIT_THREADS="") == "1 1"


def test_a_bad_override_warns_instead_of_breaking_the_import():
    code = ("import warnings\nwarnings.simplefilter('always')\n"
            "import lmkit.runtime, torch\nprint(lmkit.runtime._configured)\n")
    environment = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    environment["LMKIT_THREADS"] = "lots"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment,
                            cwd=REPO, timeout=180)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "None" and "LMKIT_THREADS='lots'" in result.stderr
