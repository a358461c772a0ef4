"""Shared pytest fixtures.

``device`` runs a test on the CPU and, where one is available, on CUDA (and MPS);
tests that take it are skipped on devices the machine lacks.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")


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
