"""Bad inputs a student might pass to lmkit's public functions, and the errors they get back.

Each row calls one public function with one bad argument (wrong rank or width, int
vs float, NaN/inf, empty, zero or negative sizes, ids out of range, a str or None)
and names the argument that is wrong. The error must be a TypeError or ValueError
whose message names that argument, so the student learns what to fix without
reading a torch traceback. Rows in ``ACCEPTED`` are inputs a function documents
that it accepts; they must run.

``python tests/test_fuzz.py`` prints the outcome counts (clear / unhelpful /
silent / hang); run it with ``PYTHONPATH=<an older checkout>`` to compare.
"""

from __future__ import annotations

import math
import signal
import sys
from collections import Counter

import pytest
import torch

T = torch.tensor
CASES: list[tuple[str, str, object]] = []  # (id, the argument at fault, thunk)


def bad(case_id: str, arg: str):
    """Register ``fn`` as the row ``case_id``, whose fault is in argument ``arg``."""
    def register(fn):
        CASES.append((case_id, arg, fn))
        return fn
    return register


def rows(prefix: str, arg: str, call, values: dict):
    """One row per bad value: ``call(value)`` must complain about ``arg``."""
    for name, value in values.items():
        CASES.append((f"{prefix}[{name}]", arg, (lambda v=value: call(v))))


# Bad values, reused across signatures.
NOT_POSITIVE_INT = {"zero": 0, "negative": -3, "float": 2.5, "str": "8", "none": None, "bool": True}
NOT_NON_NEG_INT = {"negative": -1, "float": 1.5, "str": "2", "none": None}
NOT_PROB = {"negative": -0.1, "above_one": 1.5, "nan": math.nan, "str": "0.1"}
NOT_POSITIVE_FLOAT = {"zero": 0.0, "negative": -1.0, "nan": math.nan, "inf": math.inf, "str": "1.0"}


def _gpt(**kw):
    from lmkit.models import GPT, GPTConfig

    torch.manual_seed(0)
    return GPT(GPTConfig(**{**dict(vocab_size=11, block_size=8, n_layer=1, n_head=2, n_embd=8), **kw}))


def _bert():
    from lmkit.models import BERT, BERTConfig

    torch.manual_seed(0)
    return BERT(BERTConfig(vocab_size=13, max_position_embeddings=8, n_layer=1, n_head=2, hidden_size=8,
                           intermediate_size=16))


def _vocab():
    from lmkit.embeddings import Vocabulary

    return Vocabulary.build("the cat sat on the mat the end".split())


IDS = T([0, 1, 2, 1, 0, 3])
COUNTS = T([5.0, 3.0, 1.0, 1.0])

# ---------------------------------------------------------------- attention
def _attn():
    import lmkit.attention as a

    return a


q = torch.randn(1, 2, 3, 4)
rows("causal_mask.L", "L", lambda v: _attn().causal_mask(v), NOT_POSITIVE_INT)
rows("causal_mask.Lk", "Lk", lambda v: _attn().causal_mask(2, Lk=v), {"float": 2.5, "str": "4", "too_short": 1})
rows("padding_mask.max_len", "max_len", lambda v: _attn().padding_mask(T([1, 2]), max_len=v),
     {"float": 2.5, "str": "3", "too_short": 1, "negative": -1})
rows("padding_mask.lengths", "lengths", lambda v: _attn().padding_mask(v),
     {"float": T([1.0, 2.0]), "negative": T([-1, 2]), "rank2": T([[1, 2]]), "empty": T([], dtype=torch.long),
      "str": "12"})
rows("padding_mask.attention_mask", "attention_mask", lambda v: _attn().padding_mask(attention_mask=v),
     {"minus_one": T([[1, -1]]), "two": T([[2, 1]]), "rank1": T([1, 0]), "list": [[1, 0]]})
for kernel in ("scaled_dot_product_attention", "flash_attention"):
    rows(f"{kernel}.q", "q", lambda v, k=kernel: getattr(_attn(), k)(v, q, q),
         {"int": q.long(), "rank1": torch.randn(4), "width": torch.randn(1, 2, 3, 5), "list": [[1.0]], "none": None})
    rows(f"{kernel}.k", "k", lambda v, k=kernel: getattr(_attn(), k)(q, v, q),
         {"int": q.long(), "width": torch.randn(1, 2, 3, 5), "empty": torch.randn(1, 2, 0, 4)})
    rows(f"{kernel}.v", "v", lambda v, k=kernel: getattr(_attn(), k)(q, q, v), {"length": torch.randn(1, 2, 2, 4)})
    rows(f"{kernel}.mask", "mask", lambda v, k=kernel: getattr(_attn(), k)(q, q, q, v),
         {"int": torch.ones(3, 3, dtype=torch.long), "shape": torch.ones(2, 2, dtype=torch.bool), "list": [[True]]})
    rows(f"{kernel}.is_causal", "is_causal",
         lambda v, k=kernel: getattr(_attn(), k)(torch.randn(1, 2, 5, 4), q, q, is_causal=v), {"Lq>Lk": True})
