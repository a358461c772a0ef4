"""The narrow channel between the judge and the sandboxed worker.

Frames are an 8-byte length followed by a payload, over a pair of pipes.

* judge -> worker: ``pickle`` (the worker trusts the judge; the judge's objects, such
  as a ``Vocabulary`` or a ``torch.Generator``, arrive as copies);
* worker -> judge: ``torch.save`` of *wire values* only, read back with
  ``torch.load(weights_only=True)``, which refuses anything but tensors, numbers,
  strings, bytes, ``None``, lists, tuples, sets, dicts and a few torch types. An object
  that is not data (a function, a module, an iterator) travels as a *handle*: an id
  into the worker's table, which the judge wraps in a ``proxy.Remote``.

Wire values (built by ``to_wire`` in the worker, read by ``from_wire`` in the judge)
mark the cases that need more than the value itself with a one-key tag::

    {TAG: "dict", "items": [(key, value), ...]}          # every dict, so no dict can pose as a tag
    {TAG: "tensor", "data": t, "grad": g, "requires_grad": b, "parameter": b, "graph": b}
    {TAG: "handle", "id": n, "type": "pkg.Class", "callable": b, "module": b}

What the channel cannot carry, it refuses with a ``TypeError`` naming the type.
"""

from __future__ import annotations

import io
import os
import pickle
import struct
from typing import Any

TAG = "__lmkit_wire__"
# Time limits are on CPU time, which a busy machine does not stretch; WALL_FACTOR times the
# limit in wall-clock time only catches code that waits without computing (a sleep).
WALL_FACTOR = 10
MAX_FRAME = 512 * 2**20  # bytes: a frame larger than this is a broken or hostile peer
MAX_DEPTH = 64
_HEADER = struct.Struct(">Q")


class ChannelError(RuntimeError):
    """The other side sent something that is not a valid frame, or went away."""


# --- frames -------------------------------------------------------------------------------


def write_frame(fd: int, payload: bytes) -> None:
    data = _HEADER.pack(len(payload)) + payload
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read_exactly(fd: int, size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise ChannelError("the other side closed the channel")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> bytes:
    (size,) = _HEADER.unpack(_read_exactly(fd, _HEADER.size))
    if size > MAX_FRAME:
        raise ChannelError(f"a frame of {size} bytes is larger than the {MAX_FRAME}-byte limit")
    return _read_exactly(fd, size)


# --- judge -> worker ----------------------------------------------------------------------


def dump_request(request: dict) -> bytes:
    try:
        return pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError) as err:
        raise TypeError(f"the grader cannot send this value to your code: {err}") from None


def load_request(payload: bytes) -> dict:
    return pickle.loads(payload)


# --- worker -> judge ----------------------------------------------------------------------


def dump_reply(reply: Any) -> bytes:
    import torch

    buffer = io.BytesIO()
    torch.save(reply, buffer)
    return buffer.getvalue()


def load_reply(payload: bytes) -> Any:
    """Only data: ``weights_only`` refuses every class outside torch's short allow-list."""
    import torch

    try:
        return torch.load(io.BytesIO(payload), weights_only=True, map_location="cpu")
    except Exception as err:  # noqa: BLE001 - anything else is a protocol violation
        raise ChannelError(f"the student's process sent something that is not data ({type(err).__name__})") from None


_SCALARS = (bool, int, float, complex, str, bytes)


def is_data_scalar(value: Any) -> bool:
    return value is None or isinstance(value, _SCALARS)


