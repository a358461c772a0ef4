import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from lmkit.attention import (KVCache, MultiHeadAttention, causal_mask, flash_attention, padding_mask,
                             scaled_dot_product_attention)

KERNELS = {"reference": scaled_dot_product_attention,
           "flash": lambda *a, **kw: flash_attention(*a, block_size=kw.pop("block_size", 7), **kw)}
SHAPES = [((2,), 5, 9, 8, 4), ((2, 3), 16, 16, 16, 16), ((1, 2, 2), 13, 30, 8, 12), ((), 64, 64, 32, 32)]


def _qkv(lead, Lq, Lk, d, dv, dtype, device, seed=0):
    g = torch.Generator().manual_seed(seed)
    mk = lambda *s: torch.randn(*lead, *s, generator=g, dtype=dtype).to(device)
    return mk(Lq, d), mk(Lk, d), mk(Lk, dv)


@pytest.mark.parametrize("kernel", list(KERNELS))
@pytest.mark.parametrize("dtype,atol", [(torch.float32, 1e-5), (torch.float64, 1e-10)])
@pytest.mark.parametrize("shape", SHAPES)
def test_parity_with_torch(device, kernel, dtype, atol, shape):
    q, k, v = _qkv(*shape, dtype, device)
    fn = KERNELS[kernel]
    Lq, Lk = shape[1], shape[2]
    bool_mask = torch.rand(Lq, Lk, device=device) > 0.3
    bool_mask[:, 0] = True
    float_mask = torch.randn(Lq, Lk, dtype=dtype, device=device)
    cases = [dict(), dict(scale=0.3)]
    for kw in cases:
        torch.testing.assert_close(fn(q, k, v, **kw), F.scaled_dot_product_attention(q, k, v, **kw), atol=atol, rtol=0)
    for m in (bool_mask, float_mask):
        torch.testing.assert_close(fn(q, k, v, m), F.scaled_dot_product_attention(q, k, v, attn_mask=m), atol=atol, rtol=0)
    if Lq == Lk:
        torch.testing.assert_close(fn(q, k, v, is_causal=True),
                                   F.scaled_dot_product_attention(q, k, v, is_causal=True), atol=atol, rtol=0)


@pytest.mark.parametrize("block", [1, 4, 5, 64])
def test_flash_end_aligned_causal_matches_explicit_mask(block):
    q, k, v = _qkv((2,), 6, 17, 8, 8, torch.float64, "cpu")
    ref = F.scaled_dot_product_attention(q, k, v, attn_mask=causal_mask(6, Lk=17))
    torch.testing.assert_close(flash_attention(q, k, v, is_causal=True, block_size=block), ref, atol=1e-10, rtol=0)
    torch.testing.assert_close(scaled_dot_product_attention(q, k, v, is_causal=True), ref, atol=1e-10, rtol=0)


def test_masks():
    assert causal_mask(2, Lk=4).tolist() == [[True, True, True, False], [True, True, True, True]]
    pm = padding_mask(torch.tensor([1, 3]))
    assert pm.shape == (2, 1, 1, 3) and pm[0, 0, 0].tolist() == [True, False, False]
    assert torch.equal(padding_mask(attention_mask=torch.tensor([[1, 0, 0], [1, 1, 1]])), pm)


@pytest.mark.parametrize("kernel", list(KERNELS))
def test_gradcheck(kernel):
    q, k, v = (t.requires_grad_() for t in _qkv((2,), 5, 6, 4, 3, torch.float64, "cpu"))
    mask = torch.rand(5, 6) > 0.3
    mask[:, 0] = True
    assert torch.autograd.gradcheck(lambda a, b, c: KERNELS[kernel](a, b, c, mask), (q, k, v))


@pytest.mark.parametrize("kernel", list(KERNELS))
def test_fully_masked_rows_are_zero(kernel):
    q, k, v = _qkv((2,), 4, 6, 8, 8, torch.float32, "cpu")
    mask = torch.ones(4, 6, dtype=torch.bool)
    mask[1] = False
    out = KERNELS[kernel](q, k, v, mask)
    assert not out.isnan().any() and (out[:, 1] == 0).all() and (out[:, 0] != 0).any()
    _, w = scaled_dot_product_attention(q, k, v, mask, return_weights=True)
    assert (w[:, 1] == 0).all()


@pytest.mark.parametrize("backend", ["reference", "flash", "torch"])
def test_mha_matches_torch(device, backend):
    torch.manual_seed(0)
    ref = nn.MultiheadAttention(16, 4, batch_first=True).to(device).eval()
    mha = MultiHeadAttention.from_torch(ref, backend=backend).eval()
    x, ctx = torch.randn(2, 5, 16, device=device), torch.randn(2, 7, 16, device=device)
    keep = padding_mask(torch.tensor([7, 4], device=device))          # True = attend
    out, w = mha(x, ctx, keep, need_weights=True)
    t_out, t_w = ref(x, ctx, ctx, key_padding_mask=~keep[:, 0, 0], average_attn_weights=False)  # torch: True = ignore
    torch.testing.assert_close(out, t_out, atol=1e-5, rtol=0)
    torch.testing.assert_close(w, t_w, atol=1e-5, rtol=0)
    out, w = mha(x, mask=causal_mask(5, device), need_weights=True, average_weights=True)
    t_out, t_w = ref(x, x, x, attn_mask=~causal_mask(5, device))
    torch.testing.assert_close(out, t_out, atol=1e-5, rtol=0)
    torch.testing.assert_close(w, t_w, atol=1e-5, rtol=0)
    out, w = mha(x, ctx, keep)
    assert w is None
    torch.testing.assert_close(out, ref(x, ctx, ctx, key_padding_mask=~keep[:, 0, 0])[0], atol=1e-5, rtol=0)
    back = mha.to_torch().eval()
    torch.testing.assert_close(back(x, x, x)[0], mha(x)[0], atol=1e-5, rtol=0)


