"""lmkit.kernels.flash: the PyTorch tiled attention's recomputing backward.

Gradients are compared with torch's SDPA in fp64 (1e-10) and checked by gradcheck; memory is
checked structurally, not by timing or by the allocator: every tensor autograd saves for the
backward passes through torch.autograd.graph.saved_tensors_hooks, so we can list them and
assert that none is (Lq, Lk)-sized -- the reference kernel, checked the same way, saves its
full score matrix.
"""
import pytest
import torch
import torch.nn.functional as F

from lmkit.attention import causal_mask, flash_attention, scaled_dot_product_attention


def _qkv(lead, Lq, Lk, d, dv, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(*lead, L, w, generator=g, dtype=torch.float64).requires_grad_()
            for L, w in ((Lq, d), (Lk, d), (Lk, dv))]


def _grads(fn, q, k, v, grad):
    for t in (q, k, v):
        t.grad = None
    fn(q, k, v).backward(grad)
    return [t.grad.clone() for t in (q, k, v)]


@pytest.mark.parametrize("block", [1, 3, 16, 64])
@pytest.mark.parametrize("case", ["plain", "causal", "end_aligned", "bool_mask", "float_mask", "broadcast"])
def test_gradients_match_sdpa(case, block):
    lead_k = (1, 3) if case == "broadcast" else (2, 3)                 # k, v broadcast over q's batch
    Lq, Lk = (7, 19) if case == "end_aligned" else (13, 13)
    q, *_ = _qkv((2, 3), Lq, Lk, 8, 5)
    _, k, v = _qkv(lead_k, Lq, Lk, 8, 5, seed=1)
    mask, kw = None, {}
    if case == "bool_mask":
        mask = torch.rand(Lq, Lk, generator=torch.Generator().manual_seed(3)) > 0.4
        mask[:, 0] = True
    elif case == "float_mask":
        mask = torch.randn(2, 1, Lq, Lk, dtype=torch.float64)
    elif case in ("causal", "end_aligned"):
        kw = dict(is_causal=True)
    explicit = causal_mask(Lq, Lk=Lk) if kw else mask
    grad = torch.randn(2, 3, Lq, 5, dtype=torch.float64)
    mine = _grads(lambda a, b, c: flash_attention(a, b, c, mask, block_size=block, **kw), q, k, v, grad)
    theirs = _grads(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, attn_mask=explicit), q, k, v, grad)
    for name, a, b in zip("qkv", mine, theirs):
        torch.testing.assert_close(a, b, atol=1e-10, rtol=0, msg=f"d{name} ({case}, block {block})")


def test_gradcheck_causal_end_aligned_and_empty_rows():
    q, k, v = _qkv((2,), 4, 6, 3, 2)
    assert torch.autograd.gradcheck(lambda a, b, c: flash_attention(a, b, c, is_causal=True, block_size=4), (q, k, v))
    mask = torch.ones(4, 6, dtype=torch.bool)
    mask[2] = False                                                    # a query row that sees nothing
    assert torch.autograd.gradcheck(lambda a, b, c: flash_attention(a, b, c, mask, block_size=3), (q, k, v))
    flash_attention(q, k, v, mask, block_size=3).sum().backward()
    assert (q.grad[:, 2] == 0).all() and not q.grad.isnan().any()


def test_a_float_mask_that_needs_a_gradient_still_gets_one():
    q, k, v = _qkv((1,), 5, 5, 4, 4)
    bias = torch.randn(5, 5, dtype=torch.float64, requires_grad=True)   # e.g. a learned relative-position bias
    flash_attention(q, k, v, bias, block_size=2).sum().backward()
    mine = bias.grad.clone()
    bias.grad = None
    F.scaled_dot_product_attention(q, k, v, attn_mask=bias).sum().backward()
    torch.testing.assert_close(mine, bias.grad, atol=1e-10, rtol=0)


def _saved_shapes(fn, *inputs):
    shapes = []

    def pack(t):
        shapes.append(tuple(t.shape))
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn(*inputs).sum().backward()
    return shapes


def test_nothing_of_size_L_by_L_is_saved_for_the_backward():
    L, d = 512, 16
    q, k, v = (torch.randn(1, 2, L, d, requires_grad=True) for _ in range(3))
    flash = _saved_shapes(lambda a, b, c: flash_attention(a, b, c, is_causal=True, block_size=64), q, k, v)
    reference = _saved_shapes(lambda a, b, c: scaled_dot_product_attention(a, b, c, is_causal=True), q, k, v)
    numel = lambda shape: torch.Size(shape).numel()  # noqa: E731
    assert max(numel(s) for s in reference) >= 2 * L * L, "the check must see the reference's score matrix"
    assert max(numel(s) for s in flash) <= 2 * L * d, f"flash saved {sorted(flash, key=numel)[-3:]}"
    assert sum(numel(s) for s in flash) <= 5 * 2 * L * d   # q, k, v, out and the (L, 1) logsumexp