def to_wire(value: Any, handle_of, depth: int = 0) -> Any:
    """Worker side: ``value`` as wire data; ``handle_of(obj) -> dict`` for non-data objects."""
    import torch

    if depth > MAX_DEPTH:
        raise TypeError("the value is nested too deeply to send back")
    if value is None or type(value) in _SCALARS:
        return value
    if isinstance(value, (torch.dtype, torch.device, torch.Size)):
        return value
    if isinstance(value, _SCALARS):
        # A subclass would be pickled as its own class, which the judge's loader refuses (the whole
        # channel then fails): numpy's float64 (a float subclass, what np.mean returns), an IntEnum...
        numpy_value = _numpy_to_data(value)
        if numpy_value is not None:
            return numpy_value
        base = next(t for t in type(value).__mro__ if t in _SCALARS)
        return base(value)
    if isinstance(value, torch.Tensor):
        tensor = value.detach()
        if type(tensor) is not torch.Tensor:
            tensor = torch.Tensor._make_subclass(torch.Tensor, tensor)  # a plain tensor, whatever the subclass
        own_grad = value.grad if value.is_leaf else None
        if value.requires_grad or own_grad is not None or isinstance(value, torch.nn.Parameter):
            grad = own_grad.detach().clone() if own_grad is not None else None
            return {TAG: "tensor", "data": tensor.clone(), "grad": grad, "requires_grad": bool(value.requires_grad),
                    "parameter": isinstance(value, torch.nn.Parameter), "graph": value.grad_fn is not None}
        return tensor.clone() if tensor._base is not None else tensor
    if type(value) in (list, tuple, set):
        items = [to_wire(v, handle_of, depth + 1) for v in value]
        return items if type(value) is list else tuple(items) if type(value) is tuple else set(items)
    if isinstance(value, dict):
        return {TAG: "dict", "items": [(to_wire(k, handle_of, depth + 1), to_wire(v, handle_of, depth + 1))
                                       for k, v in value.items()]}
    numpy_value = _numpy_to_data(value)
    if numpy_value is not None:
        return numpy_value
    return handle_of(value)


def _numpy_to_data(value: Any) -> Any:
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is a dependency
        return None
    import torch

    if isinstance(value, np.ndarray) and value.dtype != object:
        return {TAG: "ndarray", "data": torch.from_numpy(np.ascontiguousarray(value).copy())}
    if isinstance(value, np.generic):
        return value.item()
    return None


def from_wire(value: Any, make_handle, depth: int = 0) -> Any:
    """Judge side: the inverse of ``to_wire``; ``make_handle(tag) -> proxy`` for handles."""
    import torch

    if depth > MAX_DEPTH:
        raise ChannelError("the reply is nested too deeply")
    if is_data_scalar(value) or isinstance(value, (torch.dtype, torch.device, torch.Size)):
        return value
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, list):
        return [from_wire(v, make_handle, depth + 1) for v in value]
    if isinstance(value, tuple):
        return tuple(from_wire(v, make_handle, depth + 1) for v in value)
    if isinstance(value, set):
        return {from_wire(v, make_handle, depth + 1) for v in value}
    if isinstance(value, dict):
        kind = value.get(TAG)
        if kind == "dict":
            return {from_wire(k, make_handle, depth + 1): from_wire(v, make_handle, depth + 1)
                    for k, v in value["items"]}
        if kind == "tensor":
            data = value["data"]
            if not isinstance(data, torch.Tensor):
                raise ChannelError("a tensor tag without a tensor")
            if value.get("parameter"):
                tensor = torch.nn.Parameter(data, requires_grad=bool(value.get("requires_grad")))
            else:
                tensor = data.requires_grad_(bool(value.get("requires_grad")) and data.dtype.is_floating_point)
            grad = value.get("grad")
            if isinstance(grad, torch.Tensor) and grad.shape == data.shape:
                tensor.grad = grad
            if value.get("graph") and tensor.requires_grad:
                tensor._lm_graph = True  # an output of the worker's autograd graph (see client._attach)
            return tensor
        if kind == "ndarray":
            return value["data"].numpy()
        if kind == "handle":
            return make_handle(value)
        raise ChannelError(f"unknown wire tag {kind!r}")
    raise ChannelError(f"unexpected {type(value).__name__} in a reply")
