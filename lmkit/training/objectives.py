"""Pre-training objectives: what the model is asked to predict.

Backs 04 §2 (causal language modelling, Exercise 4: the next-token loss, measured
as :func:`perplexity`) and 04 §3 (BERT: Exercise 5, the masking rule
:func:`mask_tokens`; Exercise 6, next-sentence pairs :func:`make_nsp_pairs`).

* Masked language modelling: select 15% of the ordinary tokens; replace 80% of
  those by ``[MASK]``, 10% by a random token and leave 10% unchanged; the loss is
  computed on the selected positions only.
* Next-sentence prediction: 50% true and 50% random sentence pairs.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence

import torch

from lmkit import _validate
from lmkit.models._common import IGNORE_INDEX  # the one label value every loss skips

_MAX_LOG_FLOAT = math.log(1.7976931348623157e308)  # ~709.78: the largest x with a finite exp(x)
MAX_NSP_PAIRS = 10_000_000  # each pair is a Python tuple: 10**8 of them would take minutes and gigabytes


def perplexity(mean_cross_entropy: float | torch.Tensor) -> float:
    """exp(mean cross-entropy in nats): the effective number of equally likely next tokens.

    A uniform guess over V tokens has cross-entropy log V and perplexity V.
    """
    if isinstance(mean_cross_entropy, torch.Tensor):
        if mean_cross_entropy.numel() != 1:
            raise ValueError(f"mean_cross_entropy must be one number; got shape {tuple(mean_cross_entropy.shape)}")
        mean_cross_entropy = mean_cross_entropy.item()
    if isinstance(mean_cross_entropy, bool) or not isinstance(mean_cross_entropy, (int, float)):
        raise TypeError(f"mean_cross_entropy must be a float or a 1-element tensor; got {type(mean_cross_entropy).__name__}")
    if not math.isfinite(mean_cross_entropy) or mean_cross_entropy < 0:
        raise ValueError(f"mean_cross_entropy must be finite and >= 0; got {mean_cross_entropy}")
    if mean_cross_entropy > _MAX_LOG_FLOAT:
        raise ValueError(
            f"mean_cross_entropy must be at most {_MAX_LOG_FLOAT:.1f} nats (exp of more overflows a float); "
            f"got {mean_cross_entropy} -- is it a sum over tokens rather than a mean, or in another unit?"
        )
    return math.exp(mean_cross_entropy)


def mask_tokens(
    input_ids: torch.Tensor,
    *,
    vocab_size: int,
    mask_token_id: int,
    special_token_ids: Iterable[int] = (),
    mlm_probability: float = 0.15,
    generator: torch.Generator | None = None,
    attention_mask: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Corrupt a batch for masked language modelling (Devlin et al., 2019).

    input_ids: (B, L) int64 token ids. Each position that is not a special token
    (``special_token_ids``, e.g. [CLS], [SEP], [PAD]) and not padding
    (``attention_mask == 0``) is selected independently with probability
    ``mlm_probability``. Of the selected positions, 80% become ``mask_token_id``, 10%
    a token drawn uniformly from [0, vocab_size), and 10% keep their token -- so the
    model cannot learn "only [MASK] positions matter" and must keep a good
    representation of every token.
    Returns (masked_input_ids, labels), both (B, L) int64: labels hold the original id
    at the selected positions and -100 (ignored by the loss) everywhere else, so the
    loss is computed on the selected 15% only, including those left unchanged.
    ``input_ids`` is not modified. The result depends only on ``generator``'s state
    (the global torch RNG when None); random numbers are drawn on the CPU.
    """
    if not isinstance(input_ids, torch.Tensor):
        raise TypeError(f"input_ids must be a torch.Tensor; got {type(input_ids).__name__}")
    if input_ids.dim() != 2:
        raise ValueError(f"input_ids must have shape (B, L); got {tuple(input_ids.shape)}")
    if input_ids.dtype.is_floating_point or input_ids.dtype == torch.bool or input_ids.is_complex():
        raise TypeError(f"input_ids must hold integer token ids; got dtype {input_ids.dtype}")
    _validate.positive_int("vocab_size", vocab_size)
    _validate.ids_in_range("input_ids", input_ids, vocab_size)  # an id >= vocab_size would become a label
    if not isinstance(mask_token_id, int) or isinstance(mask_token_id, bool) or not 0 <= mask_token_id < vocab_size:
        raise ValueError(f"mask_token_id must be an int in [0, {vocab_size}); got {mask_token_id!r}")
    if isinstance(mlm_probability, bool) or not isinstance(mlm_probability, (int, float)) or not 0 <= mlm_probability <= 1:
        raise ValueError(f"mlm_probability must be a number in [0, 1]; got {mlm_probability!r}")
    _validate.generator("generator", generator)
    special = torch.tensor(sorted({int(i) for i in special_token_ids}), dtype=torch.long)

    ids = input_ids.detach().long().cpu()
    candidates = ~torch.isin(ids, special)
    if attention_mask is not None:
        if not isinstance(attention_mask, torch.Tensor) or attention_mask.shape != ids.shape:
            got = tuple(attention_mask.shape) if isinstance(attention_mask, torch.Tensor) else type(attention_mask).__name__
            raise ValueError(f"attention_mask must be a tensor of shape {tuple(ids.shape)} like input_ids; got {got}")
        if attention_mask.numel() and not bool(((attention_mask == 0) | (attention_mask == 1)).all()):
            raise ValueError(f"attention_mask must hold only 0 (padding) and 1 (token); "
                             f"got values {attention_mask.unique().tolist()[:6]}")
        candidates &= attention_mask.detach().cpu().bool()

    # Three independent draws per position; fixed order keeps the result reproducible.
    selected = candidates & (torch.rand(ids.shape, generator=generator) < mlm_probability)
    to_mask = selected & (torch.rand(ids.shape, generator=generator) < 0.8)
    to_random = selected & ~to_mask & (torch.rand(ids.shape, generator=generator) < 0.5)  # half of the other 20%
    random_ids = torch.randint(vocab_size, ids.shape, generator=generator)

    masked = ids.clone()
    masked[to_mask] = mask_token_id
    masked[to_random] = random_ids[to_random]
    labels = torch.where(selected, ids, torch.full_like(ids, IGNORE_INDEX))
    return masked.to(input_ids.device), labels.to(input_ids.device)