rows("scaled_dot_product_attention.dropout_p", "dropout_p",
     lambda v: _attn().scaled_dot_product_attention(q, q, q, dropout_p=v), {"above_one": 1.5, "negative": -0.5})
rows("flash_attention.block_size", "block_size", lambda v: _attn().flash_attention(q, q, q, block_size=v),
     {"zero": 0, "float": 2.5, "str": "4"})
rows("MultiHeadAttention.d_model", "d_model", lambda v: _attn().MultiHeadAttention(v, 2),
     {"str": "8", "float": 8.0, "zero": 0, "negative": -8, "none": None})
rows("MultiHeadAttention.num_heads", "num_heads", lambda v: _attn().MultiHeadAttention(8, v),
     {"str": "2", "zero": 0, "float": 2.0, "not_divisor": 3})
rows("MultiHeadAttention.dropout", "dropout", lambda v: _attn().MultiHeadAttention(8, 2, dropout=v),
     {"above_one": 1.5, "negative": -0.1})
rows("MultiHeadAttention.backend", "backend", lambda v: _attn().MultiHeadAttention(8, 2, backend=v), {"cuda": "cuda"})
rows("MultiHeadAttention(x)", "x", lambda v: _attn().MultiHeadAttention(8, 2)(v),
     {"long": torch.ones(1, 3, 8, dtype=torch.long), "width": torch.randn(1, 3, 6), "rank2": torch.randn(3, 8),
      "list": [[0.0] * 8], "empty": torch.randn(1, 0, 8)})
rows("MultiHeadAttention(context)", "context", lambda v: _attn().MultiHeadAttention(8, 2)(torch.randn(1, 3, 8), v),
     {"width": torch.randn(1, 3, 6), "batch": torch.randn(2, 3, 8)})
rows("KVCache.update", "k", lambda v: _attn().KVCache().update(v, torch.randn(1, 2, 3, 4)),
     {"rank3": torch.randn(2, 3, 4), "list": [1.0]})


# ---------------------------------------------------------------- layers
def _layers():
    import lmkit.layers as l

    return l


rows("FeedForward.d_model", "d_model", lambda v: _layers().FeedForward(v), {"zero": 0, "str": "8", "float": 8.5})
rows("FeedForward.d_ff", "d_ff", lambda v: _layers().FeedForward(8, v), {"zero": 0, "negative": -4, "float": 4.5})
rows("FeedForward.activation", "activation", lambda v: _layers().FeedForward(8, activation=v), {"swish": "swish"})
rows("FeedForward.dropout", "dropout", lambda v: _layers().FeedForward(8, dropout=v), {"above_one": 2.0})
rows("FeedForward(x)", "x", lambda v: _layers().FeedForward(8)(v),
     {"width": torch.randn(1, 3, 6), "long": torch.ones(1, 3, 8, dtype=torch.long), "list": [[0.0] * 8]})
rows("TransformerBlock.d_model", "d_model", lambda v: _layers().TransformerBlock(v, 2), {"str": "8", "zero": 0})
rows("TransformerBlock(x)", "x", lambda v: _layers().TransformerBlock(8, 2)(v),
     {"width": torch.randn(1, 3, 6), "long": torch.ones(1, 3, 8, dtype=torch.long)})
rows("TransformerBlock(mask)", "mask", lambda v: _layers().TransformerBlock(8, 2)(torch.randn(1, 3, 8), v),
     {"float01": torch.ones(3, 3).tril(), "int01": torch.ones(3, 3, dtype=torch.long)})
rows("SinusoidalPositionalEncoding.d_model", "d_model", lambda v: _layers().SinusoidalPositionalEncoding(v),
     {"odd": 7, "zero": 0, "negative": -4, "float": 8.0, "str": "8"})
rows("SinusoidalPositionalEncoding.max_len", "max_len", lambda v: _layers().SinusoidalPositionalEncoding(8, v),
     {"zero": 0, "negative": -1, "float": 10.5})
rows("SinusoidalPositionalEncoding(offset)", "offset",
     lambda v: _layers().SinusoidalPositionalEncoding(8, 16)(torch.randn(1, 3, 8), v),
     {"negative": -2, "float": 1.5, "too_far": 15})
