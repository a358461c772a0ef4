"""The trusted judge: runs the instructor's notebook against the student's sandboxed code.

``python -m lmkit.course.judge.judge SPEC.json`` reads a spec written by the grader
(the instructor's notebook, the worker command, limits, where to write verdicts) and:

1. starts the worker, which begins running the student's notebook in the sandbox;
2. runs the *instructor's* cells here, in order, in one namespace:
   given cells as the instructor wrote them (never the student's copy);
   each answer cell with its solution blanked (imports and constants stay), after which
   every name the instructor's answer defines is bound to the student's object of
   that name in the worker (a ``proxy.Remote``, or the value if it is data);
   test cells with their hidden tests, each under a time limit, stdout captured;
3. writes ``verdicts.json``: per test cell, passed or the exception's class and message.

No student code runs in this process: it sees the student's work only as the data
their functions return. ``forbid_calls`` blocks in test cells are forwarded to the
worker, which applies the ban around each call it makes for the judge.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import re
import resource
import signal
import sys
import time
import traceback
import types
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..notebooks import nbgrader_meta

BEGIN_SOLUTION = re.compile(r"^(\s*)### BEGIN SOLUTION\s*$")
END_SOLUTION = re.compile(r"^\s*### END SOLUTION\s*$")
MAX_OUTPUT = 20_000  # characters of a test cell's printed output kept for the feedback


def cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def is_test(cell: dict) -> bool:
    meta = nbgrader_meta(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def is_answer(cell: dict) -> bool:
    return cell.get("cell_type") == "code" and bool(nbgrader_meta(cell).get("solution"))


def blank_solutions(source: str) -> str:
    """The answer cell as the student got it: each solution region becomes ``raise NotImplementedError()``."""
    lines, out, inside = source.splitlines(), [], False
    for line in lines:
        begin = BEGIN_SOLUTION.match(line)
        if begin and not inside:
            inside = True
            out.append(f"{begin.group(1)}raise NotImplementedError()")
        elif inside and END_SOLUTION.match(line):
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out) + "\n"


def defined_names(source: str) -> list[str]:
    """Top-level names an answer cell defines: functions, classes and assigned names (not imports)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
    return list(dict.fromkeys(names))


SEEDING = {"manual_seed", "seed", "seed_everything", "set_default_dtype", "filterwarnings", "simplefilter",
           "use_deterministic_algorithms", "set_num_threads", "set_rng_state"}
MUTATORS = {"append", "extend", "update", "add", "insert", "pop", "clear", "setdefault", "remove", "sort",
            "load_state_dict", "train", "eval", "to", "register_buffer", "step", "backward", "zero_grad", "apply"}


def _root(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _analyse(tree: ast.Module) -> tuple[set[str], set[str], set[str], bool]:
    """(names bound at top level, free names read, names changed in place, changes global state)."""
    import builtins

    bound: set[str] = set()
    local: set[str] = set()  # loop and comprehension targets, parameters, names inside functions
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            arguments = node.args
            local |= {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                                       *filter(None, [arguments.vararg, arguments.kwarg])]}
            if not isinstance(node, ast.Lambda):
                local |= {n.id for sub in node.body for n in ast.walk(sub)
                          if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        elif isinstance(node, ast.comprehension):
            local |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound |= {(a.asname or a.name).split(".")[0] for a in node.names}
        else:
            bound |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
                      and not _inside_function(tree, n)}
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    read -= set(dir(builtins))
    read -= local - bound
    changed: set[str] = set()
    global_state = False
    for node in ast.walk(tree):
        if isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, ast.Store):
            changed.add(_root(node) or "")
        elif isinstance(node, ast.AugAssign):
            changed.add(_root(node.target) or "")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in SEEDING:
            global_state = True
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in SEEDING and not isinstance(node.func.value, ast.Call):
                global_state = True  # torch.manual_seed(0), not torch.Generator().manual_seed(0)
            elif node.func.attr in MUTATORS or node.func.attr.endswith("_") and not node.func.attr.startswith("_"):
                changed.add(_root(node.func.value) or "")
    return bound, read, changed - {""}, global_state


