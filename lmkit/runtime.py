"""Where tensors live, how many CPU threads torch uses, and how runs are made repeatable."""

from __future__ import annotations

import math
import os
import random
from pathlib import Path

import numpy as np
import torch

_DEVICE_ENV = "LMKIT_DEVICE"
_THREADS_ENV = "LMKIT_THREADS"

# Where the kernel tells a process which cgroup it is in and what CPU time that cgroup may use.
# Module-level so that tests can point them at fake files.
PROC_SELF_CGROUP = Path("/proc/self/cgroup")
CGROUP_ROOT = Path("/sys/fs/cgroup")


def _cgroup_paths() -> tuple[list[Path], list[Path]]:
    """(cgroup v2 folders, cgroup v1 ``cpu`` controller folders) of this process, innermost first.

    A container usually sees its own cgroup as ``/``; on a host the process sits deeper
    (``/user.slice/...``), and any ancestor's quota limits it too, so every level up to the root counts.
    """
    v2, v1 = [], []
    try:
        lines = PROC_SELF_CGROUP.read_text().splitlines()
    except OSError:
        lines = []
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        relative = Path(path.lstrip("/"))
        if controllers == "":  # "0::/path": the unified (v2) hierarchy
            bases = [CGROUP_ROOT, CGROUP_ROOT / "unified"]
            target = v2
        elif "cpu" in controllers.split(","):
            bases = [CGROUP_ROOT / controllers, CGROUP_ROOT / "cpu", CGROUP_ROOT / "cpu,cpuacct"]
            target = v1
        else:
            continue
        for base in bases:
            levels = [base / relative, *[base / parent for parent in relative.parents]]
            for level in levels:
                if level not in target:
                    target.append(level)
    # Nothing to go on (no /proc): the cgroup root itself is the best guess.
    if not lines:
        v2, v1 = [CGROUP_ROOT], [CGROUP_ROOT / "cpu", CGROUP_ROOT / "cpu,cpuacct"]
    return v2, v1


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except (OSError, ValueError):
        return None


def cgroup_cpu_limit() -> float | None:
    """The CPUs this process's cgroup may use (quota / period), or ``None`` when it has no quota.

    Reads cgroup v2 ``cpu.max`` ("QUOTA PERIOD", QUOTA may be "max") and cgroup v1
    ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us`` (-1: no quota), at every level of the
    process's own cgroup path; the tightest one wins.
    """
    limits = []
    v2, v1 = _cgroup_paths()
    for folder in v2:
        text = _read(folder / "cpu.max")
        if not text:
            continue
        fields = text.split()
        if len(fields) >= 1 and fields[0] != "max":
            try:
                quota = int(fields[0])
                period = int(fields[1]) if len(fields) > 1 else 100_000
            except ValueError:
                continue
            if quota > 0 and period > 0:
                limits.append(quota / period)
    for folder in v1:
        quota_text, period_text = _read(folder / "cpu.cfs_quota_us"), _read(folder / "cpu.cfs_period_us")
        if quota_text is None or period_text is None:
            continue
        try:
            quota, period = int(quota_text), int(period_text)
        except ValueError:
            continue
        if quota > 0 and period > 0:
            limits.append(quota / period)
    return min(limits) if limits else None


def _affinity_count() -> int:
    if hasattr(os, "sched_getaffinity"):
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except OSError:
            pass
    return max(1, os.cpu_count() or 1)


def available_cpus() -> int:
    """How many CPUs this process may really use: at least 1.

    The smaller of the CPUs it may run on (``os.sched_getaffinity``: ``taskset``, a cpuset) and
    its cgroup's CPU quota rounded up (a Binder or Docker container sees all of the host's cores
    but may be limited to, say, one CPU of time). ``os.cpu_count()`` knows neither.
    """
    count = _affinity_count()
    limit = cgroup_cpu_limit()
    if limit is not None:
        count = min(count, max(1, math.ceil(limit - 1e-9)))
    return max(1, count)


_configured: int | None = None


def configure_threads(force: bool = False) -> int:
    """Set torch's intra-op thread count from the CPUs the process may use; return the count.

    lmkit calls this once, when its first torch-using module is imported. torch's default is
    the machine's core count, which oversubscribes a container limited by a cgroup quota or a
    process pinned with ``taskset``: each thread then waits for the others, and a training step
    can take 10-50 times longer than with one thread. The count is never raised above torch's
    own default.

    ``LMKIT_THREADS=N`` sets N threads; an explicit ``OMP_NUM_THREADS`` (which torch already
    reads) is respected and nothing is changed. Later calls do nothing unless ``force=True``;
    ``torch.set_num_threads`` after this always wins.
    """
    global _configured
    if _configured is not None and not force:
        return _configured
    requested = os.environ.get(_THREADS_ENV, "").strip()
    if requested:
        try:
            threads = int(requested)
        except ValueError:
            raise ValueError(f"{_THREADS_ENV}={requested!r}: expected a positive number of threads") from None
        if threads < 1:
            raise ValueError(f"{_THREADS_ENV}={requested!r}: expected a positive number of threads")
        torch.set_num_threads(threads)
    elif os.environ.get("OMP_NUM_THREADS", "").strip():
        threads = torch.get_num_threads()
    else:
        threads = min(torch.get_num_threads(), available_cpus())
        if threads != torch.get_num_threads():
            torch.set_num_threads(threads)
    _configured = threads
    return threads


def get_device() -> torch.device:
    """Return the best available device: CUDA, then Apple MPS, then CPU.

    The environment variable ``LMKIT_DEVICE`` (for example ``cpu`` or ``cuda:1``)
    overrides the choice; an unknown or unavailable device raises ``ValueError``.
    """
    requested = os.environ.get(_DEVICE_ENV, "").strip()
    if requested:
        try:
            device = torch.device(requested)
        except RuntimeError as err:
            raise ValueError(
                f"{_DEVICE_ENV}={requested!r} is not a torch device name "
                "(expected e.g. 'cpu', 'cuda', 'cuda:0' or 'mps')"
            ) from err
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"{_DEVICE_ENV}={requested!r} but CUDA is not available on this machine")
        if device.type == "mps" and not _mps_available():
            raise ValueError(f"{_DEVICE_ENV}={requested!r} but Apple MPS is not available on this machine")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and torch's (all devices') random number generators."""
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


_QUICK_ENV = "LMKIT_QUICK"


def quick_mode() -> bool:
    """True when notebooks should use their small training budgets.

    That is the case when nbgrader executes a notebook (it sets
    ``NBGRADER_EXECUTION``) or when ``LMKIT_QUICK=1`` is set, as the tests and CI do.
    Students running a notebook by hand get the full budgets.
    """
    if os.environ.get("NBGRADER_EXECUTION"):
        return True
    return os.environ.get(_QUICK_ENV, "").strip().lower() not in ("", "0", "false", "no")


try:  # once, when the first module that needs torch imports this one (see lmkit/__init__.py)
    configure_threads()
except ValueError as _err:  # a bad LMKIT_THREADS must not make lmkit unimportable
    import warnings

    warnings.warn(f"{_err}; torch's thread count is left as it is", RuntimeWarning, stacklevel=2)
