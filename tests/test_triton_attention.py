"""lmkit.kernels.triton_attention: the Triton FlashAttention-2 kernels, forward and backward.

On the CPU these run in Triton's interpreter (TRITON_INTERPRET=1, set below before anything
imports the kernels; on a CUDA machine the ``device`` fixture runs them compiled too).
Everything is compared with F.scaled_dot_product_attention computed in fp32 (fp64 for the
fp64 cases) from the same inputs. Tolerances, per input dtype:

* fp32: 1e-4 absolute on outputs and gradients (the interpreter gives ~1e-6);
* bf16 / fp16: 2e-2 of the reference's largest magnitude (inputs, P and dS are rounded to
  the input dtype before each tile matmul, as on a GPU; accumulation is fp32);
* fp64: torch.autograd.gradcheck on a tiny shape (the interpreter computes in fp64).

The interpreter is slow (numpy, one program at a time): shapes are kept to a few tiles of 16,
the whole file takes well under a minute on one core; larger cases are marked slow.
"""
import os

os.environ.setdefault("TRITON_INTERPRET", "1")  # before lmkit's Triton kernels are first imported

import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F

from lmkit.attention import MultiHeadAttention, causal_mask
from lmkit.kernels import triton_attention, triton_available
from lmkit.models import BERT, GPT, BERTConfig, GPTConfig

pytestmark = pytest.mark.skipif(not triton_available(), reason="triton is not installed (pip install 'lmkit[gpu]')")

TOL = {torch.float32: 1e-4, torch.float64: 1e-8, torch.bfloat16: 2e-2, torch.float16: 2e-2}


def _inputs(B, H, Lq, Lk, D, dtype, device, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(B, H, L, D, generator=g).to(device, dtype).requires_grad_() for L in (Lq, Lk, Lk)]


def _reference(q, k, v, key_padding_mask=None, is_causal=False, scale=None):
    """SDPA in fp32 or fp64 with lmkit's conventions written out as one explicit bool mask."""
    wide = torch.float64 if q.dtype == torch.float64 else torch.float32
    q, k, v = (t.detach().to(wide).requires_grad_() for t in (q, k, v))
    Lq, Lk = q.shape[-2], k.shape[-2]
    mask = torch.ones(q.shape[0], 1, Lq, Lk, dtype=torch.bool, device=q.device)
    if key_padding_mask is not None:
        mask = mask & key_padding_mask[:, None, None, :]
    if is_causal:
        mask = mask & causal_mask(Lq, q.device, Lk=Lk)                # end-aligned, like lmkit
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=scale), (q, k, v)


def _assert_close(got, want, dtype, what):
    err = (got.float() - want.float()).abs().max().item()
    bound = TOL[dtype] * (1.0 if dtype in (torch.float32, torch.float64) else max(1.0, want.abs().max().item()))
    assert err <= bound, f"{what}: max error {err:.3g} > {bound:.3g} ({dtype})"


def _check(B, H, Lq, Lk, D, dtype, device, *, causal=False, padded=False, scale=None):
    q, k, v = _inputs(B, H, Lq, Lk, D, dtype, device)
    kpm = None
    if padded:
        lengths = torch.randint(1, Lk + 1, (B,), generator=torch.Generator().manual_seed(1))
        lengths[0] = Lk                                              # one full row, one or more padded
        kpm = (torch.arange(Lk)[None, :] < lengths[:, None]).to(device)
    out = triton_attention(q, k, v, key_padding_mask=kpm, is_causal=causal, scale=scale)
    ref, leaves = _reference(q, k, v, kpm, causal, scale)
    assert out.shape == (B, H, Lq, D) and out.dtype == dtype
    _assert_close(out, ref, dtype, "output")
    grad = torch.randn(out.shape, generator=torch.Generator().manual_seed(2)).to(device)
    out.backward(grad.to(dtype))
    ref.backward(grad.to(ref.dtype))
    for name, mine, theirs in zip("qkv", (q, k, v), leaves):
        _assert_close(mine.grad, theirs.grad, dtype, f"d{name}")


