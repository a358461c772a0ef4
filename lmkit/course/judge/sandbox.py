"""The sandbox a student's code runs in while it is graded (no torch here: the grader uses it).

``worker_command`` returns the command that starts ``worker.py`` in a bubblewrap
sandbox (Debian package ``bubblewrap``). What the student's process gets:

* an unprivileged uid of its own (the grader, when root, drops to it with ``setpriv``
  before ``bwrap``; a different uid per parallel job, so one student's processes never
  count against another's ``RLIMIT_NPROC``), and no capabilities;
* new user, PID, network, IPC, UTS and cgroup namespaces: only ``lo``, no network; it
  sees only its own processes, and all of them die with the sandbox (``--die-with-parent``,
  and the PID namespace ends when its first process does);
* a file system built from nothing: ``/usr`` and the Python environment read-only,
  lmkit's *package folder* read-only (never the repository: no ``solutions/``), a
  private ``/tmp``, and one writable folder, ``/box``, holding only this student's
  cells — no gradebook, no output folder, no other student, no grader ``/proc``;
* rlimits set by the worker before any student code runs (address space, processes,
  file size, open files, no core dumps), which hold for root too.

``mode="none"`` runs the worker without any of this (for instructors who accept the
risk; documented in the instructor guide). No bubblewrap: ``SandboxUnavailable``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

BOX = "/box"
FIRST_UID = 61000  # sandbox uids lie in FIRST_UID .. FIRST_UID + UID_SPAN, unused by Debian's user ranges
UID_SPAN = 4000  # (below nobody, 65534)
JOB_SLOTS = 16  # uids per batch: one per parallel job


def uid_base(key: str) -> int:
    """The first sandbox uid of one batch, derived from ``key`` (its output folder): two batches
    graded at the same time get different uids, so neither counts against the other's process limit."""
    import zlib

    return FIRST_UID + JOB_SLOTS * (zlib.crc32(key.encode("utf-8")) % (UID_SPAN // JOB_SLOTS))
MODES = ("bwrap", "none")


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create namespaces here."""


def lmkit_package() -> Path:
    import lmkit  # cheap: lmkit's __init__ is lazy and imports no torch

    return Path(lmkit.__file__).resolve().parent


def read_only_paths() -> list[Path]:
    """What the worker must read: the interpreter, its libraries, lmkit's package, model caches."""
    paths = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), Path(sys.executable).resolve().parent,
             lmkit_package()}
    for entry in sys.path:
        path = Path(entry or ".").resolve()
        if path.is_dir() and ("site-packages" in path.parts or "dist-packages" in path.parts):
            paths.add(path)
    home = Path.home()
    for name, default in (("LMKIT_CACHE", home / ".cache" / "lmkit"), ("HF_HOME", home / ".cache" / "huggingface"),
                          ("TORCH_HOME", home / ".cache" / "torch")):
        path = Path(os.environ.get(name, default))
        # Optional: a cache the sandbox uid could not read anyway (a 0700 folder) is left out.
        if path.is_dir() and (os.geteuid() != 0 or _others_may_enter(path)):
            paths.add(path.resolve())
    # Drop paths inside others: one bind each.
    ordered = sorted(paths, key=lambda p: len(p.parts))
    return [p for i, p in enumerate(ordered) if not any(p != q and q in p.parents for q in ordered[:i])]


def check_available() -> None:
    """Raise ``SandboxUnavailable`` with the reason unless a bubblewrap sandbox starts here and the
    worker's interpreter runs in it (as the sandbox uid, with only the read-only binds it gets)."""
    if not shutil.which("bwrap"):
        raise SandboxUnavailable(
            "lmkit grade runs each student in a bubblewrap sandbox, and `bwrap` is not installed "
            "(Debian/Ubuntu: apt-get install bubblewrap). To grade without a sandbox, accepting that a "
            "hostile notebook can read and change anything your user can, pass --sandbox none."
        )
    result = _probe(["/usr/bin/true"], binds=[])
    if result.returncode != 0:
        raise SandboxUnavailable(
            f"bubblewrap cannot create a sandbox here ({result.stderr.strip()[:300]}); user namespaces may "
            "be disabled (sysctl kernel.unprivileged_userns_clone / user.max_user_namespaces). "
            "Pass --sandbox none to grade without one, accepting the risk."
        )
    if os.geteuid() == 0:
        closed = [path for path in read_only_paths() if not _others_may_enter(path)]
        if closed:
            raise SandboxUnavailable(
                "the sandbox runs each student as an unprivileged user, who cannot read "
                + ", ".join(f"{path} (mode {path.stat().st_mode & 0o777:o})" for path in closed)
                + ": the Python environment and lmkit must be readable by others "
                "(for example `chmod o+rx` on those folders; `mktemp -d` makes 0700 folders)."
            )
    result = _probe([sys.executable, "-c", "import lmkit.course.judge.worker"], binds=_read_only_binds())
    if result.returncode != 0:
        raise SandboxUnavailable(
            f"the grader's Python ({sys.executable}) does not start inside the sandbox: "
            f"{result.stderr.strip()[-600:] or f'exit status {result.returncode}'}"
        )