rows("SinusoidalPositionalEncoding(x)", "x", lambda v: _layers().SinusoidalPositionalEncoding(8, 16)(v),
     {"width": torch.randn(1, 3, 6), "long": torch.ones(1, 3, 8, dtype=torch.long), "too_long": torch.randn(1, 17, 8)})
rows("LearnedPositionalEmbedding.max_len", "max_len", lambda v: _layers().LearnedPositionalEmbedding(v, 8),
     {"zero": 0, "str": "8"})
rows("LearnedPositionalEmbedding(offset)", "offset", lambda v: _layers().LearnedPositionalEmbedding(8, 4)(3, v),
     {"negative": -2, "float": 1.5})
rows("LearnedPositionalEmbedding(L)", "L_or_positions", lambda v: _layers().LearnedPositionalEmbedding(8, 4)(v),
     {"float": 3.0, "zero": 0, "negative": -1, "too_long": 9, "float_positions": T([0.0, 1.0]),
      "negative_positions": T([-1, 0])})
rows("RotaryEmbedding.head_dim", "head_dim", lambda v: _layers().RotaryEmbedding(v), {"odd": 5, "zero": 0, "str": "4"})
rows("RotaryEmbedding.max_len", "max_len", lambda v: _layers().RotaryEmbedding(4, v), {"zero": 0, "float": 2.5})
rows("RotaryEmbedding(offset)", "offset", lambda v: _layers().RotaryEmbedding(4, 8)(q, q, v),
     {"negative": -1, "float": 0.5})


# ---------------------------------------------------------------- models
def _models():
    import lmkit.models as m

    return m


for field in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
    rows(f"GPTConfig.{field}", field, lambda v, f=field: _models().GPTConfig(**{f: v}),
         {"zero": 0, "float": 2.5, "str": "4"})
rows("GPTConfig.dropout", "dropout", lambda v: _models().GPTConfig(dropout=v), NOT_PROB)
rows("GPTConfig.layer_norm_eps", "layer_norm_eps", lambda v: _models().GPTConfig(layer_norm_eps=v),
     {"zero": 0.0, "nan": math.nan, "str": "1e-5"})
rows("BERTConfig.hidden_size", "hidden_size", lambda v: _models().BERTConfig(hidden_size=v), {"zero": 0, "str": "8"})
rows("BERTConfig.pad_token_id", "pad_token_id", lambda v: _models().BERTConfig(pad_token_id=v),
     {"negative": -1, "float": 0.5, "too_big": 10**6})
rows("GPT(input_ids)", "input_ids", lambda v: _gpt()(v),
     {"float": torch.full((2, 5), 1.7), "out_of_range": T([[11]]), "negative": T([[-1]]), "rank1": T([1, 2]),
      "empty": torch.zeros(1, 0, dtype=torch.long), "too_long": torch.zeros(1, 9, dtype=torch.long), "list": [[1, 2]]})
rows("GPT(targets)", "targets", lambda v: _gpt()(torch.zeros(2, 5, dtype=torch.long), v),
     {"float": torch.full((2, 5), 1.7), "out_of_range": torch.full((2, 5), 11), "all_ignored": torch.full((2, 5), -100),
      "negative": torch.full((2, 5), -2), "shape": torch.zeros(2, 4, dtype=torch.long), "list": [[1] * 5] * 2})
rows("GPT(attention_mask)", "attention_mask",
     lambda v: _gpt()(torch.zeros(2, 5, dtype=torch.long), attention_mask=v),
     {"shape": torch.ones(2, 4), "minus_one": torch.full((2, 5), -1)})
rows("BERT(input_ids)", "input_ids", lambda v: _bert()(v),
     {"float": torch.full((2, 5), 1.0), "out_of_range": T([[13]]), "too_long": torch.zeros(1, 9, dtype=torch.long)})
rows("BERT(token_type_ids)", "token_type_ids", lambda v: _bert()(torch.zeros(1, 4, dtype=torch.long), v),
     {"two": torch.full((1, 4), 2), "float": torch.zeros(1, 4)})
rows("BERT(attention_mask)", "attention_mask",
     lambda v: _bert()(torch.zeros(1, 4, dtype=torch.long), attention_mask=v),
     {"minus_one": T([[1, 1, -1, 0]]), "shape": torch.ones(1, 3)})
rows("BERT(mlm_labels)", "mlm_labels", lambda v: _bert()(torch.zeros(1, 4, dtype=torch.long), mlm_labels=v),
     {"float": T([[0.3, -100.0, -100.0, -100.0]]), "out_of_range": T([[13, -100, -100, -100]]),
      "all_ignored": torch.full((1, 4), -100)})
rows("BERT(nsp_labels)", "nsp_labels", lambda v: _bert()(torch.zeros(1, 4, dtype=torch.long), nsp_labels=v),
     {"two": T([2]), "float": T([0.5])})