def _inside_function(tree: ast.Module, target: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            if any(sub is target for sub in ast.walk(node)):
                return True
    return False


def needed_cells(cells: list[dict]) -> set[int]:
    """Indices of the code cells the tests depend on; the rest (plots, demos) the judge skips.

    Test and answer cells always run. A given cell runs if it binds a name that a later
    running cell reads, changes in place (a method such as ``load_state_dict`` or
    ``append``, an attribute or item assignment) a name a later running cell reads, or
    changes global state (``manual_seed``, warning filters). Skipping a cell only saves
    the judge's time: the student's notebook always runs whole, in the sandbox.
    """
    analysed = {}
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        try:
            analysed[index] = _analyse(ast.parse(cell_source(cell)))
        except SyntaxError:
            analysed[index] = (set(), set(), set(), True)
    needed: set[int] = set()
    wanted: set[str] = set()
    for index in sorted(analysed, reverse=True):
        cell = cells[index]
        bound, read, changed, global_state = analysed[index]
        if is_test(cell) or is_answer(cell) or global_state or (bound | changed) & wanted:
            needed.add(index)
            wanted |= read
    return needed


class _CellTimeout(BaseException):
    """Raised by the alarm; a BaseException so that ``except Exception`` in a test cannot swallow it."""


@contextmanager
def time_limit(seconds: float):
    def alarm(signum, frame):
        raise _CellTimeout(f"the cell ran past {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def forwarding_forbid_calls(client):
    """``lmkit.checks.forbid_calls`` for the judge: the ban is applied by the worker, around each call.

    A ban object may be entered several times, like the real one.
    """

    class forbid_calls:  # noqa: N801 - stands in for lmkit.checks.forbid_calls
        def __init__(self, exercise, *targets, namespace=None, **options):
            self.ban = ((exercise, *targets), dict(options))

        def __enter__(self):
            client.bans.append(self.ban)
            return self

        def __exit__(self, *exc_info):
            client.bans.remove(self.ban)
            return False

    return forbid_calls


class Judge:
    def __init__(self, notebook: dict, client, cell_timeout: float):
        self.notebook, self.client, self.cell_timeout = notebook, client, cell_timeout
        self.module = types.ModuleType("__main__")
        self.namespace = self.module.__dict__
        self.verdicts: dict[str, dict] = {}
        self.given_errors: list[str] = []
        self.given_seconds: dict[int, float] = {}

    def prepare(self) -> None:
        import lmkit.checks
        from IPython.display import display

        lmkit.checks.forbid_calls = forwarding_forbid_calls(self.client)
        self.namespace.update(display=display, get_ipython=lambda: None)
        sys.modules["__main__"] = self.module

    def run(self) -> dict:
        self.prepare()
        cells = self.notebook.get("cells", [])
        needed = needed_cells(cells)
        for index, cell in enumerate(cells):
            if cell.get("cell_type") != "code" or index not in needed:
                continue
            source = cell_source(cell)
            if is_test(cell):
                self.run_test(index, nbgrader_meta(cell).get("grade_id", f"cell-{index}"), source)
            elif is_answer(cell):
                self.run_given(index, blank_solutions(source))
                self.bind_answers(defined_names(source))
            else:
                self.run_given(index, source)
        return self.verdicts

    def _exec(self, index: int, source: str) -> None:
        from .protocol import WALL_FACTOR

        code = compile(source, f"<instructor cell {index}>", "exec")
        with time_limit(self.cell_timeout * WALL_FACTOR):  # the student's share is limited in CPU time
            exec(code, self.namespace)  # noqa: S102 - the instructor's own cells

    def run_given(self, index: int, source: str) -> None:
        sink = io.StringIO()
        started = time.monotonic()
        try:
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                self._exec(index, source)
        except BaseException as err:  # noqa: BLE001 - a given cell that fails on the student's code
            if isinstance(err, (KeyboardInterrupt, SystemExit)):
                raise
            self.given_errors.append(f"cell {index}: {type(err).__name__}: {str(err)[:300]}")
        finally:
            self.given_seconds[index] = round(time.monotonic() - started, 2)

    def bind_answers(self, names: list[str]) -> None:
        from .proxy import CallTimeout, WorkerGone

        for name in names:
            try:
                self.namespace[name] = self.client.get(name)
            except NameError:
                self.namespace.pop(name, None)  # not defined by the student: later uses raise NameError
            except (WorkerGone, CallTimeout, RuntimeError) as err:
                self.namespace.pop(name, None)
                self.given_errors.append(f"binding {name}: {err}")

    def run_test(self, index: int, grade_id: str, source: str) -> None:
        from .proxy import CallTimeout, WorkerGone

        output = io.StringIO()
        started = time.monotonic()
        verdict: dict[str, Any] = {"passed": True}
        try:
            with contextlib.redirect_stdout(output), contextlib.redirect_stderr(io.StringIO()):
                self._exec(index, source)
        except (_CellTimeout, CallTimeout) as err:
            verdict = {"passed": False, "ename": "TimeoutError", "timeout": True,
                       "evalue": f"the test ran past the grader's time limit ({err})"}
        except WorkerGone as err:
            verdict = {"passed": False, "ename": "RuntimeError", "evalue": str(err), "worker_gone": True}
        except Exception as err:  # noqa: BLE001 - a failed test is a verdict, not a crash
            verdict = {"passed": False, "ename": type(err).__name__, "evalue": str(err)[:4000]}
        verdict["output"] = output.getvalue()[:MAX_OUTPUT]
        verdict["seconds"] = round(time.monotonic() - started, 3)
        self.verdicts[grade_id] = verdict


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    if spec.get("memory"):
        limit = int(spec["memory"])
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import torch

    from .proxy import WorkerClient

    torch.set_num_threads(max(1, int(spec.get("threads", 1))))
    notebook = json.loads(Path(spec["source"]).read_text(encoding="utf-8"))
    client = WorkerClient(spec["worker_command"], spec["cells_arg"], cell_timeout=spec["cell_timeout"],
                          call_timeout=spec["cell_timeout"], ready_timeout=spec["ready_timeout"],
                          env=spec.get("worker_env"), log_path=spec.get("worker_log"))
    report: dict[str, Any] = {"tests": {}, "given_errors": [], "events": [], "worker_failures": []}
    try:
        client.start()
        judge = Judge(notebook, client, spec["cell_timeout"])
        try:
            report["tests"] = judge.run()
        finally:
            report["given_errors"] = judge.given_errors
            report["given_seconds"] = judge.given_seconds
    except Exception:  # noqa: BLE001 - the grader reads a missing verdict as a failed test
        report["crash"] = traceback.format_exc()[-4000:]
    finally:
        report["events"], report["worker_failures"] = client.events, client.failures
        client.close()
        report["worker_peak_memory"] = client.peak_memory
        report["worker_starts"] = client.launches
        report["worker_died"] = client.died
        client.close()
    Path(spec["verdicts"]).write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
