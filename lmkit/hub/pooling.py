"""Sentence embeddings from an encoder: mean pooling over real tokens, as sentence-transformers.

Backs 05 §6 (all-MiniLM-L6-v2: Exercise 6, a cosine-similarity matrix of sentence
embeddings).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from lmkit import _validate
from lmkit.models import BERT


def mean_pool(last_hidden_state: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Average the token vectors of each sequence, ignoring padding.

    last_hidden_state: (B, L, H); attention_mask: (B, L), 1 = real token.
    Returns (B, H).
    """
    _validate.float_tensor("last_hidden_state", last_hidden_state, "(B, L, H)")
    _validate.tensor("attention_mask", attention_mask, "(B, L)")
    if last_hidden_state.dim() != 3:
        raise ValueError(f"last_hidden_state must have shape (B, L, H); got {tuple(last_hidden_state.shape)}")
    if attention_mask.shape != last_hidden_state.shape[:2]:
        raise ValueError(
            f"attention_mask must have shape (B, L) = {tuple(last_hidden_state.shape[:2])}; "
            f"got {tuple(attention_mask.shape)}"
        )
    if attention_mask.numel() and not bool(((attention_mask == 0) | (attention_mask == 1)).all()):
        raise ValueError(f"attention_mask must hold only 0 (padding) and 1 (real token); got values {attention_mask.unique().tolist()[:5]}")
    weights = attention_mask.to(last_hidden_state.dtype).unsqueeze(-1)  # (B, L, 1)
    return (last_hidden_state * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)


def sentence_embedding(
    model: BERT,
    tokenizer,
    sentences: str | Sequence[str],
    *,
    batch_size: int = 32,
    normalize: bool = True,
    max_length: int | None = None,
) -> torch.Tensor:
    """Embed sentences as sentence-transformers does for all-MiniLM-L6-v2.

    Tokenise (padding, truncation to ``max_length``, default the model's
    max_position_embeddings; the MiniLM model was trained with 256), run the
    encoder, mean-pool the last hidden states over real tokens and, with
    ``normalize``, scale to unit length so dot products are cosine similarities.
    Returns (N, hidden) on the model's device (a single string gives N = 1).
    """
    if isinstance(sentences, str):
        sentences = [sentences]
    if not isinstance(sentences, Sequence) or len(sentences) == 0:
        raise ValueError(f"sentences must be a non-empty list of str; got {sentences!r}")
    for s in sentences:
        if not isinstance(s, str):
            raise TypeError(f"sentences must all be str; got {type(s).__name__}")
    if not _validate.is_int(batch_size) or batch_size < 1:
        raise ValueError(f"batch_size must be an int >= 1; got {batch_size!r}")
    if not isinstance(model, BERT):
        raise _validate.ArgumentTypeError(f"model must be an lmkit BERT (e.g. from lmkit.hub.load_bert); got {type(model).__name__}")
    if max_length is not None:
        _validate.positive_int("max_length", max_length)
    max_length = max_length or model.config.max_position_embeddings
    device = next(model.parameters()).device

    was_training = model.training
    model.eval()
    chunks = []
    try:
        with torch.no_grad():
            for start in range(0, len(sentences), batch_size):
                batch = list(sentences[start : start + batch_size])
                enc = tokenizer(batch, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
                enc = {k: v.to(device) for k, v in enc.items()}
                out = model(
                    enc["input_ids"], enc.get("token_type_ids"), enc["attention_mask"], compute_heads=False
                )
                chunks.append(mean_pool(out.last_hidden_state, enc["attention_mask"]))
    finally:
        model.train(was_training)
    embeddings = torch.cat(chunks)
    return F.normalize(embeddings, p=2, dim=-1) if normalize else embeddings
