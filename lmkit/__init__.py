"""lmkit: small, readable PyTorch reference kernels for the lmkit course.

The package imports lazily: ``import lmkit`` is cheap and does not import torch,
so the course tooling (``lmkit course``, ``lmkit grade``) runs without the model
code. Names such as ``lmkit.get_device`` or ``lmkit.attention`` load their
module on first use.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

__version__ = "0.1.0"

# Public name -> module that defines it.
_LAZY_NAMES = {
    "get_device": "lmkit.runtime",
    "seed_everything": "lmkit.runtime",
    "quick_mode": "lmkit.runtime",
    "generate": "lmkit.generation",
}

_SUBMODULES = {
    "attention",
    "checks",
    "data",
    "embeddings",
    "finetuning",
    "generation",
    "hub",
    "instruct",
    "layers",
    "lora",
    "models",
    "pretrained",
    "pretraining",
    "runtime",
    "tasks",
    "tokenizers",
    "training",
    "viz",
}

__all__ = sorted({"__version__", *_LAZY_NAMES, *_SUBMODULES})


def _configure_threads() -> None:
    """Set torch's thread count from the CPUs this process may really use (lmkit.runtime does it on import)."""
    try:
        importlib.import_module(f"{__name__}.runtime")
    except Exception as err:  # never break `import torch` over a thread count
        import warnings

        warnings.warn(f"lmkit could not set torch's thread count: {err}", RuntimeWarning, stacklevel=2)


class _ThreadsWhenTorchLoads:
    """Meta-path finder for ``torch`` only: once torch has loaded, :func:`_configure_threads` runs.

    torch's default thread count is the machine's core count, which oversubscribes a container
    limited to fewer CPUs by a cgroup quota (Binder: 1 CPU) — see ``lmkit.runtime.configure_threads``.
    This hook does it once, whichever imports torch first (an lmkit kernel or the notebook), and
    keeps ``import lmkit`` itself free of torch. It steps aside after its one use.
    """

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "torch":
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        spec = importlib.util.find_spec("torch")
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)
            _configure_threads()

        spec.loader.exec_module = exec_module  # this loader instance serves torch/__init__.py only
        return spec


if "torch" in sys.modules:
    _configure_threads()
elif not any(type(finder).__name__ == "_ThreadsWhenTorchLoads" for finder in sys.meta_path):
    sys.meta_path.insert(0, _ThreadsWhenTorchLoads())


def __getattr__(name: str):
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(_LAZY_NAMES[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"lmkit.{name}")
    else:
        raise AttributeError(f"module 'lmkit' has no attribute {name!r}")
    globals()[name] = value  # cache: later look-ups skip __getattr__
    return value


def __dir__():
    return __all__
