"""Tests for lmkit.models: GPT and BERT (behaviour; parity with Hugging Face is in test_hub.py)."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from lmkit.models import BERT, GPT, BERTConfig, GPTConfig

BACKENDS = ["reference", "flash", "torch"]


def small_gpt_config(**overrides) -> GPTConfig:
    settings = dict(vocab_size=100, block_size=32, n_layer=2, n_head=4, n_embd=32)
    settings.update(overrides)
    return GPTConfig(**settings)


def small_bert_config(**overrides) -> BERTConfig:
    settings = dict(
        vocab_size=120, max_position_embeddings=40, n_layer=2, n_head=4, hidden_size=32, intermediate_size=48,
        dropout=0.0, attention_dropout=0.0,
    )
    settings.update(overrides)
    return BERTConfig(**settings)


def make_gpt(device="cpu", seed=0, **overrides) -> GPT:
    torch.manual_seed(seed)
    return GPT(small_gpt_config(**overrides)).to(device).eval()


def make_bert(device="cpu", seed=0, **overrides) -> BERT:
    torch.manual_seed(seed)
    return BERT(small_bert_config(**overrides)).to(device).eval()


# ---------------------------------------------------------------------------
# Configs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, message",
    [
        (dict(n_embd=30, n_head=4), r"n_embd \(30\) must be divisible by the number of heads \(4\)"),
        (dict(vocab_size=0), "vocab_size must be a positive int; got 0"),
        (dict(n_layer=1.5), "n_layer must be a positive int"),
        (dict(dropout=1.0), r"dropout must be a float in \[0, 1\)"),
        (dict(backend="cuda"), "backend must be one of"),
        (dict(activation="swish"), "activation must be one of"),
    ],
)
def test_gpt_config_rejects_bad_values(overrides, message):
    with pytest.raises(ValueError, match=message):
        small_gpt_config(**overrides)


@pytest.mark.parametrize(
    "overrides, message",
    [
        (dict(hidden_size=30, n_head=4), r"hidden_size \(30\) must be divisible"),
        (dict(attention_dropout=-0.1), "attention_dropout must be"),
        (dict(pad_token_id=500), r"pad_token_id must be an id in \[0, 120\)"),
        (dict(type_vocab_size=0), "type_vocab_size must be a positive int"),
    ],
)
def test_bert_config_rejects_bad_values(overrides, message):
    with pytest.raises(ValueError, match=message):
        small_bert_config(**overrides)


def test_models_want_their_config_type():
    with pytest.raises(TypeError, match="GPTConfig"):
        GPT(small_bert_config())
    with pytest.raises(TypeError, match="BERTConfig"):
        BERT(small_gpt_config())


# ---------------------------------------------------------------------------
# GPT
# ---------------------------------------------------------------------------


def test_gpt_shapes_tying_and_initial_loss(device):
    model = make_gpt(device)
    ids = torch.randint(0, 100, (3, 16), device=device)
    out = model(ids, targets=torch.randint(0, 100, (3, 16), device=device))
    assert out.logits.shape == (3, 16, 100)
    assert out.attentions is None and out.kv_caches is None
    assert model.lm_head.weight is model.wte.weight
    # Small initial weights give near-uniform predictions: loss on random targets is close to ln(V).
    assert abs(out.loss.item() - math.log(100)) < 0.1


def test_gpt_parameter_count_and_initialisation():
    cfg = small_gpt_config(n_embd=64, n_layer=3)
    model = GPT(cfg)
    d, v, t = cfg.n_embd, cfg.vocab_size, cfg.block_size
    per_block = 2 * 2 * d + (4 * d * d + 4 * d) + (d * 4 * d + 4 * d) + (4 * d * d + d)
    assert model.num_parameters() == v * d + t * d + cfg.n_layer * per_block + 2 * d
    assert model.num_parameters(exclude_embeddings=True) == model.num_parameters() - t * d
    residual = torch.cat([torch.cat([b.attn.out_proj.weight.flatten(), b.ffn.fc_out.weight.flatten()]) for b in model.blocks])
    assert residual.std().item() == pytest.approx(0.02 / math.sqrt(2 * cfg.n_layer), rel=0.05)
    assert model.blocks[0].attn.q_proj.weight.std().item() == pytest.approx(0.02, rel=0.1)
    assert torch.all(model.blocks[0].attn.q_proj.bias == 0)


def test_gpt_loss_ignores_minus_100():
    model = make_gpt()
    ids = torch.randint(0, 100, (2, 10))
    targets = ids.clone()
    targets[:, :4] = -100
    out = model(ids, targets=targets)
    manual = F.cross_entropy(out.logits[:, 4:].reshape(-1, 100), ids[:, 4:].reshape(-1))
    assert torch.allclose(out.loss, manual, atol=1e-6)


def test_gpt_is_causal():
    model = make_gpt()
    ids = torch.randint(0, 100, (1, 12))
    changed = ids.clone()
    changed[0, 8:] = (changed[0, 8:] + 1) % 100
    a, b = model(ids).logits, model(changed).logits
    assert torch.allclose(a[:, :8], b[:, :8], atol=1e-6)
    assert not torch.allclose(a[:, 8:], b[:, 8:], atol=1e-4)


@pytest.mark.parametrize("backend", BACKENDS)
def test_gpt_kv_cache_matches_full_forward(device, backend):
    model = make_gpt(device, backend=backend)
    ids = torch.randint(0, 100, (2, 11), device=device)
    full = model(ids).logits
    caches = model.new_kv_caches()
    pieces = [model(ids[:, :5], kv_caches=caches).logits]  # prefill
    for t in range(5, 11):
        out = model(ids[:, t : t + 1], kv_caches=caches)
        assert out.kv_caches is caches
        pieces.append(out.logits)
    assert caches[0].length == 11
    assert torch.allclose(torch.cat(pieces, dim=1), full, atol=1e-5)


@pytest.mark.parametrize("backend", BACKENDS)
def test_gpt_backends_agree(backend):
    reference = make_gpt(seed=3)
    other = make_gpt(seed=3, backend=backend)
    ids = torch.randint(0, 100, (2, 20))
    assert torch.allclose(other(ids).logits, reference(ids).logits, atol=1e-5)


def test_gpt_attentions_are_causal_distributions(device):
    model = make_gpt(device)
    ids = torch.randint(0, 100, (2, 9), device=device)
    att = model(ids, need_weights=True).attentions
    assert att.shape == (2, 2, 4, 9, 9)  # (layers, batch, heads, L, L)
    assert torch.allclose(att.sum(-1), torch.ones(2, 2, 4, 9, device=device), atol=1e-5)
    future = torch.triu(torch.ones(9, 9, dtype=torch.bool, device=device), diagonal=1)
    assert torch.all(att[..., future] == 0)


def test_gpt_attention_mask_hides_padding_keys():
    model = make_gpt()
    ids = torch.randint(0, 100, (2, 8))
    mask = torch.ones(2, 8, dtype=torch.long)
    mask[0, :3] = 0  # left padding in row 0
    out = model(ids, attention_mask=mask, need_weights=True)
    assert torch.isfinite(out.logits).all()
    att = out.attentions[:, 0]  # row 0: (layers, heads, L, L)
    for q in range(3, 8):
        assert torch.all(att[..., q, :3] == 0), "real tokens never look at padding"
    # row 1 has no padding: same as running it alone
    assert torch.allclose(out.logits[1], model(ids[1:]).logits[0], atol=1e-5)
    # whatever sits in the padded slots cannot change the real tokens' outputs
    other = ids.clone()
    other[0, :3] = (other[0, :3] + 17) % 100
    changed = model(other, attention_mask=mask).logits
    assert torch.allclose(changed[0, 3:], out.logits[0, 3:], atol=1e-5)


def test_gpt_dropout_only_in_training():
    model = make_gpt(dropout=0.5)
    ids = torch.randint(0, 100, (1, 8))
    assert torch.equal(model(ids).logits, model(ids).logits)
    model.train()
    assert not torch.allclose(model(ids).logits, model(ids).logits)


def test_gpt_rejects_bad_input():
    model = make_gpt()
    with pytest.raises(ValueError, match=r"token ids in \[0, 100\); got 100"):
        model(torch.tensor([[1, 100]]))
    with pytest.raises(ValueError, match=r"token ids in \[0, 100\); got -1"):
        model(torch.tensor([[-1, 2]]))
    with pytest.raises(ValueError, match="33 tokens, but block_size is 32"):
        model(torch.zeros(1, 33, dtype=torch.long))
    with pytest.raises(ValueError, match="must not be empty"):
        model(torch.zeros(1, 0, dtype=torch.long))
    with pytest.raises(ValueError, match=r"shape \(B, L\); got \(5,\)"):
        model(torch.zeros(5, dtype=torch.long))
    with pytest.raises(TypeError, match="integer token ids"):
        model(torch.zeros(1, 5))
    with pytest.raises(ValueError, match=r"targets must have the shape of input_ids \(1, 5\); got \(1, 4\)"):
        model(torch.zeros(1, 5, dtype=torch.long), targets=torch.zeros(1, 4, dtype=torch.long))
    with pytest.raises(ValueError, match=r"attention_mask must have shape"):
        model(torch.zeros(1, 5, dtype=torch.long), attention_mask=torch.ones(1, 4))
    with pytest.raises(ValueError, match="kv_caches must be a list of 2"):
        model(torch.zeros(1, 5, dtype=torch.long), kv_caches=model.new_kv_caches()[:1])


def test_gpt_cache_counts_towards_block_size():
    model = make_gpt()
    caches = model.new_kv_caches()
    model(torch.zeros(1, 30, dtype=torch.long), kv_caches=caches)
    with pytest.raises(ValueError, match="30 cached \\+ 3 new = 33 tokens, but block_size is 32"):
        model(torch.zeros(1, 3, dtype=torch.long), kv_caches=caches)


def test_gpt_trains():
    model = make_gpt(seed=1).train()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    ids = torch.randint(0, 100, (4, 16), generator=torch.Generator().manual_seed(0))
    first = None
    for _ in range(30):
        loss = model(ids[:, :-1], targets=ids[:, 1:]).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        first = first if first is not None else loss.item()
    assert loss.item() < 0.5 * first, "a small model memorises one batch"


# ---------------------------------------------------------------------------
# BERT
# ---------------------------------------------------------------------------


def test_bert_outputs_and_heads(device):
    model = make_bert(device)
    ids = torch.randint(1, 120, (3, 10), device=device)
    out = model(ids, output_hidden_states=True, need_weights=True)
    assert out.last_hidden_state.shape == (3, 10, 32)
    assert out.pooled_output.shape == (3, 32)
    assert out.mlm_logits.shape == (3, 10, 120)
    assert out.nsp_logits.shape == (3, 2)
    assert out.loss is None
    assert len(out.hidden_states) == 3 and torch.equal(out.hidden_states[-1], out.last_hidden_state)
    assert out.attentions.shape == (2, 3, 4, 10, 10)
    assert torch.allclose(out.attentions.sum(-1), torch.ones(2, 3, 4, 10, device=device), atol=1e-5)
    assert torch.allclose(out.pooled_output, torch.tanh(model.pooler.dense(out.last_hidden_state[:, 0])))
    assert model.mlm_head.decoder.weight is model.embeddings.word_embeddings.weight
    lean = model(ids, compute_heads=False)
    assert lean.mlm_logits is None and lean.nsp_logits is None
    assert torch.allclose(lean.last_hidden_state, out.last_hidden_state)


def test_bert_is_bidirectional():
    model = make_bert()
    ids = torch.randint(1, 120, (1, 8))
    changed = ids.clone()
    changed[0, -1] = (changed[0, -1] + 1) % 120
    assert not torch.allclose(model(ids).last_hidden_state[:, 0], model(changed).last_hidden_state[:, 0])


def test_bert_padding_does_not_change_real_tokens(device):
    model = make_bert(device)
    short = torch.randint(1, 120, (1, 6), device=device)
    padded = torch.cat([short, torch.zeros(1, 4, dtype=torch.long, device=device)], dim=1)
    mask = torch.tensor([[1] * 6 + [0] * 4], device=device)
    alone = model(short, need_weights=True)
    batched = model(padded, attention_mask=mask, need_weights=True)
    assert torch.allclose(batched.last_hidden_state[:, :6], alone.last_hidden_state, atol=1e-5)
    assert torch.allclose(batched.pooled_output, alone.pooled_output, atol=1e-5)
    assert torch.all(batched.attentions[..., 6:] == 0)


def test_bert_token_types_matter():
    model = make_bert()
    ids = torch.randint(1, 120, (1, 6))
    types = torch.tensor([[0, 0, 0, 1, 1, 1]])
    assert torch.equal(model(ids).last_hidden_state, model(ids, torch.zeros_like(ids)).last_hidden_state)
    assert not torch.allclose(model(ids).last_hidden_state, model(ids, types).last_hidden_state)


def test_bert_losses():
    model = make_bert()
    ids = torch.randint(1, 120, (2, 8))
    labels = torch.full_like(ids, -100)
    labels[0, 2], labels[1, 5] = 7, 9
    nsp = torch.tensor([0, 1])
    out = model(ids, mlm_labels=labels, nsp_labels=nsp)
    mlm = F.cross_entropy(torch.stack([out.mlm_logits[0, 2], out.mlm_logits[1, 5]]), torch.tensor([7, 9]))
    nsp_loss = F.cross_entropy(out.nsp_logits, nsp)
    assert torch.allclose(out.mlm_loss, mlm, atol=1e-6)
    assert torch.allclose(out.nsp_loss, nsp_loss, atol=1e-6)
    assert torch.allclose(out.loss, mlm + nsp_loss, atol=1e-6)
    only_mlm = model(ids, mlm_labels=labels)
    assert only_mlm.nsp_loss is None and torch.allclose(only_mlm.loss, mlm, atol=1e-6)


def test_bert_attention_dropout_is_separate():
    model = BERT(small_bert_config(dropout=0.0, attention_dropout=0.3)).train()
    ids = torch.randint(1, 120, (1, 8))
    assert not torch.allclose(model(ids).last_hidden_state, model(ids).last_hidden_state)
    no_dropout = BERT(small_bert_config(dropout=0.0, attention_dropout=0.0)).train()
    assert torch.equal(no_dropout(ids).last_hidden_state, no_dropout(ids).last_hidden_state)


def test_bert_rejects_bad_input():
    model = make_bert()
    ids = torch.randint(1, 120, (2, 6))
    with pytest.raises(ValueError, match=r"input_ids must be token ids in \[0, 120\); got 120"):
        model(torch.tensor([[1, 120]]))
    with pytest.raises(ValueError, match="got 41 tokens, but max_position_embeddings is 40"):
        model(torch.ones(1, 41, dtype=torch.long))
    with pytest.raises(ValueError, match=r"token_type_ids must be token ids in \[0, 2\); got 2"):
        model(ids, torch.full_like(ids, 2))
    with pytest.raises(ValueError, match=r"attention_mask must have the shape of input_ids \(2, 6\); got \(2, 5\)"):
        model(ids, attention_mask=torch.ones(2, 5))
    with pytest.raises(ValueError, match=r"nsp_labels must have the shape of \(B,\) \(2,\); got \(3,\)"):
        model(ids, nsp_labels=torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match="compute_heads=False"):
        model(ids, mlm_labels=ids, compute_heads=False)
    with pytest.raises(ValueError, match="must not be empty"):
        model(torch.zeros(2, 0, dtype=torch.long))
