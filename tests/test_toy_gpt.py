"""lmkit.hub.toy_gpt: the toy GPT builds deterministically, round-trips, and the shipped one knows the facts."""

import pytest
import torch

from lmkit.data.toyworld import make_world
from lmkit.generation import generate
from lmkit.models import GPT
from lmkit.pretrained import (GPT_CHECKPOINT_DIR, GPTPretrainSettings, build_toy_gpt, load_toy_gpt, main,
                              save_toy_gpt, toy_gpt, toy_gpt_tokenizer, toy_gpt_vocabulary)
from lmkit.hub.toy_gpt import corpus_stream

SMALL = GPTPretrainSettings(n_sentences=300, n_embd=16, n_layer=1, n_head=2, block_size=16, steps=12, batch_size=4)


def test_vocabulary_and_stream():
    vocab = toy_gpt_vocabulary()
    assert vocab[:3] == ["[PAD]", "[UNK]", "[SEP]"] and len(vocab) == len(set(vocab))
    tok = toy_gpt_tokenizer()
    stream = corpus_stream(tok, ["the capital of japan is tokyo .", "q : what ?"])
    assert stream.dtype == torch.long and tok.unk_token_id not in stream.tolist()
    assert stream.tolist().count(tok.sep_token_id) == 2 and stream[-1] == tok.sep_token_id
    with pytest.raises(TypeError, match="sentences must be a list of words"):
        corpus_stream(tok, "the cat .")


def test_settings_validate():
    with pytest.raises(ValueError, match="steps must be a positive int"):
        GPTPretrainSettings(steps=0)
    with pytest.raises(ValueError, match="lr must be a positive"):
        GPTPretrainSettings(lr=-1.0)
    with pytest.raises(TypeError, match="settings must be a GPTPretrainSettings"):
        build_toy_gpt({"steps": 3})


def test_build_is_deterministic_and_round_trips(tmp_path):
    first, tok, info1 = build_toy_gpt(SMALL, progress=False)
    second, _, info2 = build_toy_gpt(SMALL, progress=False)
    for (name, a), (_, b) in zip(first.state_dict().items(), second.state_dict().items()):
        assert torch.equal(a, b), name
    assert info1["losses"] == info2["losses"] and len(info1["losses"]) == SMALL.steps
    save_toy_gpt(first, tok, tmp_path, info1)
    loaded, tok2, meta = load_toy_gpt(tmp_path)
    assert meta["settings"] == info1["settings"] and tok2.ids_to_tokens == tok.ids_to_tokens
    assert loaded.lm_head.weight is loaded.wte.weight
    ids = torch.randint(tok.vocab_size, (2, 9))
    assert torch.equal(loaded(ids).logits, first(ids).logits)
    with pytest.raises(FileNotFoundError, match="build one with"):
        load_toy_gpt(tmp_path / "missing")
    with pytest.raises(TypeError, match="model must be an lmkit GPT"):
        save_toy_gpt(torch.nn.Linear(2, 2), tok, tmp_path, info1)


def test_build_command_writes_a_loadable_checkpoint(tmp_path, capsys):
    assert main(["build", "--model", "toy-gpt", "--out", str(tmp_path), "--steps", "2"]) == 0
    assert "wrote" in capsys.readouterr().out
    model, _, meta = load_toy_gpt(tmp_path)
    assert isinstance(model, GPT) and meta["settings"]["steps"] == 2


@pytest.fixture(scope="module")
def shipped():
    if not (GPT_CHECKPOINT_DIR / "model.safetensors").is_file():
        pytest.skip("no shipped toy GPT (run python -m lmkit.pretrained build --model toy-gpt)")
    return load_toy_gpt()


def test_shipped_checkpoint_is_the_recipe_small_and_knows_the_world(shipped):
    model, tok, meta = shipped
    assert GPTPretrainSettings(**meta["settings"]) == GPTPretrainSettings(), \
        "the shipped file must be what `python -m lmkit.pretrained build --model toy-gpt` makes"
    assert sum(f.stat().st_size for f in GPT_CHECKPOINT_DIR.iterdir()) < 1.5e6
    assert toy_gpt()[1].ids_to_tokens == tok.ids_to_tokens
    right = 0
    countries = make_world(0).countries
    for c in countries:
        prompt = torch.tensor([tok.encode(f"the capital of {c.name} is", add_special_tokens=False)])
        out = generate(model, prompt, 1, do_sample=False)[0, -1].item()
        right += tok.ids_to_tokens[out] == c.capital
    assert right >= 0.9 * len(countries), f"{right} of {len(countries)} capitals"