# ---------------------------------------------------------------- embeddings
def _emb():
    import lmkit.embeddings as e

    return e


rows("Vocabulary.build.tokens", "tokens", lambda v: _emb().Vocabulary.build(v),
     {"str": "thecat", "sentence_str": "the cat sat", "ints": [1, 2], "empty": [], "none": None})
rows("Vocabulary.build.min_count", "min_count", lambda v: _emb().Vocabulary.build(["a"], min_count=v),
     {"zero": 0, "float": 1.5, "str": "1"})
rows("Vocabulary.encode", "tokens", lambda v: _vocab().encode(v), {"str": "the cat", "unknown": ["dog"]})
rows("Vocabulary.decode", "ids", lambda v: _vocab().decode(v), {"out_of_range": [99], "negative": [-1], "float": [0.5]})
rows("one_hot.ids", "ids", lambda v: _emb().one_hot(v, 4),
     {"float": T([0.0, 1.0]), "out_of_range": T([4]), "negative": T([-1]), "list": [0, 1]})
rows("one_hot.vocab_size", "vocab_size", lambda v: _emb().one_hot(T([0]), v), NOT_POSITIVE_INT)
rows("cooccurrence_matrix.ids", "ids", lambda v: _emb().cooccurrence_matrix(v, 4),
     {"float": IDS.float(), "rank2": IDS[None], "out_of_range": T([0, 9])})
rows("cooccurrence_matrix.window", "window", lambda v: _emb().cooccurrence_matrix(IDS, 4, v), NOT_POSITIVE_INT)
rows("cooccurrence_matrix.weighting", "weighting", lambda v: _emb().cooccurrence_matrix(IDS, 4, weighting=v),
     {"typo": "harmonik"})
rows("cooccurrence_matrix.sentence_ids", "sentence_ids", lambda v: _emb().cooccurrence_matrix(IDS, 4, sentence_ids=v),
     {"shape": T([0, 0]), "float": IDS.float()})
rows("ppmi.counts", "counts", lambda v: _emb().ppmi(v),
     {"negative": -torch.ones(3, 3), "zeros": torch.zeros(3, 3), "int": torch.ones(3, 3, dtype=torch.long),
      "rank1": torch.ones(3), "nan": torch.full((2, 2), math.nan), "list": [[1.0]]})
rows("ppmi.context_smoothing", "context_smoothing", lambda v: _emb().ppmi(torch.ones(3, 3), context_smoothing=v),
     {"zero": 0.0, "above_one": 2.0, "nan": math.nan, "str": "0.75"})
rows("svd_vectors.dim", "dim", lambda v: _emb().svd_vectors(torch.rand(4, 4), v),
     {"zero": 0, "too_big": 5, "float": 2.5, "str": "2"})
rows("svd_vectors.matrix", "matrix", lambda v: _emb().svd_vectors(v, 2),
     {"nan": torch.full((3, 3), math.nan), "int": torch.ones(3, 3, dtype=torch.long), "rank1": torch.ones(3)})
rows("skipgram_pairs.ids", "ids", lambda v: _emb().skipgram_pairs(v, 2), {"float": IDS.float(), "list": [0, 1]})
rows("skipgram_pairs.window", "window", lambda v: _emb().skipgram_pairs(IDS, v), NOT_POSITIVE_INT)
rows("skipgram_pairs.generator", "generator", lambda v: _emb().skipgram_pairs(IDS, 2, generator=v), {"int": 0})
rows("keep_probabilities.counts", "counts", lambda v: _emb().keep_probabilities(v),
     {"negative": T([-1.0, 2.0]), "nan": T([math.nan, 1.0]), "zeros": torch.zeros(3), "rank2": torch.ones(2, 2)})
rows("keep_probabilities.t", "t", lambda v: _emb().keep_probabilities(COUNTS, v), NOT_POSITIVE_FLOAT)
rows("subsample.ids", "ids", lambda v: _emb().subsample(v, COUNTS), {"float": IDS.float(), "out_of_range": T([7])})
rows("noise_distribution.counts", "counts", lambda v: _emb().noise_distribution(v),
     {"nan": T([math.nan, 1.0]), "inf": T([math.inf, 1.0]), "negative": T([-1.0, 1.0]), "empty": T([])})
rows("noise_distribution.power", "power", lambda v: _emb().noise_distribution(COUNTS, v),
     {"negative": -1.0, "nan": math.nan, "str": "0.75"})
rows("sample_negatives.noise", "noise", lambda v: _emb().sample_negatives(v, 3),
     {"negative": T([-0.5, 1.5]), "int": T([1, 2]), "nan": T([math.nan, 1.0])})
