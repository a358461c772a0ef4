"""lmkit.pretrained: the toy BERT builds deterministically and the shipped checkpoint loads."""

import json

import pytest
import torch

from lmkit.models import BERT
from lmkit.pretrained import (
    CHECKPOINT_DIR,
    PretrainSettings,
    build_toy_bert,
    encode_sentences,
    load_toy_bert,
    save_toy_bert,
    toy_tokenizer,
    toy_vocabulary,
)

SMALL = PretrainSettings(n_sentences=300, hidden_size=16, n_layer=1, n_head=2, intermediate_size=32, steps=15, batch_size=8)


def test_vocabulary_has_specials_first_and_every_task_word():
    vocab = toy_vocabulary()
    assert vocab[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert len(vocab) == len(set(vocab))
    tok = toy_tokenizer()
    ids = tok.encode("the currency of japan is the yen .")
    assert tok.unk_token_id not in ids and ids[0] == tok.cls_token_id and ids[-1] == tok.sep_token_id


def test_encode_sentences_pads_and_masks():
    tok = toy_tokenizer()
    ids, mask = encode_sentences(tok, ["paris is big .", "the dog ."], max_length=8)
    assert ids.shape == mask.shape == (2, 8) and ids.dtype == torch.long
    assert mask.sum(1).tolist() == [6, 5] and (ids[mask == 0] == 0).all()
    with pytest.raises(ValueError):
        encode_sentences(tok, ["a b c d e f g h"], max_length=4)
    with pytest.raises(TypeError):
        encode_sentences(tok, "not a list", max_length=4)


def test_settings_validate():
    with pytest.raises(ValueError):
        PretrainSettings(steps=0)
    with pytest.raises(ValueError):
        PretrainSettings(lr=-1.0)


def test_build_is_deterministic_and_learns():
    first, _, info1 = build_toy_bert(SMALL, progress=False)
    second, _, info2 = build_toy_bert(SMALL, progress=False)
    for (name, a), (_, b) in zip(first.state_dict().items(), second.state_dict().items()):
        assert torch.equal(a, b), name
    assert info1["losses"] == info2["losses"]
    assert len(info1["losses"]) == SMALL.steps
    assert sum(info1["losses"][-5:]) < sum(info1["losses"][:5])


def test_save_load_round_trip(tmp_path):
    model, tok, info = build_toy_bert(SMALL, progress=False)
    save_toy_bert(model, tok, tmp_path, info)
    loaded, tok2, meta = load_toy_bert(tmp_path)
    assert tok2.ids_to_tokens == tok.ids_to_tokens
    assert meta["settings"] == info["settings"]
    ids, mask = encode_sentences(tok, ["the capital of france is paris ."], max_length=12)
    with torch.no_grad():
        a = model(ids, attention_mask=mask).mlm_logits
        b = loaded(ids, attention_mask=mask).mlm_logits
    torch.testing.assert_close(a, b)
    assert loaded.mlm_head.decoder.weight is loaded.embeddings.word_embeddings.weight  # tying survives
    with pytest.raises(FileNotFoundError):
        load_toy_bert(tmp_path / "missing")


def test_shipped_checkpoint_matches_the_builder_config():
    if not (CHECKPOINT_DIR / "model.safetensors").is_file():
        pytest.skip("no shipped checkpoint (run python -m lmkit.pretrained build)")
    model, tok, meta = load_toy_bert()
    assert isinstance(model, BERT) and not model.training
    settings = PretrainSettings(**meta["settings"])
    assert settings == PretrainSettings(), "the shipped file must be what `python -m lmkit.pretrained build` makes"
    expected = settings.bert_config(tok.vocab_size)
    assert model.config == expected
    assert tok.ids_to_tokens == toy_vocabulary()
    assert sum(f.stat().st_size for f in CHECKPOINT_DIR.iterdir()) < 3_000_000
    assert json.loads((CHECKPOINT_DIR / "config.json").read_text())["final_mlm_loss"] < 1.0


def test_shipped_checkpoint_knows_facts():
    if not (CHECKPOINT_DIR / "model.safetensors").is_file():
        pytest.skip("no shipped checkpoint")
    model, tok, _ = load_toy_bert()
    ids, mask = encode_sentences(tok, ["the capital of japan is [MASK] .", "the currency of india is the [MASK] ."], 12)
    with torch.no_grad():
        logits = model(ids, attention_mask=mask).mlm_logits
    positions = (ids == tok.mask_token_id).nonzero()[:, 1]
    guesses = [tok.ids_to_tokens[int(logits[i, p].argmax())] for i, p in enumerate(positions)]
    assert guesses == ["tokyo", "rupee"], guesses
