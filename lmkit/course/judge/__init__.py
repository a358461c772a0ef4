"""Verdicts made outside the student's process.

``lmkit grade`` never runs a test cell where student code can reach it. Per student:

* the **worker** (``worker.py``) runs in a sandbox (``sandbox.py``: bubblewrap, an
  unprivileged uid, no network, its own PID namespace, a private folder, rlimits). It
  executes the student's notebook, test cells left out, then answers requests from
  the judge over two pipes: "call this function with these arguments", "get this
  attribute", "run backward from this output";
* the **judge** (``judge.py``) is a separate, trusted process. It executes the
  *instructor's* notebook: given cells as written by the instructor, test cells with
  their hidden tests, and, in place of each answer cell, proxies (``proxy.py``) that
  forward calls to the student's functions and classes in the worker. Inputs and
  references are computed by the judge; only data comes back (``protocol.py``:
  tensors and plain values, read with ``torch.load(weights_only=True)``), and the
  comparison that decides a test is made in the judge;
* nbgrader stays the record: its autograde runs with the kernel replaced by
  ``verdicts.ApplyVerdicts``, which writes the judge's outcome into each test cell,
  and nbgrader scores, stores and renders feedback as usual.

Importing this package is cheap; ``verdicts`` and ``sandbox`` never import torch, so
the grader (``lmkit.course.grade``) stays torch-free. ``judge``, ``worker``, ``proxy``
and ``protocol`` import torch and run only in their own processes.
"""