rows("sample_negatives.shape", "shape", lambda v: _emb().sample_negatives(T([0.5, 0.5]), v),
     {"negative": -1, "float": 2.5, "str": "3"})
rows("sgns_loss.center", "center", lambda v: _emb().sgns_loss(v, torch.randn(2, 3), torch.randn(2, 4, 3)),
     {"rank1": torch.randn(3), "int": torch.ones(2, 3, dtype=torch.long), "nan": torch.full((2, 3), math.nan)})
rows("sgns_loss.negatives", "negatives", lambda v: _emb().sgns_loss(torch.randn(2, 3), torch.randn(2, 3), v),
     {"width": torch.randn(2, 4, 5), "rank2": torch.randn(2, 3)})
rows("SkipGramModel.dim", "dim", lambda v: _emb().SkipGramModel(5, v), NOT_POSITIVE_INT)
rows("train_sgns.vocab", "vocab", lambda v: _emb().train_sgns(["a b"], v, progress=False), {"list": ["a", "b"]})
rows("train_sgns.corpus", "corpus", lambda v: _emb().train_sgns(v, _vocab(), epochs=1, progress=False),
     {"str": "the cat sat", "none": None})
rows("train_sgns.lr", "lr", lambda v: _emb().train_sgns(["the cat"], _vocab(), lr=v, progress=False),
     NOT_POSITIVE_FLOAT)
rows("cosine_similarity.a", "a", lambda v: _emb().cosine_similarity(v, torch.randn(3)),
     {"int": T([1, 2, 3]), "width": torch.randn(4), "list": [1.0, 2.0, 3.0], "scalar": T(1.0)})
rows("nearest_neighbours.k", "k", lambda v: _emb().nearest_neighbours(torch.randn(6, 3), _vocab(), "cat", v),
     NOT_POSITIVE_INT)
rows("nearest_neighbours.query", "query", lambda v: _emb().nearest_neighbours(torch.randn(6, 3), _vocab(), v),
     {"unknown": "dog", "width": torch.randn(4), "int": 3})
rows("nearest_neighbours.vectors", "vectors", lambda v: _emb().nearest_neighbours(v, _vocab(), "cat"),
     {"rows": torch.randn(5, 3), "int": torch.ones(6, 3, dtype=torch.long)})
rows("analogy.a", "a", lambda v: _emb().analogy(torch.randn(6, 3), _vocab(), v, "cat", "mat"),
     {"unknown": "dog", "int": 3})
rows("evaluate_analogies.questions", "question",
     lambda v: _emb().evaluate_analogies(torch.randn(6, 3), _vocab(), v), {"str": ["abcd"], "triple": [("a", "b", "c")]})
rows("project_2d.vectors", "vectors", lambda v: _emb().project_2d(v),
     {"one_row": torch.randn(1, 3), "rank1": torch.randn(3), "int": torch.ones(3, 3, dtype=torch.long)})


# ---------------------------------------------------------------- tokenizers
def _tok():
    import lmkit.tokenizers as t

    return t


rows("count_pairs.ids", "ids", lambda v: _tok().count_pairs(v),
     {"str": "abc", "floats": [1.0, 2.0], "none": None, "tensor_float": T([1.0])})
rows("merge_pair.pair", "pair", lambda v: _tok().merge_pair([1, 2], v, 9), {"triple": (1, 2, 3), "floats": (1.0, 2.0)})
rows("merge_pair.new_id", "new_id", lambda v: _tok().merge_pair([1, 2], (1, 2), v),
     {"str": "x", "float": 9.5, "negative": -1, "none": None})
rows("CharTokenizer.from_text", "text", lambda v: _tok().CharTokenizer.from_text(v), {"list": ["ab"], "none": None})
rows("CharTokenizer.encode", "text", lambda v: _tok().CharTokenizer.from_text("abc").encode(v), {"list": ["a"]})
rows("CharTokenizer.decode", "ids", lambda v: _tok().CharTokenizer.from_text("abc").decode(v),
     {"out_of_range": [3], "negative": [-1], "str": "a", "floats": [0.0]})
rows("BPETokenizer.train.vocab_size", "vocab_size", lambda v: _tok().BPETokenizer.train("ab ab", v),
     {"small": 10, "float": 300.5, "str": "300"})
rows("BPETokenizer.train.text", "text", lambda v: _tok().BPETokenizer.train(v, 300), {"list": ["ab"], "bytes": b"ab"})
rows("WordPieceTokenizer.vocab", "vocab", lambda v: _tok().WordPieceTokenizer(v), {"str": "abc", "no_unk": ["a", "b"]})
rows("WordPieceTokenizer.decode", "ids", lambda v: _tok().WordPieceTokenizer(["[UNK]", "a"]).decode(v),
     {"out_of_range": [5], "str": "a"})