def _probe(command: list[str], binds: list[str]) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(_bwrap([*binds, "--clearenv", "--setenv", "PATH", "/usr/bin:/bin"], FIRST_UID,
                                     command), capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.SubprocessError) as err:
        raise SandboxUnavailable(f"bubblewrap could not start: {err}") from None


def _others_may_enter(path: Path) -> bool:
    """Whether a uid that is neither owner nor group may list and enter ``path`` (read, for a file)."""
    needed = 0o005 if path.is_dir() else 0o004
    return path.stat().st_mode & needed == needed


def _read_only_binds() -> list[str]:
    binds: list[str] = []
    for path in read_only_paths():
        binds += [*_parents(path), "--ro-bind", str(path), str(path)]
    return binds


def _bwrap(extra: list[str], uid: int, command: list[str]) -> list[str]:
    """bwrap with the system binds and ``extra`` options, running ``command`` as ``uid``.

    As root, bwrap runs without a user namespace and ``setpriv`` inside drops to a real
    unprivileged uid with no capabilities (so ``RLIMIT_NPROC`` counts, per job). As an
    ordinary user, bwrap's own user namespace already leaves the sandbox no rights outside.
    """
    bwrap = shutil.which("bwrap")
    if not bwrap:
        raise SandboxUnavailable("`bwrap` is not installed (apt-get install bubblewrap), or pass --sandbox none")
    namespaces = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv") or "/usr/bin/setpriv"
        drop = [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
                "--bounding-set=-all", "--"]
    else:
        namespaces.insert(0, "--unshare-user")
        drop = []
    return [bwrap, *_system_binds(), *extra, *namespaces, "--die-with-parent", "--new-session",
            "--hostname", "sandbox", "--", *drop, *command]


def _parents(path: Path) -> list[str]:
    """``--dir`` options for a bound path's ancestors, readable by the sandbox uid (0700 otherwise)."""
    args: list[str] = []
    for parent in reversed(path.parents):
        if str(parent) in ("/", "/usr", "/tmp", "/proc", "/dev"):
            continue
        args += ["--perms", "0755", "--dir", str(parent)]
    return args


def _system_binds() -> list[str]:
    args: list[str] = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib64", "lib32"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "passwd", "group", "nsswitch.conf",
                 "alternatives", "ssl", "fonts", "mime.types"):
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return args + ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp"]


def prepare_box(box: Path, uid: int) -> None:
    """Hand the student's folder to the sandbox uid (when grading as root)."""
    if os.geteuid() != 0:
        return
    for root, dirs, files in os.walk(box):
        os.chown(root, uid, uid)
        for name in files:
            os.chown(os.path.join(root, name), uid, uid)


def worker_env(threads: int, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The worker's whole environment: nothing of the grader's leaks in."""
    python_bin = str(Path(sys.executable).parent)
    env = {
        "PATH": f"{python_bin}:/usr/local/bin:/usr/bin:/bin",
        "HOME": f"{BOX}/home",
        "MPLCONFIGDIR": f"{BOX}/mplconfig",
        "MPLBACKEND": "Agg",
        "LANG": "C.UTF-8",
        "NBGRADER_EXECUTION": "autograde",  # notebooks use their small, graded budgets
        "LMKIT_QUICK": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "PYTHONUNBUFFERED": "1",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TMPDIR": "/tmp",
    }
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "LMKIT_THREADS"):
        env[name] = str(threads)
    for name in ("LMKIT_CACHE", "HF_HOME", "TORCH_HOME", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    env.update(extra or {})
    return env


def worker_command(mode: str, box: Path, uid: int, env: dict[str, str], limits: dict[str, int]) -> tuple[list[str], str]:
    """(command, the cells file as the worker sees it). The worker appends its fds and timeout."""
    limit_args = [f"--limit={name}={value}" for name, value in sorted(limits.items())]
    python = [sys.executable, "-m", "lmkit.course.judge.worker", *limit_args]
    if mode == "none":
        local = {**env, "HOME": str(box / "home"), "MPLCONFIGDIR": str(box / "mplconfig")}
        return ["env", "-i", *[f"{k}={v}" for k, v in local.items()], *python], str(box / "cells.json")
    if mode != "bwrap":
        raise ValueError(f"sandbox must be one of {', '.join(MODES)}; got {mode!r}")
    binds = _read_only_binds() + ["--bind", str(box), BOX, "--chdir", BOX, "--clearenv"]
    for name, value in env.items():
        binds += ["--setenv", name, value]
    return _bwrap(binds, uid, python), f"{BOX}/cells.json"
