"""Reading a Hugging Face model directory: config.json, weights, renaming tensors.

Backs 02 §8 and 05 §6 (real pretrained weights), through :mod:`lmkit.hub.gpt2` and
:mod:`lmkit.hub.bert`. A Hugging Face model directory holds a ``config.json``
(hyper-parameters), the weights (``model.safetensors``, sharded safetensors or the
older pickled ``pytorch_model.bin``) and the tokenizer files. Loading one into our
own classes is mostly renaming: each checkpoint tensor has one place in the lmkit
model. Nothing here imports ``transformers`` or reaches the network.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

SAFETENSORS_NAME = "model.safetensors"
SAFETENSORS_INDEX_NAME = "model.safetensors.index.json"
PYTORCH_NAME = "pytorch_model.bin"


class MissingCheckpointFile(FileNotFoundError, ValueError):
    """A file a checkpoint directory must contain is not there."""


def _checkpoint_dir(path: str | Path) -> Path:
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path must be a str or pathlib.Path to a model directory; got {type(path).__name__}")
    directory = Path(path)
    if not directory.is_dir():
        raise MissingCheckpointFile(f"path must be a model directory; {str(directory)!r} is not a directory")
    return directory


def _read_json(file: Path) -> dict:
    if not file.is_file():
        raise MissingCheckpointFile(f"expected {file.name} in {str(file.parent)!r}; it is missing")
    with open(file, encoding="utf-8") as f:
        try:
            data = json.load(f)
        except json.JSONDecodeError as error:
            raise ValueError(f"{str(file)!r} must hold valid JSON; got a parse error: {error}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{str(file)!r} must hold a JSON object (key: value); got a JSON {type(data).__name__}")
    return data


def _config_from_hf(hf: dict, fields: dict, config_cls, what: str, **fixed):
    """Build an lmkit config from a Hugging Face config.json with a field table
    ``{our field: ((their keys...), default)}``; ``fixed`` are set directly.

    A bad value is reported with the Hugging Face key it came from, since that is
    the name the reader sees in the file.
    """
    values, origin = {}, {}
    for ours, (keys, default) in fields.items():
        key = next((k for k in keys if k in hf and hf[k] is not None), None)
        values[ours], origin[ours] = (hf[key], key) if key is not None else (default, None)
    try:
        return config_cls(**values, **fixed)
    except (TypeError, ValueError) as error:
        field = next((f for f in values if str(error).startswith(f + " ")), None)
        source = f" (config.json key {origin[field]!r})" if field and origin[field] else ""
        raise ValueError(f"the {what} config.json does not give a valid {config_cls.__name__}: {error}{source}") from None


def _read_state_dict(directory: Path) -> dict[str, torch.Tensor]:
    """All tensors of a checkpoint, from safetensors (single or sharded) or a .bin pickle."""
    from safetensors.torch import load_file  # a small, torch-only dependency

    single = directory / SAFETENSORS_NAME
    index = directory / SAFETENSORS_INDEX_NAME
    pickled = directory / PYTORCH_NAME
    if single.is_file():
        return load_file(str(single))
    if index.is_file():
        shards = sorted(set(_read_json(index)["weight_map"].values()))
        state: dict[str, torch.Tensor] = {}
        for shard in shards:
            state.update(load_file(str(directory / shard)))
        return state
    if pickled.is_file():
        return torch.load(pickled, map_location="cpu", weights_only=True)
    raise MissingCheckpointFile(
        f"expected weights in {str(directory)!r}: {SAFETENSORS_NAME}, {SAFETENSORS_INDEX_NAME} or {PYTORCH_NAME}; "
        f"found none of them (files: {sorted(p.name for p in directory.iterdir())})"
    )


def _strip_prefix(state: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    return {name.removeprefix(prefix): tensor for name, tensor in state.items()}


def _copy_into(model: torch.nn.Module, tensors: dict[str, torch.Tensor], source: dict[str, str]) -> list[str]:
    """Copy ``tensors`` (lmkit name -> tensor) into the model's parameters.

    ``source`` maps each lmkit name to the checkpoint name it came from, for error
    messages. Returns the names of the model's parameters that were not given.
    """
    params = dict(model.named_parameters())  # tied weights appear once
    for name, tensor in tensors.items():
        if name not in params:
            raise ValueError(f"checkpoint tensor {source[name]!r} maps to {name!r}, which the model does not have")
        target = params[name]
        if target.shape != tensor.shape:
            raise ValueError(
                f"shape mismatch for {source[name]!r} -> {name!r}: the model expects "
                f"{tuple(target.shape)}, the checkpoint has {tuple(tensor.shape)}"
            )
        with torch.no_grad():
            target.copy_(tensor.to(target.dtype))
    return [name for name in params if name not in tensors]


def _reject_unexpected(names: set[str], what: str) -> None:
    if names:
        listed = sorted(names)
        more = f" (and {len(listed) - 5} more)" if len(listed) > 5 else ""
        raise ValueError(f"unexpected tensors in the {what} checkpoint: {listed[:5]}{more}")


def _place(model: torch.nn.Module, device: str | torch.device | None, dtype: torch.dtype | None) -> None:
    if dtype is not None:
        if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
            raise TypeError(f"dtype must be a floating torch.dtype; got {dtype!r}")
        model.to(dtype=dtype)
    if device is not None:
        model.to(device=device)


def _require(state: dict[str, torch.Tensor], name: str) -> torch.Tensor:
    if name not in state:
        raise ValueError(f"the checkpoint lacks tensor {name!r}")
    return state[name]
