"""Tests for lmkit.pretraining: masking rule, NSP pairs, blocks, training loop, exact resume."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import torch

from lmkit.models import BERT, GPT, BERTConfig, GPTConfig
from lmkit.pretraining import (
    IGNORE_INDEX,
    batch_blocks,
    load_checkpoint,
    make_nsp_pairs,
    mask_tokens,
    perplexity,
    save_checkpoint,
    token_blocks,
    train_steps,
)

VOCAB, MASK, CLS, SEP, PAD = 1000, 3, 1, 2, 0


def _batch(rows=64, length=128, seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(10, VOCAB, (rows, length), generator=g)
    ids[:, 0], ids[:, -1] = CLS, SEP
    return ids


# ----------------------------------------------------------------------------- mask_tokens


def test_mask_tokens_rates_follow_bert_rule():
    ids = _batch()
    masked, labels = mask_tokens(ids, vocab_size=VOCAB, mask_token_id=MASK, special_token_ids=(CLS, SEP, PAD),
                                 generator=torch.Generator().manual_seed(1))
    assert masked.shape == ids.shape and labels.shape == ids.shape
    assert masked.dtype == torch.int64 and labels.dtype == torch.int64
    selected = labels != IGNORE_INDEX
    n_ordinary = ids.numel() - 2 * ids.shape[0]
    assert abs(selected.sum().item() / n_ordinary - 0.15) < 0.01
    # labels hold the original ids exactly at the selected positions
    assert torch.equal(labels[selected], ids[selected])
    # nothing outside the selection changes
    assert torch.equal(masked[~selected], ids[~selected])
    n = selected.sum().item()
    frac_mask = (masked[selected] == MASK).sum().item() / n
    frac_same = (masked[selected] == ids[selected]).sum().item() / n
    frac_random = 1 - frac_mask - frac_same
    assert abs(frac_mask - 0.8) < 0.02
    assert abs(frac_same - 0.1) < 0.015  # random ids rarely equal the original (1/1000)
    assert abs(frac_random - 0.1) < 0.015


def test_mask_tokens_never_selects_special_or_padding():
    ids = _batch(rows=8, length=32)
    ids[:, 20:] = PAD
    attention = (ids != PAD).long()
    masked, labels = mask_tokens(ids, vocab_size=VOCAB, mask_token_id=MASK, special_token_ids=[CLS, SEP],
                                 mlm_probability=1.0, attention_mask=attention,
                                 generator=torch.Generator().manual_seed(0))
    assert (labels[:, 0] == IGNORE_INDEX).all()  # [CLS]
    assert (labels[:, 20:] == IGNORE_INDEX).all()  # padding
    assert torch.equal(masked[:, 20:], ids[:, 20:])
    assert (labels[:, 1:20] != IGNORE_INDEX).all()  # probability 1: every ordinary token selected


def test_mask_tokens_deterministic_and_input_unchanged():
    ids = _batch(rows=4, length=40)
    before = ids.clone()
    a = mask_tokens(ids, vocab_size=VOCAB, mask_token_id=MASK, generator=torch.Generator().manual_seed(5))
    b = mask_tokens(ids, vocab_size=VOCAB, mask_token_id=MASK, generator=torch.Generator().manual_seed(5))
    c = mask_tokens(ids, vocab_size=VOCAB, mask_token_id=MASK, generator=torch.Generator().manual_seed(6))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[1], c[1])
    assert torch.equal(ids, before)


def test_mask_tokens_probability_zero_selects_nothing():
    ids = _batch(rows=2, length=10)
    masked, labels = mask_tokens(ids, vocab_size=VOCAB, mask_token_id=MASK, mlm_probability=0.0)
    assert torch.equal(masked, ids) and (labels == IGNORE_INDEX).all()


def test_mask_tokens_keeps_device(device):
    ids = _batch(rows=2, length=10).to(device)
    masked, labels = mask_tokens(ids, vocab_size=VOCAB, mask_token_id=MASK, generator=torch.Generator().manual_seed(0))
    assert masked.device == ids.device and labels.device == ids.device


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"input_ids": torch.zeros(5, dtype=torch.long)}, ValueError),
        ({"input_ids": torch.zeros(2, 5)}, TypeError),
        ({"input_ids": [[1, 2]]}, TypeError),
        ({"mask_token_id": VOCAB}, ValueError),
        ({"mlm_probability": 1.5}, ValueError),
        ({"generator": 3}, TypeError),
        ({"attention_mask": torch.ones(2, 4)}, ValueError),
    ],
)
def test_mask_tokens_validates(kwargs, error):
    args = {"input_ids": torch.zeros(2, 5, dtype=torch.long), "vocab_size": VOCAB, "mask_token_id": MASK}
    args.update(kwargs)
    ids = args.pop("input_ids")
    with pytest.raises(error):
        mask_tokens(ids, **args)


# ----------------------------------------------------------------------------- NSP


def _docs():
    return [[f"d{d} s{i} ." for i in range(6)] for d in range(5)]


def test_nsp_pairs_half_true_and_true_pairs_are_consecutive():
    docs = _docs()
    pairs = make_nsp_pairs(docs, 2000, seed=0)
    assert len(pairs) == 2000
    share = sum(is_next for _, _, is_next in pairs) / len(pairs)
    assert abs(share - 0.5) < 0.04
    where = {s: (d, i) for d, doc in enumerate(docs) for i, s in enumerate(doc)}
    for a, b, is_next in pairs:
        (da, ia), (db, ib) = where[a], where[b]
        if is_next:
            assert (db, ib) == (da, ia + 1)
        else:
            assert db != da  # several documents: the random sentence comes from another one


def test_nsp_pairs_single_document_never_uses_true_successor_as_random():
    doc = [f"s{i}" for i in range(5)]
    for a, b, is_next in make_nsp_pairs(doc, 300, seed=1):
        if not is_next:
            assert int(b[1:]) not in (int(a[1:]), int(a[1:]) + 1)


def test_nsp_pairs_deterministic_and_validates():
    assert make_nsp_pairs(_docs(), 50, seed=3) == make_nsp_pairs(_docs(), 50, seed=3)
    assert make_nsp_pairs(_docs(), 50, seed=3) != make_nsp_pairs(_docs(), 50, seed=4)
    with pytest.raises(TypeError):
        make_nsp_pairs("one string", 3)
    with pytest.raises(ValueError):
        make_nsp_pairs([["only one"]], 3)
    with pytest.raises(ValueError):
        make_nsp_pairs(_docs(), 0)


# ----------------------------------------------------------------------------- blocks, perplexity


def test_token_blocks_shift_by_one():
    inputs, targets = token_blocks(list(range(23)), 5)
    assert inputs.shape == (4, 5) and targets.shape == (4, 5)
    assert inputs.dtype == torch.int64
    assert torch.equal(targets, inputs + 1)
    assert inputs[1].tolist() == [5, 6, 7, 8, 9]
    with pytest.raises(ValueError):
        token_blocks([1, 2, 3], 3)
    with pytest.raises(ValueError):
        token_blocks(torch.zeros(2, 8, dtype=torch.long), 3)
    with pytest.raises(TypeError):
        token_blocks(torch.zeros(8), 3)


def test_batch_blocks_windows_and_generator_state():
    stream = torch.arange(100)
    g = torch.Generator().manual_seed(0)
    batches = batch_blocks(stream, 8, 4, generator=g)
    x, y = next(batches)
    assert x.shape == (4, 8) and torch.equal(y, x + 1)
    assert (x[:, 1:] == x[:, :-1] + 1).all()  # consecutive tokens
    assert y.max() <= 99
    state = g.get_state()
    expected = [next(batches) for _ in range(3)]
    g.set_state(state)
    fresh = batch_blocks(stream, 8, 4, generator=g)
    for (ex, ey), (fx, fy) in zip(expected, (next(fresh) for _ in range(3))):
        assert torch.equal(ex, fx) and torch.equal(ey, fy)
    with pytest.raises(ValueError):
        next(batch_blocks(torch.arange(8), 8, 2))


def test_perplexity():
    assert perplexity(0.0) == 1.0
    assert math.isclose(perplexity(math.log(50)), 50.0)
    assert math.isclose(perplexity(torch.tensor(math.log(7.0))), 7.0, rel_tol=1e-6)
    for bad in (-0.1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            perplexity(bad)
    with pytest.raises(TypeError):
        perplexity("2.0")


# ----------------------------------------------------------------------------- training + checkpoints


def _tiny_gpt(vocab=50, dropout=0.1):
    return GPT(GPTConfig(vocab_size=vocab, block_size=16, n_layer=2, n_head=2, n_embd=32, dropout=dropout))


def _stream(n=2000, vocab=50):
    # a learnable pattern: counting modulo vocab with occasional noise
    g = torch.Generator().manual_seed(123)
    base = torch.arange(n) % vocab
    noise = torch.randint(vocab, (n,), generator=g)
    return torch.where(torch.rand(n, generator=g) < 0.1, noise, base)


def test_train_steps_gpt_loss_goes_down():
    torch.manual_seed(0)
    model = _tiny_gpt()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    losses = train_steps(model, batch_blocks(_stream(), 16, 8, generator=torch.Generator().manual_seed(0)), opt,
                         steps=60, progress=False, max_grad_norm=1.0)
    assert len(losses) == 60 and all(isinstance(l, float) for l in losses)
    assert np.mean(losses[-10:]) < np.mean(losses[:5]) - 1.0


def test_train_steps_bert_with_dict_batches():
    torch.manual_seed(0)
    cfg = BERTConfig(vocab_size=60, max_position_embeddings=16, n_layer=1, n_head=2, hidden_size=32,
                     intermediate_size=64, dropout=0.0, attention_dropout=0.0)
    model = BERT(cfg)
    g = torch.Generator().manual_seed(0)

    def batches():
        while True:
            ids = torch.randint(10, 60, (8, 12), generator=g)
            masked, labels = mask_tokens(ids, vocab_size=60, mask_token_id=MASK, mlm_probability=0.3, generator=g)
            yield {"input_ids": masked, "mlm_labels": labels}

    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    losses = train_steps(model, batches(), opt, steps=5, progress=False)
    assert len(losses) == 5 and all(math.isfinite(l) for l in losses)


def test_train_steps_validates():
    model = _tiny_gpt()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="ran out"):
        train_steps(model, [], opt, steps=1, progress=False)
    with pytest.raises(ValueError):
        train_steps(model, [], opt, steps=0, progress=False)
    with pytest.raises(TypeError):
        train_steps(model, [torch.zeros(2, 3, dtype=torch.long)], opt, steps=1, progress=False)


def _seed_every_rng(seed):
    torch.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed)


def _model_and_optimizer():
    model = _tiny_gpt(dropout=0.2)
    return model, torch.optim.AdamW(model.parameters(), lr=3e-3)


def _batches(data_g):
    """Random blocks from the data generator; also draws from Python's and NumPy's RNGs."""
    for x, y in batch_blocks(_stream(), 16, 4, generator=data_g):
        random.randrange(3), np.random.randint(3)
        yield x, y


def _run(steps, *, resume_at=None, path=None):
    """Train a tiny GPT with dropout (global RNG) on random batches (data generator),
    also drawing from Python's and NumPy's RNGs; optionally stop, save, rebuild, resume."""
    _seed_every_rng(0)
    model, opt = _model_and_optimizer()
    data_g = torch.Generator().manual_seed(1)
    if resume_at is None:
        return train_steps(model, _batches(data_g), opt, steps=steps, progress=False), model
    first = train_steps(model, _batches(data_g), opt, steps=resume_at, progress=False)
    save_checkpoint(path, model, opt, step=resume_at, generators={"data": data_g}, extra={"losses": first})
    # the rest of this run is thrown away: scramble every RNG, build everything anew
    _seed_every_rng(999)
    model, opt = _model_and_optimizer()
    data_g = torch.Generator().manual_seed(999)
    info = load_checkpoint(path, model, opt, generators={"data": data_g})
    assert info["step"] == resume_at
    rest = train_steps(model, _batches(data_g), opt, steps=steps - resume_at, progress=False)
    return info["extra"]["losses"] + rest, model


def test_checkpoint_resume_reproduces_uninterrupted_run_exactly(tmp_path):
    straight, model_a = _run(12)
    resumed, model_b = _run(12, resume_at=6, path=tmp_path / "ckpt.pt")
    assert resumed == straight  # bit-for-bit equal floats
    for (name, pa), pb in zip(model_a.state_dict().items(), model_b.state_dict().values()):
        assert torch.equal(pa, pb), name


def test_checkpoint_without_optimizer_state_differs(tmp_path):
    """The test above can fail: resuming with a fresh optimizer gives a different curve."""
    straight, _ = _run(8)
    _seed_every_rng(0)
    model, opt = _model_and_optimizer()
    data_g = torch.Generator().manual_seed(1)
    first = train_steps(model, _batches(data_g), opt, steps=4, progress=False)
    save_checkpoint(tmp_path / "c.pt", model, None, step=4, generators={"data": data_g})
    model2, opt2 = _model_and_optimizer()
    load_checkpoint(tmp_path / "c.pt", model2, None, generators={"data": data_g})
    rest = train_steps(model2, _batches(data_g), opt2, steps=4, progress=False)
    assert first == straight[:4]
    assert rest != straight[4:]


def test_load_checkpoint_validates(tmp_path):
    model = _tiny_gpt()
    save_checkpoint(tmp_path / "c.pt", model, None, step=0)
    with pytest.raises(ValueError, match="generator"):
        load_checkpoint(tmp_path / "c.pt", model, generators={"data": torch.Generator()})
    with pytest.raises(ValueError, match="optimizer"):
        load_checkpoint(tmp_path / "c.pt", model, torch.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(ValueError):
        save_checkpoint(tmp_path / "d.pt", model, step=-1)