# ----------------------------------------------------------------------------
# Next-sentence prediction pairs
# ----------------------------------------------------------------------------


def make_nsp_pairs(
    documents: Sequence[Sequence[str]] | Sequence[str],
    n_pairs: int,
    *,
    seed: int = 0,
) -> list[tuple[str, str, bool]]:
    """Build ``n_pairs`` sentence pairs for next-sentence prediction, 50% true, 50% random.

    documents: a list of documents, each a list of sentences in reading order; a flat
    list of strings is taken as one document.
    Each pair is drawn independently: a sentence A is picked (one that has a successor
    in its document) and a fair coin decides whether B is the sentence that follows it
    (``is_next=True``) or a random sentence (``is_next=False``) -- from another document
    when there are several, as in BERT, else any sentence of the one document other than
    A and its true successor.
    Returns a list of (sentence_a, sentence_b, is_next); deterministic in ``seed``.
    Note :class:`lmkit.models.BERT` labels NSP as 0 = "is next", 1 = "random",
    i.e. ``nsp_label = int(not is_next)``.
    """
    if isinstance(documents, str) or not isinstance(documents, Sequence):
        raise TypeError(f"documents must be a list of documents (lists of str) or a list of str; got {type(documents).__name__}")
    if documents and all(isinstance(d, str) for d in documents):
        documents = [documents]
    docs = [list(d) for d in documents]
    for i, doc in enumerate(docs):
        if isinstance(doc, str) or not all(isinstance(s, str) for s in doc):
            raise TypeError(f"documents: document {i} must be a list of str sentences")
    _validate.positive_int("n_pairs", n_pairs)
    if n_pairs > MAX_NSP_PAIRS:
        raise ValueError(f"n_pairs must be at most {MAX_NSP_PAIRS:,} (MAX_NSP_PAIRS); got {n_pairs:,}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int; got {type(seed).__name__}")
    firsts = [(d, i) for d, doc in enumerate(docs) for i in range(len(doc) - 1)]
    if not firsts:
        raise ValueError("need at least one document with two or more sentences")
    if len(docs) == 1 and len(docs[0]) < 3:
        raise ValueError("a single document needs at least 3 sentences to draw a random (not-next) sentence")
    multi_doc = sum(1 for doc in docs if doc) > 1

    rng = random.Random(seed)
    pairs = []
    for _ in range(n_pairs):
        d, i = rng.choice(firsts)
        sentence_a = docs[d][i]
        if rng.random() < 0.5:
            pairs.append((sentence_a, docs[d][i + 1], True))
            continue
        if multi_doc:
            other = rng.choice([k for k in range(len(docs)) if k != d and docs[k]])
            sentence_b = rng.choice(docs[other])
        else:
            j = rng.choice([k for k in range(len(docs[d])) if k not in (i, i + 1)])
            sentence_b = docs[d][j]
        pairs.append((sentence_a, sentence_b, False))
    return pairs
