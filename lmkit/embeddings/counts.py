"""Count-based word vectors: co-occurrence counts, PPMI, truncated SVD.

Backs 01 §3.1 (Exercise 2 ``cooccurrence_matrix``), §3.2 (Exercise 3 ``ppmi``) and
§3.3 (``svd_vectors``). ``cooccurrence_matrix`` counts which words appear near
which, ``ppmi`` reweights the counts by how surprising they are, and
``svd_vectors`` compresses the (V, V) matrix into dense (V, d) vectors.
"""

from __future__ import annotations

import torch
from torch import Tensor

from lmkit._validate import number, positive_int
from lmkit.embeddings._checks import _check_float_matrix, _check_ids, _check_sentence_ids, _same_sentence


def cooccurrence_matrix(
    ids: Tensor,
    vocab_size: int,
    window: int = 2,
    *,
    weighting: str = "uniform",
    sentence_ids: Tensor | None = None,
) -> Tensor:
    """Count how often word j appears within ``window`` positions of word i.

    ids: (N,) int ids of a running text. Returns X: (V, V) float32, symmetric, where
    ``X[i, j]`` sums, over every pair of positions at distance 1..window holding
    words i and j, a weight of 1 (``weighting="uniform"``) or 1/distance
    (``"harmonic"``, as GloVe does: near neighbours count more). Each unordered pair
    of positions adds to both ``X[i, j]`` and ``X[j, i]``.
    ``sentence_ids`` (N,), if given, stops windows at sentence boundaries.
    """
    positive_int("vocab_size", vocab_size)
    _check_ids(ids, "ids", vocab_size=vocab_size, ndim=1)
    positive_int("window", window)
    if weighting not in ("uniform", "harmonic"):
        raise ValueError(f"weighting must be 'uniform' or 'harmonic'; got {weighting!r}")
    sentence_ids = _check_sentence_ids(sentence_ids, ids)
    ids = ids.long()
    counts = torch.zeros(vocab_size, vocab_size, dtype=torch.float32, device=ids.device)
    positions = torch.arange(ids.numel(), device=ids.device)
    for distance in range(1, min(window, ids.numel() - 1) + 1):
        left, right = positions[:-distance], positions[distance:]
        weight = 1.0 if weighting == "uniform" else 1.0 / distance
        values = torch.full(left.shape, weight, device=ids.device) * _same_sentence(sentence_ids, left, right)
        # Both directions: word i sees j on its right, and j sees i on its left.
        counts.index_put_((ids[left], ids[right]), values, accumulate=True)
        counts.index_put_((ids[right], ids[left]), values, accumulate=True)
    return counts


def ppmi(counts: Tensor, *, context_smoothing: float | None = 0.75) -> Tensor:
    """Positive pointwise mutual information of a (V, C) co-occurrence matrix.

    PMI(w, c) = log P(w, c) / (P(w) P(c)): how much more often w and c occur together
    than they would if they were independent. PPMI = max(PMI, 0), and 0 where the
    pair was never seen. With ``context_smoothing=α`` the context probabilities
    are computed from counts raised to α (Levy, Goldberg & Dagan 2015), which
    stops rare contexts from getting huge PMI values; ``None`` uses plain counts.
    Returns (V, C) float, same dtype and device as ``counts``.
    """
    _check_float_matrix(counts, "counts")
    if bool((counts < 0).any()):
        raise ValueError(f"counts must be non-negative; got minimum {counts.min().item()}")
    total = counts.sum()
    if float(total) <= 0:
        raise ValueError("counts must have a positive total; got all zeros")
    if context_smoothing is not None:
        number("context_smoothing", context_smoothing, low=0.0, high=1.0, low_open=True,
               what="a number in (0, 1] or None")
    p_joint = counts / total
    p_word = counts.sum(dim=1, keepdim=True) / total  # (V, 1)
    context_mass = counts.sum(dim=0, keepdim=True)  # (1, C)
    if context_smoothing is not None:
        context_mass = context_mass ** float(context_smoothing)
    p_context = context_mass / context_mass.sum()
    seen = counts > 0
    # Only seen pairs get a PMI; where counts are 0 the log would be -inf.
    pmi = torch.log(torch.where(seen, p_joint, 1.0) / torch.where(seen, p_word * p_context, 1.0))
    return torch.where(seen, pmi.clamp(min=0.0), torch.zeros_like(pmi))


def _fix_signs(vectors: Tensor) -> Tensor:
    """Flip each column so its largest-magnitude entry is positive (SVD signs are arbitrary)."""
    largest = vectors.abs().argmax(dim=0)
    signs = torch.sign(vectors[largest, torch.arange(vectors.shape[1], device=vectors.device)])
    return vectors * torch.where(signs == 0, torch.ones_like(signs), signs)


def svd_vectors(matrix: Tensor, dim: int, *, power: float = 0.5) -> Tensor:
    """Dense (V, dim) word vectors from a (V, C) matrix by truncated SVD.

    With M = U S Vᵀ, the rank-``dim`` approximation is U_d S_d V_dᵀ. We return
    U_d · S_d^power. ``power=1`` gives the rows of the best rank-d approximation
    (in the V_d basis); ``power=0.5`` (the default) splits S evenly between words
    and contexts, which Levy, Goldberg & Dagan (2015) found gives better word
    similarities, because a few huge singular values no longer dominate the
    cosine. Column signs are fixed (largest entry positive) so results are
    reproducible.
    """
    _check_float_matrix(matrix, "matrix")
    positive_int("dim", dim)
    if dim > min(matrix.shape):
        raise ValueError(f"dim must be at most min(V, C) = {min(matrix.shape)} for a {tuple(matrix.shape)} matrix; got {dim}")
    u, s, _ = torch.linalg.svd(matrix, full_matrices=False)
    return _fix_signs(u[:, :dim] * s[:dim] ** power)
