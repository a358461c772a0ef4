"""Checkpoints that resume exactly: model, optimiser, step and every RNG state.

Backs 04 §6 (checkpoints that resume exactly): a resumed run reproduces the
uninterrupted one bit for bit, because every random number generator is saved.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from lmkit import _validate


def _numpy_state_to_saveable(state: tuple) -> tuple:
    name, keys, pos, has_gauss, cached = state
    return (name, torch.from_numpy(np.asarray(keys, dtype=np.int64)), int(pos), int(has_gauss), float(cached))


def _numpy_state_from_saved(state: tuple) -> tuple:
    name, keys, pos, has_gauss, cached = state
    return (name, keys.numpy().astype(np.uint32), pos, has_gauss, cached)


def _check_generators(generators: Mapping[str, torch.Generator] | None) -> dict[str, torch.Generator]:
    if generators is None:
        return {}
    if not isinstance(generators, Mapping) or not all(isinstance(g, torch.Generator) for g in generators.values()):
        raise TypeError("generators must be a dict name -> torch.Generator")
    return dict(generators)


def save_checkpoint(
    path: str | Path,
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    *,
    step: int,
    generators: Mapping[str, torch.Generator] | None = None,
    scheduler: object | None = None,
    extra: dict | None = None,
) -> Path:
    """Save everything a run needs to continue exactly where it stopped.

    That is the model and optimizer (Adam's moment estimates!) state, the step, and
    every random number generator: torch's global CPU (and CUDA) RNG, which dropout
    uses; Python's and NumPy's; and the named ``generators`` that drive the data (e.g.
    the one given to :func:`batch_blocks` or :func:`mask_tokens`). Leave out one of
    them and the resumed loss curve drifts away from the uninterrupted one.
    ``extra``: any other small picklable-free values (numbers, strings, lists of them).
    ``path``'s folder must exist (it is not created). Returns the path written.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    _validate.non_negative_int("step", step)
    path = _validate.path("path", path)
    if not path.parent.is_dir():  # a typo in the folder should not create a tree of folders
        raise ValueError(f"path must be in an existing folder; got {str(path)!r}, whose folder {str(path.parent)!r} "
                         "does not exist (create it first, e.g. with Path(folder).mkdir(parents=True))")
    state = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "step": step,
        "torch_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "python_rng": random.getstate(),
        "numpy_rng": _numpy_state_to_saveable(np.random.get_state()),
        "generators": {name: g.get_state() for name, g in _check_generators(generators).items()},
        "extra": extra or {},
    }
    torch.save(state, path)
    return path


def load_checkpoint(
    path: str | Path,
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    *,
    generators: Mapping[str, torch.Generator] | None = None,
    scheduler: object | None = None,
    map_location: str | torch.device | None = "cpu",
) -> dict:
    """Restore a checkpoint written by :func:`save_checkpoint` into fresh objects.

    Loads the model, optimizer and scheduler states, sets the global torch / CUDA /
    Python / NumPy RNGs and the named ``generators`` back, and returns
    ``{"step": int, "extra": dict}``. Loading uses ``weights_only=True``: a
    checkpoint cannot run code.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    gens = _check_generators(generators)
    state = torch.load(Path(path), map_location=map_location, weights_only=True)
    missing = sorted(set(gens) - set(state["generators"]))
    if missing:
        raise ValueError(f"the checkpoint has no state for generator(s) {missing}; it has {sorted(state['generators'])}")
    model.load_state_dict(state["model"])
    if optimizer is not None:
        if state["optimizer"] is None:
            raise ValueError("an optimizer was given but the checkpoint was saved without one")
        optimizer.load_state_dict(state["optimizer"])
    if scheduler is not None and state["scheduler"] is not None:
        scheduler.load_state_dict(state["scheduler"])
    torch.set_rng_state(state["torch_rng"].cpu())
    if state["cuda_rng"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda_rng"]])
    random.setstate(_as_python_state(state["python_rng"]))
    np.random.set_state(_numpy_state_from_saved(state["numpy_rng"]))
    for name, g in gens.items():
        g.set_state(state["generators"][name].cpu())
    return {"step": state["step"], "extra": state["extra"]}


def _as_python_state(state) -> tuple:
    """random.setstate needs tuples; a round trip may give lists."""
    version, internal, gauss = state
    return (version, tuple(internal), gauss)
