"""Tests for lmkit.checks: the assertion helpers used by notebook test cells."""

from __future__ import annotations

import pytest
import torch

from lmkit.checks import check_close, check_probabilities, check_tensor


def test_check_tensor_passes_and_returns_value(device):
    x = torch.zeros(3, 4, device=device)
    assert check_tensor(x, "x", shape=(3, 4), dtype=torch.float32, device=device) is x
    check_tensor(x, "x", shape=(None, 4))


def test_check_tensor_reports_type_first():
    with pytest.raises(AssertionError, match="expected a torch.Tensor for `x`, got list"):
        check_tensor([[1.0]], "x", shape=(1, 1))


def test_check_tensor_shape_dtype_device_messages():
    x = torch.zeros(4, 3)
    with pytest.raises(AssertionError, match=r"`x` has the wrong shape: \(3, 4\) expected, got \(4, 3\)"):
        check_tensor(x, "x", shape=(3, 4))
    with pytest.raises(AssertionError, match=r"\(\?, 4\) expected, got \(4, 3\)"):
        check_tensor(x, "x", shape=(None, 4))
    with pytest.raises(AssertionError, match=r"\(3,\) expected, got \(4, 3\)"):
        check_tensor(x, "x", shape=(3,))
    with pytest.raises(AssertionError, match="torch.int64 expected, got torch.float32"):
        check_tensor(x, "x", dtype=torch.long)
    with pytest.raises(AssertionError, match="wrong device: meta expected, got cpu"):
        check_tensor(x, "x", device="meta")


def test_check_close_passes_within_tolerance(device):
    expected = torch.linspace(0, 1, 10, device=device)
    check_close(expected + 1e-7, expected, "y", atol=1e-6, rtol=0)
    check_close(torch.tensor(float("nan")), torch.tensor(float("nan")), "nan")


def test_check_close_reports_first_mismatch():
    expected = torch.zeros(2, 3)
    actual = expected.clone()
    actual[1, 2] = 0.5
    actual[0, 1] = 0.25
    with pytest.raises(AssertionError) as info:
        check_close(actual, expected, "y", atol=1e-3, rtol=0)
    message = str(info.value)
    assert "2 of 6 values differ" in message
    assert "first at index (0, 1): got 0.25, expected 0" in message
    assert "max abs difference 0.5" in message


def test_check_close_checks_type_and_shape_first():
    with pytest.raises(AssertionError, match="expected a torch.Tensor for `y`, got float"):
        check_close(1.0, torch.tensor(1.0), "y")
    with pytest.raises(AssertionError, match=r"\(2,\) expected, got \(3,\)"):
        check_close(torch.zeros(3), torch.zeros(2), "y")


def test_check_close_compares_across_dtypes():
    check_close(torch.tensor([1, 2]), torch.tensor([1.0, 2.0]), "ints")
    with pytest.raises(AssertionError, match=r"\(a scalar\): got 2, expected 1"):
        check_close(torch.tensor(2.0), torch.tensor(1.0), "s")


def test_check_probabilities():
    check_probabilities(torch.softmax(torch.randn(4, 5), dim=-1), "p")
    check_probabilities(torch.full((2, 3), 0.5), "p", dim=0)
    with pytest.raises(AssertionError, match="negative entry -0.1 at index \\(1,\\)"):
        check_probabilities(torch.tensor([0.6, -0.1, 0.5]), "p")
    with pytest.raises(AssertionError, match="should sum to 1 along dim -1; the slice at \\(1,\\) sums to 0.5"):
        check_probabilities(torch.tensor([[0.5, 0.5], [0.25, 0.25]]), "p")
    with pytest.raises(AssertionError, match="contains nan"):
        check_probabilities(torch.tensor([float("nan"), 1.0]), "p")
    with pytest.raises(AssertionError, match="got dtype torch.int64"):
        check_probabilities(torch.tensor([1, 0]), "p")
    with pytest.raises(AssertionError, match="expected a torch.Tensor for `p`, got list"):
        check_probabilities([0.5, 0.5], "p")