# (B, H, Lq, Lk, D, causal, padded): ragged last tiles (37, 21, 45), a non-power-of-two head
# dim (24, padded to 32 inside), D at both ends of 16..128, Lq < Lk for a KV cache.
CASES = [
    (2, 2, 37, 37, 16, False, False),
    (1, 2, 33, 33, 64, True, False),
    (2, 1, 21, 45, 24, False, True),
    (1, 1, 20, 45, 32, True, True),
    (1, 1, 17, 17, 128, True, False),
]


@pytest.mark.parametrize("B,H,Lq,Lk,D,causal,padded", CASES)
def test_fp32_values_and_gradients_match_sdpa(device, B, H, Lq, Lk, D, causal, padded):
    _check(B, H, Lq, Lk, D, torch.float32, device, causal=causal, padded=padded)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
@pytest.mark.parametrize("causal", [False, True])
def test_half_precision_accumulates_in_fp32(device, dtype, causal):
    _check(1, 2, 40, 40, 32, dtype, device, causal=causal, padded=not causal)


@pytest.mark.parametrize("fwd,bwd", [((32, 16), (16, 32)), ((16, 64), (64, 16))])
def test_unequal_tiles_as_on_a_gpu(monkeypatch, fwd, bwd):
    # On a GPU the tiles are larger and BLOCK_M != BLOCK_N (forward and backward differ): the
    # causal tile skipping must stay exact whatever the tiling; the interpreter can check that.
    mod = sys.modules["lmkit.kernels.triton_attention"]
    monkeypatch.setattr(mod, "_blocks", lambda t, D, backward: bwd if backward else fwd)
    _check(1, 2, 37, 50, 16, torch.float32, "cpu", causal=True, padded=True)


def test_scale_and_fully_masked_rows(device):
    _check(1, 1, 16, 16, 16, torch.float32, device, scale=0.3)
    q, k, v = _inputs(2, 1, 5, 7, 16, torch.float32, device)
    kpm = torch.tensor([[True] * 7, [False] * 7], device=device)     # batch 1 may see no key at all
    out = triton_attention(q, k, v, kpm)
    assert not out.isnan().any() and (out[1] == 0).all() and (out[0] != 0).any()
    out.sum().backward()
    assert not q.grad.isnan().any() and (k.grad[1] == 0).all() and (v.grad[1] == 0).all()


def test_gradcheck_fp64():
    if torch.cuda.is_available() and os.environ.get("TRITON_INTERPRET") != "1":
        pytest.skip("fp64 gradcheck runs in the interpreter (tl.dot on fp64 is not a GPU fast path)")
    q, k, v = (t.detach().requires_grad_() for t in _inputs(1, 1, 5, 7, 16, torch.float64, "cpu"))
    kpm = torch.tensor([[True, True, False, True, True, True, False]])
    assert torch.autograd.gradcheck(lambda a, b, c: triton_attention(a, b, c, kpm, is_causal=True), (q, k, v),
                                    fast_mode=True)  # one random direction: the interpreter is slow


