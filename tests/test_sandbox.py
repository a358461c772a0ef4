"""The sandbox and the channel, without nbgrader: what a student's process can see and do,
and how the judge talks to it.

Each test starts a real worker (``lmkit.course.judge.worker``) in a real bubblewrap
sandbox through ``WorkerClient``, gives it a few cells as a notebook would, and asks
it for values. On CI (``CI=true``) a missing sandbox is a failure, not a skip.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import sys
import time
from pathlib import Path

import pytest
import torch

from lmkit.course.judge import protocol, sandbox
from lmkit.course.judge.proxy import CallTimeout, Remote, WorkerClient, remote_exception, tree_cpu_seconds

REPO = Path(__file__).resolve().parents[1]


def _sandbox_problem() -> str | None:
    try:
        sandbox.check_available()
    except sandbox.SandboxUnavailable as err:
        return str(err)
    return None


PROBLEM = _sandbox_problem()
if PROBLEM and os.environ.get("CI") == "true":
    raise RuntimeError(f"CI must run the grading sandbox: {PROBLEM}")
needs_sandbox = pytest.mark.skipif(PROBLEM is not None, reason=f"no bubblewrap sandbox here: {PROBLEM}")


def start(tmp_path: Path, cells: list[str], mode: str = "bwrap", cell_timeout: float = 60,
          limits: dict | None = None, uid: int = sandbox.FIRST_UID + 50) -> WorkerClient:
    box = tmp_path / "box"
    for name in ("home", "mplconfig"):
        (box / name).mkdir(parents=True, exist_ok=True)
    (box / "cells.json").write_text(json.dumps([{"source": c, "name": f"#{i}"} for i, c in enumerate(cells)]))
    sandbox.prepare_box(box, uid)
    limits = {"as": 4 * 2**30, "nproc": 512, "fsize": 64 * 2**20, "nofile": 1024, "core": 0, **(limits or {})}
    command, cells_arg = sandbox.worker_command(mode, box, uid, sandbox.worker_env(1), limits)
    client = WorkerClient(command, cells_arg, cell_timeout=cell_timeout, call_timeout=cell_timeout,
                          ready_timeout=600, log_path=str(tmp_path / "worker.log"))
    client.start()
    return client


def _sandbox_uids_alive(uid: int = sandbox.FIRST_UID + 50) -> list[str]:
    """Processes of the sandbox uid these tests use (other tests' batches use other uids)."""
    alive = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        if int(status.split("Uid:")[1].split()[0]) == uid:
            alive.append(f"{entry} uid {uid}")
    return alive


# --- what the student's process sees ------------------------------------------------------------

LOOK_AROUND = r'''
import os, pathlib, socket, lmkit
repo = pathlib.Path(lmkit.__file__).resolve().parents[1]
def readable(path):
    try:
        return bool(pathlib.Path(path).read_bytes()[:1] or True)
    except OSError:
        return False
def writable(path):
    try:
        pathlib.Path(path).write_text("x")
        return True
    except OSError:
        return False
report = {
    "uid": os.getuid(), "euid": os.geteuid(),
    "interfaces": sorted(name for _, name in socket.if_nameindex()),
    "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
    "solutions": (repo / "solutions").exists(),
    "repo_files": sorted(p.name for p in repo.iterdir()) if repo.is_dir() else [],
    "root_home": os.path.exists("/root/.bashrc"),
    "read_shadow": readable("/etc/shadow"),
    "write_usr": writable("/usr/lmkit-was-here"),
    "write_box": writable("/box/mine.txt"),
    "write_tmp": writable("/tmp/mine.txt"),
    "cwd": os.getcwd(), "home": os.environ.get("HOME"),
    "env": sorted(os.environ),
    "grader_tmp": sorted(os.listdir("/tmp")),
}
'''


@needs_sandbox
def test_the_sandbox_sees_only_its_own_folder_and_no_network(tmp_path):
    (tmp_path / "secret-of-the-grader.txt").write_text("the box must not see me")
    client = start(tmp_path, [LOOK_AROUND])
    try:
        report = client.get("report")
    finally:
        client.close()
    assert report["uid"] != 0 and report["euid"] != 0, report
    assert report["interfaces"] == ["lo"], report
    assert len(report["pids"]) <= 3, report  # its own PID namespace: the worker (and bwrap's init)
    assert report["solutions"] is False and report["repo_files"] == ["lmkit"], report
    assert not report["root_home"] and not report["read_shadow"] and not report["write_usr"], report
    assert report["write_box"] and report["write_tmp"], report
    assert report["cwd"] == "/box" and report["home"] == "/box/home", report
    assert "secret-of-the-grader.txt" not in report["grader_tmp"], report
    assert not any(name.startswith(("LMKIT_GRADE", "SUDO", "SSH")) for name in report["env"]), report


@needs_sandbox
def test_every_process_dies_with_the_sandbox(tmp_path):
    cells = ["import subprocess, os\n"
             "subprocess.Popen(['sleep', '300'], start_new_session=True)\n"
             "if os.fork() == 0:\n    os.setsid()\n    os.execvp('sleep', ['sleep', '301'])\n"
             "ready = True\n"]
    client = start(tmp_path, cells)
    assert client.get("ready") is True
    client.close()
    deadline = time.monotonic() + 30
    while _sandbox_uids_alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _sandbox_uids_alive() == []


@needs_sandbox
def test_process_and_memory_limits_hold(tmp_path):
    cells = ["import subprocess\nstarted, refused = 0, 0\nkids = []\n"
             "for _ in range(300):\n"
             "    try:\n        kids.append(subprocess.Popen(['sleep', '30']))\n        started += 1\n"
             "    except OSError:\n        refused += 1\n",
             "import torch\ntry:\n    hog = torch.ones(2**31)\n    allocated = True\nexcept (RuntimeError, MemoryError):\n"
             "    allocated = False\n"]
    client = start(tmp_path, cells, limits={"nproc": 64, "as": 3 * 2**30})
    try:
        started, refused, allocated = client.get("started"), client.get("refused"), client.get("allocated")
    finally:
        client.close()
    assert started < 64 and refused > 0, (started, refused)
    assert allocated is False


# --- the channel ------------------------------------------------------------------------------

FUNCTIONS = '''
import torch
def square_sum(x):
    return (x ** 2).sum()
def scale_in_place(x):
    x.mul_(2)
    return None
def freeze(model):
    for p in model.parameters():
        p.requires_grad_(False)
    return model
def draw(generator):
    return torch.rand(3, generator=generator)
def fails():
    raise KeyError("the student's own error")
class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(3))
    def forward(self, x):
        return self.w * x
def loops():
    while True:
        pass
'''


@needs_sandbox
def test_calls_gradients_and_what_a_call_changes_come_back(tmp_path):
    client = start(tmp_path, [FUNCTIONS], cell_timeout=5)
    try:
        x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        loss = client.get("square_sum")(x)
        loss.backward()  # backward runs in the worker; the gradient lands on the judge's x
        assert torch.equal(x.grad, 2 * x.detach())

        y = torch.ones(2)
        client.get("scale_in_place")(y)
        assert torch.equal(y, torch.full((2,), 2.0))  # in-place change written back

        model = torch.nn.Linear(2, 2)
        client.get("freeze")(model)
        assert not any(p.requires_grad for p in model.parameters())

        generator = torch.Generator().manual_seed(0)
        first = client.get("draw")(generator)
        second = client.get("draw")(generator)
        assert not torch.equal(first, second)  # the generator's state came back and advanced
        assert torch.equal(first, torch.rand(3, generator=torch.Generator().manual_seed(0)))

        tiny = client.get("Tiny")()
        assert type(tiny) is Remote and isinstance(tiny, torch.nn.Module) and isinstance(tiny, client.get("Tiny"))
        out = tiny(torch.tensor([1.0, 2.0, 3.0]))
        out.sum().backward()
        assert torch.equal(tiny.w.grad, torch.tensor([1.0, 2.0, 3.0]))  # the student's parameter got it

        with pytest.raises(KeyError, match="the student's own error"):
            client.get("fails")()
        started = time.monotonic()
        with pytest.raises(CallTimeout):
            client.get("loops")()
        assert time.monotonic() - started < 5 * protocol.WALL_FACTOR
        assert client.get("square_sum")(torch.ones(2)) == 2.0  # restarted after the time-out
        assert client.launches == 2
    finally:
        client.close()


def test_replies_are_data_only():
    class Evil:
        def __reduce__(self):
            return os.system, ("touch /tmp/lmkit-evil",)

    payload = pickle.dumps({"seq": 1, "value": Evil()})
    with pytest.raises(protocol.ChannelError):
        protocol.load_reply(payload)
    buffer = io.BytesIO()
    torch.save({"seq": 1, "value": torch.arange(3)}, buffer)
    assert torch.equal(protocol.load_reply(buffer.getvalue())["value"], torch.arange(3))


def test_student_exceptions_become_builtin_ones():
    error = remote_exception({"type": "Sneaky", "bases": ["ValueError", "Exception"], "message": "bad"})
    assert type(error) is ValueError and "Sneaky: bad" in str(error)
    assert type(remote_exception({"type": "SystemExit", "bases": ["SystemExit", "BaseException"]})) is RuntimeError


def test_cpu_time_of_a_process_tree():
    assert tree_cpu_seconds(os.getpid()) > 0
    assert tree_cpu_seconds(2**22 + 12345) == 0.0  # no such process


def test_unsandboxed_mode_runs_the_same_worker(tmp_path):
    client = start(tmp_path, [FUNCTIONS], mode="none")
    try:
        assert client.get("square_sum")(torch.ones(3)) == 3.0
    finally:
        client.close()


def test_batches_get_their_own_uids():
    bases = {sandbox.uid_base(f"/grades/course-{n}") for n in range(50)}
    assert len(bases) > 40
    assert all(sandbox.FIRST_UID <= b and b + sandbox.JOB_SLOTS <= sandbox.FIRST_UID + sandbox.UID_SPAN < 65534
               for b in bases)


def test_missing_bubblewrap_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    with pytest.raises(sandbox.SandboxUnavailable, match="apt-get install bubblewrap.*--sandbox none"):
        sandbox.check_available()


def test_the_grader_stays_torch_free():
    code = ("import sys, lmkit.course.grade, lmkit.course.judge.sandbox, lmkit.course.judge.verdicts; "
            "assert 'torch' not in sys.modules, 'the grader imported torch'")
    import subprocess

    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


@needs_sandbox
@pytest.mark.skipif(os.geteuid() != 0, reason="only a root grader drops to a uid that cannot read 0700 folders")
def test_a_python_environment_the_sandbox_uid_cannot_read_is_named(tmp_path, monkeypatch):
    # CI's first sandboxed run had every student "die": its venv came from `mktemp -d` (0700).
    closed = tmp_path / "venv"
    closed.mkdir(mode=0o700)
    paths = sandbox.read_only_paths()
    monkeypatch.setattr(sandbox, "read_only_paths", lambda: [*paths, closed])
    with pytest.raises(sandbox.SandboxUnavailable, match=f"{closed} \\(mode 700\\).*chmod o\\+rx"):
        sandbox.check_available()


@needs_sandbox
def test_a_notebook_namespace_with_graphs_numpy_scalars_and_enums_can_be_read(tmp_path):
    # 05's first rebuild left its training loop's `loss` (and the model, optimizer, generator...) at
    # top level: `fn.__globals__` then carried a graph, the judge walked the namespace item by item,
    # and an item that is not data ended the student's process (UnpicklingError): 0 for the test.
    cells = ["import dataclasses, torch\n"
             "model = torch.nn.Linear(3, 2)\n"
             "optimizer = torch.optim.AdamW(model.parameters())\n"
             "gen = torch.Generator().manual_seed(0)\n"
             "x = torch.randn(4, 3, generator=gen)\n"
             "loss = model(x).pow(2).mean()\n"
             "losses = [loss, model(x).mean()]\n"
             "items = iter(range(3))\n"
             "@dataclasses.dataclass\nclass Settings:\n    lr: float = 1e-3\n"
             "settings = Settings()\n"
             "device = torch.device('cpu')\n"
             "import enum, numpy as np\n"
             "accuracy = np.mean([1.0, 0.0, 1.0])\n"  # numpy.float64: a float subclass
             "class Split(enum.IntEnum):\n    TRAIN = 0\n    VALID = 1\n"
             "def f(x, device=None):\n    return x * 2\n"
             "def share(values):\n    return np.mean(values), np.int64(len(values)), Split.VALID\n"]
    client = start(tmp_path, cells)
    try:
        namespace = client.get("f").__globals__
        assert namespace.pop("device", None) == torch.device("cpu")
        namespace["device"] = torch.device("cpu")
        fetched = namespace["loss"]
        assert fetched.requires_grad and fetched.grad_fn is not None  # its own graph, fetched when read
        assert client.get("f")(torch.ones(2)).tolist() == [2.0, 2.0]
        # Every item of the namespace can be read (numpy scalars and enums arrive as plain numbers).
        assert all(namespace[name] is not ... for name in list(namespace))
        assert namespace["accuracy"] == pytest.approx(2 / 3)
        mean, count, split = client.get("share")([1.0, 2.0])
        assert (mean, count, split) == (1.5, 2, 1) and type(count) is int
    finally:
        client.close()