rows("WordPieceTokenizer.tokenize", "text", lambda v: _tok().WordPieceTokenizer(["[UNK]", "a"]).tokenize(v),
     {"int": 3, "list": ["a"]})


# ---------------------------------------------------------------- generation
def _gen():
    import lmkit.generation as g

    return g


rows("top_k_filter.k", "k", lambda v: _gen().top_k_filter(torch.randn(2, 5), v), NOT_POSITIVE_INT)
rows("top_k_filter.logits", "logits", lambda v: _gen().top_k_filter(v, 2),
     {"int": T([[1, 2, 3]]), "list": [[1.0, 2.0]]})
rows("top_p_filter.p", "p", lambda v: _gen().top_p_filter(torch.randn(2, 5), v),
     {"zero": 0.0, "above_one": 1.5, "nan": math.nan, "str": "0.9"})
rows("generate.max_new_tokens", "max_new_tokens", lambda v: _gen().generate(_gpt(), T([[1]]), v),
     {"negative": -1, "float": 2.5, "str": "3"})
rows("generate.temperature", "temperature", lambda v: _gen().generate(_gpt(), T([[1]]), 2, temperature=v),
     {"zero": 0.0, "negative": -1.0, "nan": math.nan})
rows("generate.input_ids", "input_ids", lambda v: _gen().generate(_gpt(), v, 2),
     {"float": T([[1.0]]), "rank1": T([1]), "out_of_range": T([[11]])})
rows("generate.top_k", "top_k", lambda v: _gen().generate(_gpt(), T([[1]]), 2, top_k=v), {"zero": 0, "float": 2.5})
rows("generate.top_p", "top_p", lambda v: _gen().generate(_gpt(), T([[1]]), 2, top_p=v), {"above_one": 1.5})


# ---------------------------------------------------------------- pre-training
def _pt():
    import lmkit.pretraining as p

    return p


rows("token_blocks.ids", "ids", lambda v: _pt().token_blocks(v, 2),
     {"float_list": [0.5, 1.7, 2.2, 3.9], "float_tensor": torch.arange(6.0), "negative": [-1, 2, 3, 4],
      "str": "abcdef", "rank2": torch.zeros(2, 4, dtype=torch.long)})
rows("token_blocks.block_size", "block_size", lambda v: _pt().token_blocks(list(range(10)), v), NOT_POSITIVE_INT)
rows("batch_blocks.batch_size", "batch_size", lambda v: next(_pt().batch_blocks(list(range(20)), 4, v)),
     NOT_POSITIVE_INT)
rows("batch_blocks.ids", "ids", lambda v: next(_pt().batch_blocks(v, 2, 2)),
     {"float_list": [0.5] * 10, "negative": [-3] * 10})
rows("perplexity", "mean_cross_entropy", lambda v: _pt().perplexity(v),
     {"overflow": 1000.0, "negative": -1.0, "nan": math.nan, "str": "2", "vector": T([1.0, 2.0]), "none": None})
rows("mask_tokens.input_ids", "input_ids", lambda v: _pt().mask_tokens(v, vocab_size=10, mask_token_id=3),
     {"float": torch.ones(2, 3), "rank1": T([1, 2]), "out_of_range": T([[11, 2]]), "list": [[1, 2]]})
rows("mask_tokens.mlm_probability", "mlm_probability",
     lambda v: _pt().mask_tokens(T([[1, 2]]), vocab_size=10, mask_token_id=3, mlm_probability=v), NOT_PROB)
rows("mask_tokens.mask_token_id", "mask_token_id",
     lambda v: _pt().mask_tokens(T([[1, 2]]), vocab_size=10, mask_token_id=v), {"out": 10, "float": 3.0})
rows("mask_tokens.attention_mask", "attention_mask",
     lambda v: _pt().mask_tokens(T([[1, 2]]), vocab_size=10, mask_token_id=3, attention_mask=v),
     {"minus_one": T([[1, -1]]), "shape": T([[1]])})
_DOCS = [["a b", "c d", "e f"], ["g h", "i j"]]
rows("make_nsp_pairs.n_pairs", "n_pairs", lambda v: _pt().make_nsp_pairs(_DOCS, v),
     {"huge": 10**8, "zero": 0, "float": 2.5, "str": "3"})
rows("make_nsp_pairs.documents", "documents", lambda v: _pt().make_nsp_pairs(v, 3),
     {"str": "a b. c d.", "none": None, "ints": [[1, 2, 3]]})


