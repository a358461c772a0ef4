"""Tests for lmkit.generation: top-k / top-p filters and the decode loop."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
import torch

import lmkit
from lmkit.generation import generate, top_k_filter, top_p_filter

NEG_INF = float("-inf")


# ---------------------------------------------------------------------------
# top_k_filter
# ---------------------------------------------------------------------------


def test_top_k_keeps_the_k_largest():
    logits = torch.tensor([1.0, 4.0, 2.0, 3.0, 0.0])
    out = top_k_filter(logits, 2)
    assert torch.equal(out, torch.tensor([NEG_INF, 4.0, NEG_INF, 3.0, NEG_INF]))
    assert torch.equal(logits, torch.tensor([1.0, 4.0, 2.0, 3.0, 0.0])), "input must not be modified"


def test_top_k_keeps_all_ties_at_the_boundary():
    out = top_k_filter(torch.tensor([1.0, 3.0, 3.0, 2.0]), 1)
    assert torch.equal(out, torch.tensor([NEG_INF, 3.0, 3.0, NEG_INF]))


def test_top_k_with_k_at_least_vocab_keeps_everything():
    logits = torch.randn(2, 7)
    assert torch.equal(top_k_filter(logits, 7), logits)
    assert torch.equal(top_k_filter(logits, 100), logits)


def test_top_k_works_row_by_row_on_batches():
    torch.manual_seed(0)
    logits = torch.randn(3, 4, 50)
    out = top_k_filter(logits, 5)
    assert out.shape == logits.shape
    assert torch.all(torch.isfinite(out).sum(-1) == 5)
    for b in range(3):
        for t in range(4):
            kept = torch.isfinite(out[b, t]).nonzero().flatten()
            assert set(kept.tolist()) == set(torch.topk(logits[b, t], 5).indices.tolist())


@pytest.mark.parametrize("k", [0, -1, 1.5, True, None])
def test_top_k_rejects_bad_k(k):
    with pytest.raises(ValueError, match="k must be an int >= 1"):
        top_k_filter(torch.randn(5), k)


def test_filters_reject_bad_logits():
    with pytest.raises(TypeError, match="torch.Tensor"):
        top_k_filter([1.0, 2.0], 1)
    with pytest.raises(TypeError, match="floating-point"):
        top_p_filter(torch.tensor([1, 2]), 0.5)
    with pytest.raises(ValueError, match=r"\(\.\.\., V\)"):
        top_k_filter(torch.tensor(1.0), 1)


# ---------------------------------------------------------------------------
# top_p_filter
# ---------------------------------------------------------------------------

PROBS = torch.tensor([0.05, 0.5, 0.15, 0.3])  # sorted: 0.5, 0.3, 0.15, 0.05


@pytest.mark.parametrize(
    "p, kept",
    [(0.01, {1}), (0.49, {1}), (0.6, {1, 3}), (0.79, {1, 3}), (0.81, {1, 3, 2}), (0.96, {0, 1, 2, 3}), (1.0, {0, 1, 2, 3})],
)
def test_top_p_keeps_the_smallest_set_reaching_p(p, kept):
    out = top_p_filter(PROBS.log(), p)
    assert set(torch.isfinite(out).nonzero().flatten().tolist()) == kept
    finite = torch.isfinite(out)
    assert torch.allclose(out[finite], PROBS.log()[finite]), "kept logits are unchanged"


def test_top_p_matches_its_definition_on_random_batches():
    torch.manual_seed(1)
    logits = torch.randn(4, 6, 30) * 3
    for p in (0.1, 0.5, 0.9, 0.99):
        out = top_p_filter(logits, p)
        probs = torch.softmax(logits, -1)
        kept = torch.isfinite(out)
        kept_mass = (probs * kept).sum(-1)
        assert torch.all(kept_mass >= p - 1e-6), "kept tokens hold at least p"
        smallest_kept = torch.where(kept, probs, torch.inf).min(-1).values
        assert torch.all(kept_mass - smallest_kept < p), "dropping any kept token would fall below p"
        largest_dropped = torch.where(kept, -torch.inf, probs).max(-1).values
        assert torch.all(largest_dropped <= smallest_kept), "kept tokens are the most likely ones"


def test_top_p_one_keeps_everything_even_with_tiny_probabilities():
    logits = torch.tensor([[10.0, -30.0, -40.0, NEG_INF]])
    assert torch.equal(top_p_filter(logits, 1.0), logits)


@pytest.mark.parametrize("p", [0, 0.0, -0.1, 1.01, "0.5", True])
def test_top_p_rejects_bad_p(p):
    with pytest.raises(ValueError, match=r"p must be a number in \(0, 1\]"):
        top_p_filter(torch.randn(5), p)


# ---------------------------------------------------------------------------
# generate: a fixed-logits stand-in tests the sampling rule exactly
# ---------------------------------------------------------------------------


class FixedLogitsLM(torch.nn.Module):
    """A test double: the same next-token logits at every position, no caches."""

    def __init__(self, logits: torch.Tensor, block_size: int = 8):
        super().__init__()
        self.register_buffer("fixed", logits)
        self.config = SimpleNamespace(vocab_size=logits.numel(), block_size=block_size)
        self.calls: list[tuple[int, ...]] = []

    def new_kv_caches(self):
        return None

    def forward(self, input_ids, *, kv_caches=None):
        self.calls.append(tuple(input_ids.shape))
        b, t = input_ids.shape
        return SimpleNamespace(logits=self.fixed.expand(b, t, -1))


def _frequencies(tokens: torch.Tensor, vocab: int) -> torch.Tensor:
    return torch.bincount(tokens, minlength=vocab).float() / tokens.numel()


def test_sampling_follows_softmax_with_temperature_and_filters():
    probs = torch.tensor([0.1, 0.2, 0.3, 0.4])
    model = FixedLogitsLM(probs.log())
    prompt = torch.zeros(20000, 1, dtype=torch.long)
    gen = torch.Generator().manual_seed(0)

    plain = generate(model, prompt, 1, generator=gen)[:, -1]
    assert torch.allclose(_frequencies(plain, 4), probs, atol=0.015)

    hot = generate(model, prompt, 1, temperature=2.0, generator=gen)[:, -1]
    expected = probs.sqrt() / probs.sqrt().sum()  # softmax(log p / 2)
    assert torch.allclose(_frequencies(hot, 4), expected, atol=0.015)

    top2 = generate(model, prompt, 1, top_k=2, generator=gen)[:, -1]
    assert torch.allclose(_frequencies(top2, 4), torch.tensor([0, 0, 3 / 7, 4 / 7]), atol=0.015)

    nucleus = generate(model, prompt, 1, top_p=0.65, generator=gen)[:, -1]  # keeps 0.4 + 0.3
    assert torch.allclose(_frequencies(nucleus, 4), torch.tensor([0, 0, 3 / 7, 4 / 7]), atol=0.015)


def test_greedy_and_zero_temperature_take_the_argmax():
    model = FixedLogitsLM(torch.tensor([0.0, 2.0, 1.0]))
    prompt = torch.zeros(2, 3, dtype=torch.long)
    assert torch.equal(generate(model, prompt, 4, do_sample=False)[:, 3:], torch.ones(2, 4, dtype=torch.long))
    assert torch.equal(generate(model, prompt, 4, temperature=0)[:, 3:], torch.ones(2, 4, dtype=torch.long))


def test_uncached_decoding_crops_to_block_size():
    model = FixedLogitsLM(torch.tensor([0.0, 1.0]), block_size=4)
    out = generate(model, torch.zeros(1, 2, dtype=torch.long), 5, use_cache=False, do_sample=False)
    assert out.shape == (1, 7)
    assert [shape[1] for shape in model.calls] == [2, 3, 4, 4, 4]


def test_generate_zero_new_tokens_and_one_dimensional_prompt():
    model = FixedLogitsLM(torch.tensor([0.0, 1.0]))
    prompt = torch.tensor([0, 0, 1])
    assert torch.equal(generate(model, prompt[None], 0), prompt[None])
    out = generate(model, prompt, 2, do_sample=False)
    assert out.shape == (5,) and out.tolist() == [0, 0, 1, 1, 1]


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(input_ids=torch.zeros(1, 2)), TypeError, "integer token ids"),
        (dict(input_ids=[[0, 1]]), TypeError, "torch.Tensor"),
        (dict(input_ids=torch.zeros(1, 0, dtype=torch.long)), ValueError, r"shape \(B, L\)"),
        (dict(input_ids=torch.zeros(1, 1, 2, dtype=torch.long)), ValueError, r"shape \(B, L\)"),
        (dict(max_new_tokens=-1), ValueError, "max_new_tokens must be an int >= 0"),
        (dict(temperature=-0.5), ValueError, "temperature must be a number >= 0"),
        (dict(eos_token_id=7), ValueError, r"eos_token_id must be an id in \[0, 3\)"),
    ],
)
def test_generate_rejects_bad_arguments(kwargs, error, message):
    model = FixedLogitsLM(torch.tensor([0.0, 1.0, 2.0]))
    args = dict(input_ids=torch.zeros(1, 2, dtype=torch.long), max_new_tokens=2)
    args.update(kwargs)
    with pytest.raises(error, match=message):
        generate(model, args.pop("input_ids"), args.pop("max_new_tokens"), **args)


def test_lmkit_generate_is_generation_generate():
    assert lmkit.generate is generate


# ---------------------------------------------------------------------------
# generate with a real GPT: KV cache, reproducibility, eos
# ---------------------------------------------------------------------------


def _tiny_gpt(device, block_size=32, seed=0):
    from lmkit.models import GPT, GPTConfig

    torch.manual_seed(seed)
    config = GPTConfig(vocab_size=50, block_size=block_size, n_layer=2, n_head=4, n_embd=32)
    model = GPT(config)
    # Freshly initialised, the tied embeddings make a GPT copy its input and greedy
    # decoding repeat one token. An untied random head and larger embeddings give
    # varied, position-dependent continuations, so a cache bug cannot hide.
    with torch.no_grad():
        model.wte.weight.normal_(0, 0.3)
        model.wpe.embedding.weight.normal_(0, 0.5)
    model.lm_head.weight = torch.nn.Parameter(torch.randn(config.vocab_size, config.n_embd))
    return model.to(device).eval()


def test_greedy_with_cache_equals_without(device):
    model = _tiny_gpt(device)
    prompt = torch.randint(0, 50, (3, 5), generator=torch.Generator().manual_seed(3)).to(device)
    cached = generate(model, prompt, 20, do_sample=False, use_cache=True)
    uncached = generate(model, prompt, 20, do_sample=False, use_cache=False)
    assert cached.shape == (3, 25)
    assert torch.equal(cached[:, :5], prompt)
    assert torch.equal(cached, uncached)
    assert len(set(cached[0, 5:].tolist())) > 1, "a degenerate model would make this test weak"


def test_greedy_cache_falls_back_past_block_size(device):
    model = _tiny_gpt(device, block_size=12)
    prompt = torch.randint(0, 50, (2, 4), generator=torch.Generator().manual_seed(4)).to(device)
    cached = generate(model, prompt, 20, do_sample=False, use_cache=True)
    uncached = generate(model, prompt, 20, do_sample=False, use_cache=False)
    assert cached.shape == (2, 24)
    assert torch.equal(cached, uncached)
    long_prompt = torch.randint(0, 50, (1, 30), generator=torch.Generator().manual_seed(5)).to(device)
    assert torch.equal(
        generate(model, long_prompt, 3, do_sample=False), generate(model, long_prompt, 3, do_sample=False, use_cache=False)
    )


def test_sampling_is_reproducible_with_a_generator():
    model = _tiny_gpt("cpu")
    prompt = torch.zeros(2, 3, dtype=torch.long)
    a = generate(model, prompt, 15, top_k=10, top_p=0.9, generator=torch.Generator().manual_seed(7))
    b = generate(model, prompt, 15, top_k=10, top_p=0.9, generator=torch.Generator().manual_seed(7))
    c = generate(model, prompt, 15, top_k=10, top_p=0.9, generator=torch.Generator().manual_seed(8))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    # sampling with the cache draws the same tokens as without it
    d = generate(model, prompt, 15, top_k=10, top_p=0.9, use_cache=False, generator=torch.Generator().manual_seed(7))
    assert torch.equal(a, d)


def test_sequences_stop_at_eos():
    model = _tiny_gpt("cpu")
    prompt = torch.randint(0, 50, (2, 4), generator=torch.Generator().manual_seed(6))
    free = generate(model, prompt, 10, do_sample=False)
    eos = int(free[0, 6])  # row 0 emits it as its 3rd new token
    out = generate(model, prompt, 10, do_sample=False, eos_token_id=eos)
    assert out.shape == free.shape
    first = (free[0, 4:] == eos).nonzero()[0].item() + 4
    assert torch.equal(out[0, : first + 1], free[0, : first + 1])
    assert torch.all(out[0, first:] == eos)
    row1_hits = (free[1, 4:] == eos).nonzero()
    if len(row1_hits) == 0:
        assert torch.equal(out[1], free[1]), "a row that never emits eos is unaffected"


def test_generation_stops_early_when_all_rows_finish_and_pads():
    model = FixedLogitsLM(torch.tensor([0.0, 1.0, 5.0]))
    out = generate(model, torch.zeros(2, 1, dtype=torch.long), 6, do_sample=False, eos_token_id=2)
    assert out.tolist() == [[0, 2, 2, 2, 2, 2, 2]] * 2
    assert len(model.calls) == 1, "the loop ends once every row has produced eos"


def test_generate_restores_training_mode():
    model = _tiny_gpt("cpu").train()
    generate(model, torch.zeros(1, 2, dtype=torch.long), 2)
    assert model.training


def test_kv_cache_preallocates_and_writes_in_place():
    """GPT.new_kv_caches() pre-allocates block_size positions; decoding writes into that buffer (no torch.cat)."""
    import torch

    from lmkit.models import GPT, GPTConfig

    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=19, block_size=10, n_layer=2, n_head=2, n_embd=8)).eval()
    ids = torch.randint(0, 19, (2, 10))
    caches = model.new_kv_caches()
    with torch.no_grad():
        steps = [model(ids[:, :4], kv_caches=caches).logits]
        buffer = caches[0]._k.data_ptr()
        steps += [model(ids[:, t:t + 1], kv_caches=caches).logits for t in range(4, 10)]
        full = model(ids).logits
    assert caches[0]._k.shape[-2] == 10 and caches[0]._k.data_ptr() == buffer and caches[0].length == 10
    torch.testing.assert_close(torch.cat(steps, 1), full, atol=1e-5, rtol=0)