def test_mha_and_models_give_the_reference_logits(device):
    torch.manual_seed(0)
    mha = MultiHeadAttention(32, 2, backend="reference").to(device)
    fast = MultiHeadAttention(32, 2, backend="triton").to(device)
    fast.load_state_dict(mha.state_dict())
    x = torch.randn(2, 19, 32, device=device)
    keep = torch.tensor([[True] * 19, [True] * 11 + [False] * 8], device=device)[:, None, None, :]
    for kw in (dict(is_causal=True), dict(mask=keep)):
        torch.testing.assert_close(fast(x, **kw)[0], mha(x, **kw)[0], atol=1e-5, rtol=0)

    ids = torch.randint(0, 50, (2, 19), device=device)
    gpt_cfg = dict(vocab_size=50, block_size=32, n_layer=2, n_head=2, n_embd=32)
    ref, tri = GPT(GPTConfig(**gpt_cfg)).to(device), GPT(GPTConfig(**gpt_cfg, backend="triton")).to(device)
    tri.load_state_dict(ref.state_dict())
    torch.testing.assert_close(tri(ids).logits, ref(ids).logits, atol=1e-5, rtol=0)
    attention_mask = torch.ones_like(ids)
    attention_mask[1, :5] = 0                                      # left padding: a general mask, via flash
    torch.testing.assert_close(tri(ids, attention_mask=attention_mask).logits,
                               ref(ids, attention_mask=attention_mask).logits, atol=1e-5, rtol=0)
    caches = tri.new_kv_caches()                                   # Lq < Lk, end-aligned causal in Triton
    tri(ids[:, :15], kv_caches=caches)
    torch.testing.assert_close(tri(ids[:, 15:], kv_caches=caches).logits, ref(ids).logits[:, 15:], atol=1e-5, rtol=0)

    bert_cfg = dict(vocab_size=50, max_position_embeddings=32, n_layer=1, n_head=2, hidden_size=32,
                    intermediate_size=64, dropout=0.0, attention_dropout=0.0)
    ref, tri = BERT(BERTConfig(**bert_cfg)).to(device), BERT(BERTConfig(**bert_cfg, backend="triton")).to(device)
    tri.load_state_dict(ref.state_dict())
    torch.testing.assert_close(tri(ids, attention_mask=attention_mask).last_hidden_state,
                               ref(ids, attention_mask=attention_mask).last_hidden_state, atol=1e-5, rtol=0)


def test_clear_errors():
    q = torch.randn(1, 1, 4, 16)
    with pytest.raises(ValueError, match=r"head dim D must be in 16\.\.128.*got D=8"):
        triton_attention(torch.randn(1, 1, 4, 8), torch.randn(1, 1, 4, 8), torch.randn(1, 1, 4, 8))
    with pytest.raises(ValueError, match=r"must have shape \(B, H, L, D\); got \(4, 16\)"):
        triton_attention(q[0, 0], q, q)
    with pytest.raises(TypeError, match="key_padding_mask must be a bool tensor"):
        triton_attention(q, q, q, torch.ones(1, 4))
    with pytest.raises(ValueError, match=r"key_padding_mask must have shape \(B, Lk\) = \(1, 4\)"):
        triton_attention(q, q, q, torch.ones(1, 1, 1, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="is_causal=True needs Lq <= Lk"):
        triton_attention(torch.randn(1, 1, 5, 16), q, q, is_causal=True)


def test_cpu_tensors_without_the_interpreter_say_what_to_do():
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    code = ("import torch; from lmkit.kernels import triton_attention\n"
            "q = torch.randn(1, 1, 4, 16)\n"
            "try: triton_attention(q, q, q)\n"
            "except RuntimeError as e: print(e)\n")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert "TRITON_INTERPRET" in done.stdout and "CPU tensors" in done.stdout, done.stdout + done.stderr[-2000:]


def test_missing_triton_is_named(monkeypatch):
    mod = sys.modules["lmkit.kernels.triton_attention"]  # the package re-exports a function of the same name
    monkeypatch.setattr(mod, "triton_available", lambda: False)
    with pytest.raises(RuntimeError, match=r"needs the 'triton' package.*lmkit\[gpu\]"):
        triton_attention(*(torch.randn(1, 1, 4, 16) for _ in range(3)))


@pytest.mark.slow
@pytest.mark.parametrize("causal", [False, True])
def test_larger_shapes(device, causal):
    _check(2, 2, 130, 130, 64, torch.float32, device, causal=causal, padded=True)
    _check(1, 2, 100, 100, 64, torch.bfloat16, device, causal=causal)