def _train(**kw):
    model = _gpt()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    batches = [(torch.zeros(2, 4, dtype=torch.long), torch.ones(2, 4, dtype=torch.long))] * 3
    return _pt().train_steps(model, batches, opt, **{**dict(steps=2, progress=False), **kw})


rows("train_steps.max_grad_norm", "max_grad_norm", lambda v: _train(max_grad_norm=v),
     {"negative": -1.0, "zero": 0.0, "nan": math.nan, "str": "1.0"})
rows("train_steps.steps", "steps", lambda v: _train(steps=v), NOT_POSITIVE_INT)
rows("train_steps.model", "model", lambda v: _pt().train_steps(v, [], torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1), steps=1),
     {"str": "gpt", "none": None})
rows("train_steps.optimizer", "optimizer", lambda v: _pt().train_steps(_gpt(), [], v, steps=1), {"str": "adam"})
rows("save_checkpoint.step", "step", lambda v: _pt().save_checkpoint("/tmp/lmkit-fuzz.pt", _gpt(), step=v),
     NOT_NON_NEG_INT)
def _missing_folder(path):
    import tempfile
    from pathlib import Path

    return Path(tempfile.mkdtemp(prefix="lmkit-fuzz-")) / "no-such-folder" / "c.pt" if path == "MISSING" else path


rows("save_checkpoint.path", "path", lambda v: _pt().save_checkpoint(_missing_folder(v), _gpt(), step=0),
     {"missing_folder": "MISSING", "int": 3, "none": None})
rows("load_checkpoint.model", "model", lambda v: _pt().load_checkpoint("/tmp/lmkit-fuzz.pt", v), {"str": "gpt"})


# ---------------------------------------------------------------- hub, pretrained
def _hub():
    import lmkit.hub as h

    return h


def _bad_config(text: str):
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp(prefix="lmkit-fuzz-"))
    (folder / "config.json").write_text(text)
    return folder


rows("load_gpt2.path", "config.json", lambda v: _hub().load_gpt2(_bad_config(v)),
     {"list": "[1, 2]", "not_json": "{oops", "str_layers": '{"n_layer": "2"}'})
rows("load_bert.path", "config.json", lambda v: _hub().load_bert(_bad_config(v)),
     {"list": "[]", "float_heads": '{"num_attention_heads": 1.5}'})
rows("load_gpt2.missing", "path", lambda v: _hub().load_gpt2(v), {"int": 3, "no_dir": "/tmp/lmkit-no-such-dir"})
rows("mean_pool.attention_mask", "attention_mask", lambda v: _hub().mean_pool(torch.randn(1, 3, 4), v),
     {"minus_one": T([[1, -1, 1]]), "shape": T([[1, 1]]), "list": [[1, 1, 1]]})
rows("mean_pool.last_hidden_state", "last_hidden_state", lambda v: _hub().mean_pool(v, T([[1, 1, 1]])),
     {"rank2": torch.randn(3, 4), "int": torch.ones(1, 3, 4, dtype=torch.long)})
rows("save_gpt2.model", "model", lambda v: _hub().save_gpt2(v, path="/tmp/lmkit-fuzz-gpt2"), {"bert": "bert"})


def _pre():
    import lmkit.pretrained as p

    return p


_TOY_TOKENIZER = []


def _toy_tokenizer():
    if not _TOY_TOKENIZER:  # built once: it reads the whole toy world
        _TOY_TOKENIZER.append(_pre().toy_tokenizer())
    return _TOY_TOKENIZER[0]


rows("encode_sentences.max_length", "max_length",
     lambda v: _pre().encode_sentences(_toy_tokenizer(), ["paris is big ."], v),
     {"zero": 0, "float": 8.5, "str": "8"})
rows("encode_sentences.sentences", "sentences",
     lambda v: _pre().encode_sentences(_toy_tokenizer(), v, 8), {"str": "paris is big .", "ints": [1]})
rows("PretrainSettings.lr", "lr", lambda v: _pre().PretrainSettings(lr=v), {"zero": 0.0, "nan": math.nan})
rows("PretrainSettings.steps", "steps", lambda v: _pre().PretrainSettings(steps=v), {"zero": 0, "float": 1.5})


# ---------------------------------------------------------------- fine-tuning, tasks
def _ft():
    import lmkit.finetuning as f

    return f


rows("accuracy.predictions", "predictions", lambda v: _ft().accuracy(v, T([1, 0])),
     {"float": T([0.9, 0.1]), "shape": T([1]), "list": [1, 0], "rank2": T([[1, 0]])})
rows("precision_recall_f1.positive", "positive", lambda v: _ft().precision_recall_f1(T([1, 0]), T([1, 1]), v),
     {"str": "1", "float": 1.5})
