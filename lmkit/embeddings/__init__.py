"""Word vectors: from one-hot codes to count-based vectors to word2vec.

This package is the reference implementation behind assignment 01, one module per
step of the story the notebook tells:

1. :mod:`~lmkit.embeddings.vocab` -- **ids and one-hot codes** (01 §1-2). A
   :class:`Vocabulary` maps words to integer ids; ``one_hot(ids, V) @ E`` picks out
   a row of E, which is why an embedding layer is a table look-up ``E[ids]``.
2. :mod:`~lmkit.embeddings.counts` -- **count-based vectors** (01 §3.1-3.3):
   ``cooccurrence_matrix``, ``ppmi`` and ``svd_vectors``.
3. :mod:`~lmkit.embeddings.word2vec` -- **skip-gram with negative sampling** (01 §4):
   ``skipgram_pairs``, ``keep_probabilities``/``subsample``,
   ``noise_distribution``/``sample_negatives``, ``sgns_loss`` and ``train_sgns``.
4. :mod:`~lmkit.embeddings.similarity` -- **using the vectors** (01 §3.4 and §5):
   ``cosine_similarity``, ``nearest_neighbours``, ``analogy`` (3CosAdd),
   ``evaluate_analogies`` and ``project_2d`` (PCA).

Conventions: ids are integer (int64) tensors; every function creates its outputs on
the device of its tensor input; bad input raises ``ValueError`` or ``TypeError``
with a message that names what was expected and what was given.
"""

from __future__ import annotations

from lmkit.embeddings.counts import cooccurrence_matrix, ppmi, svd_vectors
from lmkit.embeddings.similarity import (AnalogyReport, analogy, cosine_similarity, evaluate_analogies,
                                         nearest_neighbours, project_2d)
from lmkit.embeddings.vocab import UnknownWordError, Vocabulary, one_hot
from lmkit.embeddings.word2vec import (SkipGramModel, keep_probabilities, noise_distribution, sample_negatives,
                                       sgns_loss, skipgram_pairs, subsample, train_sgns)

__all__ = [
    "UnknownWordError",
    "Vocabulary",
    "one_hot",
    "cooccurrence_matrix",
    "ppmi",
    "svd_vectors",
    "skipgram_pairs",
    "keep_probabilities",
    "subsample",
    "noise_distribution",
    "sample_negatives",
    "sgns_loss",
    "SkipGramModel",
    "train_sgns",
    "cosine_similarity",
    "nearest_neighbours",
    "analogy",
    "AnalogyReport",
    "evaluate_analogies",
    "project_2d",
]
