"""Using word vectors: cosine similarity, neighbours, analogies, a 2-D projection.

Backs 01 §3.4 (Exercise 4 ``cosine_similarity``) and 01 §5 (Exercise 8 ``analogy``,
3CosAdd; ``evaluate_analogies`` over the toy world's questions), and the word maps
drawn with ``project_2d`` (PCA).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor

from lmkit._validate import positive_int, tensor
from lmkit.embeddings._checks import _check_float_matrix
from lmkit.embeddings.counts import _fix_signs
from lmkit.embeddings.vocab import Vocabulary


def cosine_similarity(a: Tensor, b: Tensor, *, eps: float = 1e-8) -> Tensor:
    """cos(a, b) = a·b / (|a| |b|) along the last dimension, with broadcasting.

    a: (..., d), b: (..., d) -> (...) (the broadcast of the leading dimensions).
    A zero vector has similarity 0 with everything (instead of 0/0 = NaN).
    """
    tensor("a", a)
    tensor("b", b)
    for name, value in (("a", a), ("b", b)):
        if not value.dtype.is_floating_point:
            raise TypeError(f"{name} must be a floating-point tensor; got dtype {value.dtype}")
        if value.dim() == 0:
            raise ValueError(f"{name} must have shape (..., d); got a scalar")
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"a and b must have the same last dimension d; got {tuple(a.shape)} and {tuple(b.shape)}")
    dot = (a * b).sum(dim=-1)
    norms = a.norm(dim=-1).clamp(min=eps) * b.norm(dim=-1).clamp(min=eps)
    return dot / norms


def _check_vectors(vectors: Any, vocab: Vocabulary) -> Tensor:
    _check_float_matrix(vectors, "vectors")
    if not isinstance(vocab, Vocabulary):
        raise TypeError(f"vocab must be a lmkit.embeddings.Vocabulary; got {type(vocab).__name__}")
    if vectors.shape[0] != len(vocab):
        raise ValueError(f"vectors must have one row per word, shape ({len(vocab)}, d); got {tuple(vectors.shape)}")
    return vectors


def _top_k(scores: Tensor, vocab: Vocabulary, k: int, exclude_ids: Iterable[int]) -> list[tuple[str, float]]:
    """The ``k`` best-scoring words of a (V,) score vector, skipping ``exclude_ids``."""
    scores = scores.clone()
    excluded = sorted(set(exclude_ids))
    if excluded:
        scores[torch.tensor(excluded, device=scores.device)] = -math.inf
    k = min(k, len(vocab) - len(excluded))
    if k <= 0:
        return []
    values, indices = scores.topk(k)
    return [(vocab.itos[i], float(v)) for v, i in zip(values.tolist(), indices.tolist())]


def nearest_neighbours(
    vectors: Tensor, vocab: Vocabulary, query: str | Tensor, k: int = 5, *, exclude: Iterable[str] = ()
) -> list[tuple[str, float]]:
    """The ``k`` words whose vectors have the highest cosine similarity to ``query``.

    vectors: (V, d); query: a word (which is then excluded from its own neighbours)
    or a (d,) vector. ``exclude`` names more words to skip. Returns up to k
    (word, similarity) pairs, most similar first.
    """
    _check_vectors(vectors, vocab)
    positive_int("k", k)
    if isinstance(exclude, str):
        exclude = (exclude,)
    exclude_ids = [vocab.index(word, name="exclude") for word in exclude]
    if isinstance(query, str):
        exclude_ids.append(vocab.index(query, name="query"))
        query_vector = vectors[vocab.index(query, name="query")]
    elif isinstance(query, Tensor):
        if query.shape != (vectors.shape[1],):
            raise ValueError(f"a query vector must have shape ({vectors.shape[1]},); got {tuple(query.shape)}")
        query_vector = query.to(vectors.device, vectors.dtype)
    else:
        raise TypeError(f"query must be a word (str) or a (d,) tensor; got {type(query).__name__}")
    return _top_k(cosine_similarity(vectors, query_vector), vocab, k, exclude_ids)


def _unit_rows(vectors: Tensor) -> Tensor:
    return vectors / vectors.norm(dim=-1, keepdim=True).clamp(min=1e-8)


def analogy(vectors: Tensor, vocab: Vocabulary, a: str, b: str, c: str, k: int = 1) -> list[tuple[str, float]]:
    """Answer "a is to b as c is to ?" with 3CosAdd.

    All vectors are normalised to unit length, the target is t = b̂ − â + ĉ and the
    answer is the word d (other than a, b, c) maximising cos(d̂, t). Returns the k
    best (word, cosine) pairs. Example: analogy(V, vocab, "france", "paris",
    "japan") should give "tokyo".
    """
    _check_vectors(vectors, vocab)
    positive_int("k", k)
    ids = [vocab.index(word, name=name) for name, word in (("a", a), ("b", b), ("c", c))]
    unit = _unit_rows(vectors)
    target = unit[ids[1]] - unit[ids[0]] + unit[ids[2]]
    return _top_k(cosine_similarity(unit, target), vocab, k, ids)


@dataclass
class AnalogyReport:
    """Result of :func:`evaluate_analogies`.

    accuracy: fraction of answerable questions whose top 3CosAdd answer is right (NaN
    if none was answerable); per_relation: the same per relation name; correct/total:
    the counts behind ``accuracy``; skipped: questions with a word missing from the
    vocabulary.
    """

    accuracy: float
    per_relation: dict[str, float] = field(default_factory=dict)
    correct: int = 0
    total: int = 0
    skipped: int = 0

    def __str__(self) -> str:
        lines = [f"analogy accuracy: {self.accuracy:.1%} ({self.correct}/{self.total}, {self.skipped} skipped)"]
        lines += [f"  {name:<20} {value:.1%}" for name, value in sorted(self.per_relation.items())]
        return "\n".join(lines)


def _question_fields(question: Any) -> tuple[str, str, str, str, str]:
    """(a, b, c, d, relation) from an object with those attributes or a 4-/5-tuple."""
    if all(hasattr(question, name) for name in ("a", "b", "c", "d")):
        return question.a, question.b, question.c, question.d, str(getattr(question, "relation", "all"))
    if isinstance(question, (tuple, list)) and len(question) in (4, 5):
        relation = str(question[4]) if len(question) == 5 else "all"
        return question[0], question[1], question[2], question[3], relation
    raise TypeError(f"an analogy question must have fields a, b, c, d (and relation) or be a 4/5-tuple; got {question!r}")


def evaluate_analogies(vectors: Tensor, vocab: Vocabulary, questions: Iterable[Any]) -> AnalogyReport:
    """Score 3CosAdd on analogy questions "a : b :: c : d".

    vectors: (V, d). Each question is an object with attributes a, b, c, d, relation
    (like lmkit.data's ``Analogy``) or a tuple (a, b, c, d[, relation]). A question
    is right when d is the top answer of :func:`analogy`. Questions with a word not
    in ``vocab`` are counted in ``skipped``. All questions are scored in one batch.
    """
    _check_vectors(vectors, vocab)
    questions = [_question_fields(q) for q in questions]
    if not questions:
        raise ValueError("evaluate_analogies needs at least one question; got none")
    answerable = [q for q in questions if all(word in vocab for word in q[:4])]
    skipped = len(questions) - len(answerable)
    if not answerable:
        return AnalogyReport(accuracy=math.nan, skipped=skipped)
    ids = torch.tensor([[vocab.stoi[w] for w in q[:4]] for q in answerable], device=vectors.device)  # (Q, 4)
    unit = _unit_rows(vectors)
    targets = unit[ids[:, 1]] - unit[ids[:, 0]] + unit[ids[:, 2]]  # (Q, d)
    scores = _unit_rows(targets) @ unit.T  # (Q, V): cosines, since every row is unit length
    scores.scatter_(1, ids[:, :3], -math.inf)  # the question words are not allowed as answers
    hits = scores.argmax(dim=1) == ids[:, 3]
    per_relation: dict[str, list[bool]] = {}
    for question, hit in zip(answerable, hits.tolist()):
        per_relation.setdefault(question[4], []).append(hit)
    correct = int(hits.sum())
    return AnalogyReport(
        accuracy=correct / len(answerable),
        per_relation={name: sum(h) / len(h) for name, h in per_relation.items()},
        correct=correct,
        total=len(answerable),
        skipped=skipped,
    )


def project_2d(vectors: Tensor) -> Tensor:
    """Project (N, d) vectors onto their first two principal components: (N, 2).

    PCA via SVD: centre the rows, take the SVD X = U S Vᵀ and return X V[:, :2]
    (= U[:, :2] S[:2]). Axis signs are fixed (largest entry positive) for
    reproducible plots.
    """
    _check_float_matrix(vectors, "vectors")
    if vectors.shape[0] < 2 or vectors.shape[1] < 2:
        raise ValueError(f"project_2d needs at least 2 vectors of dimension >= 2, shape (N, d); got {tuple(vectors.shape)}")
    centred = vectors - vectors.mean(dim=0, keepdim=True)
    u, s, _ = torch.linalg.svd(centred, full_matrices=False)
    return _fix_signs(u[:, :2] * s[:2])