rows("confusion_matrix.num_labels", "num_labels", lambda v: _ft().confusion_matrix(T([1, 0]), T([1, 2]), v),
     {"zero": 0, "too_small": 2, "float": 3.5})
rows("confusion_matrix.targets", "targets", lambda v: _ft().confusion_matrix(T([1, 0]), v),
     {"negative": T([-1, 0]), "float": T([1.0, 0.0])})
rows("BertClassifier.num_labels", "num_labels", lambda v: _ft().BertClassifier(_bert(), v), NOT_POSITIVE_INT)
rows("BertClassifier.encoder", "encoder", lambda v: _ft().BertClassifier(v, 2), {"gpt": "bert", "none": None})
rows("fit_linear_probe.features", "features", lambda v: _ft().fit_linear_probe(v, T([0, 1]), steps=1),
     {"int": T([[1, 2], [3, 4]]), "nan": torch.full((2, 2), math.nan), "rank1": T([1.0, 2.0])})
rows("fit_linear_probe.labels", "labels", lambda v: _ft().fit_linear_probe(torch.randn(2, 3), v, steps=1),
     {"float": T([0.0, 1.0]), "negative": T([-1, 0]), "shape": T([0, 1, 1])})
rows("train_classifier.epochs", "epochs",
     lambda v: _ft().train_classifier(_ft().BertClassifier(_bert(), 2), torch.zeros(2, 4, dtype=torch.long),
                                      torch.ones(2, 4, dtype=torch.long), T([0, 1]), epochs=v), NOT_POSITIVE_INT)
rows("train_classifier.labels", "labels",
     lambda v: _ft().train_classifier(_ft().BertClassifier(_bert(), 2), torch.zeros(2, 4, dtype=torch.long),
                                      torch.ones(2, 4, dtype=torch.long), v, epochs=1),
     {"float": T([0.0, 1.0]), "out_of_range": T([0, 5])})


def _tasks():
    import lmkit.tasks as t

    return t


rows("attention_share.attentions", "attentions", lambda v: _tasks().attention_share(v, T([1]), T([0])),
     {"rank2": torch.rand(3, 3), "int": torch.ones(1, 1, 1, 3, 3, dtype=torch.long)})
rows("agreement_accuracy.task", "task", lambda v: _tasks().agreement_accuracy(torch.randn(1, 2, 3), v),
     {"none": None, "dict": {}})

def _toyworld():
    import lmkit.data.toyworld as t

    return t


rows("corpus_tokens.sentences", "sentences", lambda v: _toyworld().corpus_tokens(v),
     {"str": "the cat sat", "ints": [1, 2], "none": None})

# Inputs that functions document they accept (and so must not reject).
ACCEPTED = {
    "generate.input_ids[rank1]": "generate documents that a 1-D (L,) prompt is treated as B = 1",
    "generate.temperature[zero]": "generate documents temperature=0 as greedy decoding",
}


# ---------------------------------------------------------------- the runner
class _Hang(Exception):
    pass


def _on_alarm(signum, frame):
    raise _Hang()


def outcome(arg: str, thunk, seconds: float = 120.0) -> tuple[str, str]:
    """("clear" | "unhelpful" | "silent" | "hang", what happened)."""
    old = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        thunk()
    except _Hang:
        return "hang", f"still running after {seconds} s"
    except (TypeError, ValueError) as error:
        message = str(error)
        if arg in message:
            return "clear", f"{type(error).__name__}: {message}"
        return "unhelpful", f"{type(error).__name__} without naming {arg!r}: {message}"
    except Exception as error:  # noqa: BLE001 - any other exception is an internal one
        return "unhelpful", f"{type(error).__name__}: {error}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    return "silent", "returned without an error"


@pytest.mark.timeout(600)
@pytest.mark.parametrize("case_id, arg, thunk", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_an_error_naming_the_argument(case_id, arg, thunk):
    if case_id in ACCEPTED:
        thunk()
        return
    kind, detail = outcome(arg, thunk)
    assert kind == "clear", f"{case_id}: {kind}: {detail[:300]}"


def main() -> int:
    counts: Counter = Counter()
    for case_id, arg, thunk in CASES:
        kind, detail = outcome(arg, thunk)
        if case_id in ACCEPTED:  # documented: the function means to accept this input
            kind = "accepted" if kind == "silent" else kind
        counts[kind] += 1
        if "-v" in sys.argv and kind not in ("clear", "accepted"):
            print(f"{kind:10} {case_id}: {detail[:160]}")
    total = sum(counts.values())
    print(f"{total} bad inputs: " + ", ".join(f"{k} {counts[k]} ({counts[k] / total:.0%})"
                                             for k in ("clear", "unhelpful", "silent", "hang", "accepted")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