@pytest.mark.parametrize("backend", ["reference", "flash", "torch"])
def test_kv_cache_decoding_equals_full(backend):
    torch.manual_seed(0)
    mha = MultiHeadAttention(16, 2, backend=backend).eval()
    x = torch.randn(2, 6, 16)
    full, _ = mha(x, is_causal=True)
    cache = KVCache()
    steps = [mha(x[:, :2], is_causal=True, kv_cache=cache)[0]]
    steps += [mha(x[:, t:t + 1], is_causal=True, kv_cache=cache)[0] for t in range(2, 6)]
    assert cache.length == 6
    torch.testing.assert_close(torch.cat(steps, 1), full, atol=1e-5, rtol=0)
    cache.reset()
    assert cache.length == 0


def test_bad_inputs():
    q = torch.randn(2, 3, 4)
    with pytest.raises(ValueError, match=r"q must have shape \(\.\.\., L, d\); got \(3,\)"):
        scaled_dot_product_attention(torch.randn(3), q, q)
    with pytest.raises(ValueError, match="share the last dim"):
        flash_attention(q, torch.randn(2, 3, 5), q)
    with pytest.raises(ValueError, match="same length Lk"):
        scaled_dot_product_attention(q, q, torch.randn(2, 2, 4))
    with pytest.raises(ValueError, match="non-empty"):
        flash_attention(torch.randn(2, 0, 4), q, q)
    with pytest.raises(TypeError, match="mask must be bool.*got torch.int64"):
        scaled_dot_product_attention(q, q, q, torch.ones(3, 3, dtype=torch.long))
    with pytest.raises(ValueError, match=r"broadcastable to \(\.\.\., 3, 3\); got \(3, 5\)"):
        flash_attention(q, q, q, torch.ones(3, 5, dtype=torch.bool))
    with pytest.raises(ValueError, match="divisible by num_heads; got d_model=10, num_heads=4"):
        MultiHeadAttention(10, 4)
    with pytest.raises(ValueError, match="backend must be one of.*got 'cuda'"):
        MultiHeadAttention(8, 2, backend="cuda")
    with pytest.raises(ValueError, match=r"x must have shape \(B, L, 8\); got \(2, 3, 4\)"):
        MultiHeadAttention(8, 2)(q)


def test_padding_mask_and_kv_cache_reject_bad_input():
    from lmkit.attention import KVCache, padding_mask

    assert padding_mask(torch.tensor([2, 0]), max_len=3).tolist() == [[[[True, True, False]]], [[[False, False, False]]]]
    with pytest.raises(ValueError, match="exactly one of lengths or attention_mask"):
        padding_mask()
    with pytest.raises(ValueError, match=r"only 0 \(padding\) and 1 \(token\); got values \[0, 1, 2\]"):
        padding_mask(attention_mask=torch.tensor([[1, 2, 0]]))
    with pytest.raises(TypeError, match="lengths must be integers; got torch.float32"):
        padding_mask(torch.tensor([1.5]))
    with pytest.raises(ValueError, match=r"lengths must be >= 0; got \[2, -1\]"):
        padding_mask(torch.tensor([2, -1]))
    with pytest.raises(ValueError, match="max_len must be >= the longest length 4; got 3"):
        padding_mask(torch.tensor([4]), max_len=3)

    cache = KVCache()
    cache.update(torch.zeros(1, 2, 3, 4), torch.zeros(1, 2, 3, 4))
    keys, values = cache.update(torch.zeros(1, 2, 1, 4), torch.zeros(1, 2, 1, 4))
    assert keys.shape == values.shape == (1, 2, 4, 4) and cache.length == 4
    with pytest.raises(ValueError, match=r"do not match the cached .* except in T"):
        cache.update(torch.zeros(1, 3, 1, 4), torch.zeros(1, 3, 1, 4))
    with pytest.raises(ValueError, match=r"same B, H, T; got \(1, 2, 1, 4\), \(1, 2, 2, 4\)"):
        cache.update(torch.zeros(1, 2, 1, 4), torch.zeros(1, 2, 2, 4))


def test_self_attention_fuses_qkv_but_honours_hooks():
    # self-attention runs q/k/v as one stacked matmul; the result must equal the three projections,
    # and a hooked (or wrapped) projection must still run its own forward
    torch.manual_seed(0)
    mha = MultiHeadAttention(16, 2, backend="torch")
    x = torch.randn(2, 5, 16, requires_grad=True)
    fused, _ = mha(x, is_causal=True)
    split = mha.out_proj(mha.merge_heads(F.scaled_dot_product_attention(
        *(mha.split_heads(p(x)) for p in (mha.q_proj, mha.k_proj, mha.v_proj)), is_causal=True)))
    torch.testing.assert_close(fused, split, atol=1e-6, rtol=0)
    fused.sum().backward()
    assert mha.k_proj.weight.grad is not None and x.grad is not None
    seen = []
    mha.k_proj.register_forward_hook(lambda m, i, out: seen.append(out.shape))
    torch.testing.assert_close(mha(x, is_causal=True)[0], fused, atol=1e-6, rtol=0)
    assert seen == [(2, 5, 16)]
