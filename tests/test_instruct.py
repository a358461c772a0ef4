"""lmkit.instruct: question/answer pairs from facts, a split by fact, prompt masking, exact match."""

import pytest
import torch

from lmkit.data.toyworld import make_world
from lmkit.instruct import (QUESTIONS, InstructionPair, answer, build_inputs_and_labels, exact_match, fact_pairs,
                            instruction_batches, instruction_tune, instruction_words, pad_examples, split_by_fact)
from lmkit.hub.toy_gpt import toy_gpt_tokenizer
from lmkit.models import GPT, GPTConfig

WORLD = make_world(0)
TOK = toy_gpt_tokenizer()


def test_fact_pairs_ask_each_fact_both_ways():
    pairs = fact_pairs(WORLD)
    assert len(pairs) == 2 * len(QUESTIONS) * len(WORLD.countries)
    japan = [p for p in pairs if p.fact == ("capital", "japan")]
    assert [(p.prompt, p.response) for p in japan] == [
        ("Q: what is the capital of japan? A:", "tokyo"), ("Q: which country has the capital tokyo? A:", "japan")]
    assert TOK.unk_token_id not in [i for p in pairs for i in TOK.encode(f"{p.prompt} {p.response}", add_special_tokens=False)]
    assert {"q", ":", "?", "what", "tokyo"} <= set(instruction_words(WORLD))


def test_split_by_fact_holds_out_whole_facts_for_every_relation():
    pairs = fact_pairs(WORLD)
    train, test = split_by_fact(pairs, 0.25, seed=0)
    assert not {p.fact for p in train} & {p.fact for p in test}
    assert len(train) + len(test) == len(pairs)
    for relation in QUESTIONS:
        assert len({p.fact for p in test if p.relation == relation}) == 5  # 25% of 20 countries
    assert split_by_fact(pairs, 0.25, seed=0) == (train, test)
    with pytest.raises(ValueError, match=r"test_share must be a float in \(0, 1\)"):
        split_by_fact(pairs, 0.0)
    with pytest.raises(TypeError, match="pairs must be a non-empty list of InstructionPair"):
        split_by_fact([("Q: a A:", "b")])


def test_build_inputs_and_labels_masks_the_prompt():
    prompt, response = "Q: what is the capital of japan? A:", "tokyo"
    inputs, labels = build_inputs_and_labels(TOK, prompt, response)
    p = TOK.encode(prompt, add_special_tokens=False)
    r = TOK.encode(response, add_special_tokens=False)
    ids = p + r + [TOK.sep_token_id]
    assert inputs.tolist() == ids[:-1] and inputs.dtype == labels.dtype == torch.long
    assert labels.tolist() == [-100] * (len(p) - 1) + r + [TOK.sep_token_id]
    # the first label kept is the response's first token, predicted from the prompt's last
    assert inputs[len(p) - 1] == TOK.vocab[":"] and labels[len(p) - 1] == TOK.vocab["tokyo"]
    _, other = build_inputs_and_labels(TOK, prompt, "new delhi", ignore_index=-1, eos_token_id=0)
    assert other.tolist()[: len(p) - 1] == [-1] * (len(p) - 1) and other[-1] == 0
    with pytest.raises(TypeError, match="response must be a str"):
        build_inputs_and_labels(TOK, prompt, 3)
    with pytest.raises(ValueError, match="prompt and response must each encode to at least one token"):
        build_inputs_and_labels(TOK, prompt, "")
    with pytest.raises(ValueError, match="eos_token_id must be an int >= 0"):
        build_inputs_and_labels(TOK, prompt, response, eos_token_id=-3)


def test_pad_examples_and_batches():
    a = build_inputs_and_labels(TOK, "Q: what is the capital of japan? A:", "tokyo")
    b = build_inputs_and_labels(TOK, "Q: in which country do people speak hindi? A:", "india")
    inputs, labels = pad_examples([a, b], pad_token_id=0)
    assert inputs.shape == labels.shape == (2, max(a[0].numel(), b[0].numel()))
    assert (labels[0, a[1].numel():] == -100).all() and (inputs[0, a[0].numel():] == 0).all()
    gen = torch.Generator().manual_seed(0)
    x, y = next(instruction_batches(TOK, fact_pairs(WORLD), 5, generator=gen))
    assert x.shape == y.shape and x.shape[0] == 5
    with pytest.raises(ValueError, match="examples must be a non-empty list"):
        pad_examples([], 0)


def _memoriser(pairs):
    """A tiny GPT instruction-tuned on ``pairs`` (the loss sees only the answers)."""
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=TOK.vocab_size, block_size=24, n_layer=1, n_head=2, n_embd=32))
    # lr 1e-2 oscillates between "capital of france" and "currency of france" (one word apart) on
    # some seeds; 3e-3 for 500 steps memorised all six on seeds 0-2 (measured after the corpus change).
    losses = instruction_tune(model, TOK, pairs, steps=500, lr=3e-3, batch_size=len(pairs), seed=0)
    assert len(losses) == 500 and losses[-1] < 0.1 * losses[0]
    return model


def test_exact_match_scores_greedy_answers():
    pairs = fact_pairs(WORLD)[:6]
    model = _memoriser(pairs)
    assert exact_match(model, TOK, pairs) == 1.0
    assert answer(model, TOK, [pairs[0].prompt]) == [pairs[0].response]
    wrong = [InstructionPair(p.prompt, "paris" if p.response != "paris" else "tokyo", p.relation, p.fact)
             for p in pairs]
    assert exact_match(model, TOK, wrong) == 0.0
    with pytest.raises(TypeError, match="pairs must be a non-empty list of InstructionPair"):
        exact_match(model, TOK, [])


def test_pad_batch_and_lm_inputs_and_targets():
    from lmkit.instruct import lm_inputs_and_targets, pad_batch

    ids, mask = pad_batch([[7, 7], [7], [1, 7, 7, 7]], pad_id=7)
    assert ids.dtype == mask.dtype == torch.int64 and ids.shape == (3, 4)
    assert mask.tolist() == [[1, 1, 0, 0], [1, 0, 0, 0], [1, 1, 1, 1]]
    x, y = lm_inputs_and_targets(torch.tensor([[0, 0, 5, 0, 6]]), torch.tensor([[0, 0, 1, 1, 1]]))
    assert x.tolist() == [[0, 0, 5, 0]] and y.tolist() == [[-100, 5, 0, 6]]
    with pytest.raises(ValueError):
        pad_batch([], 0)
