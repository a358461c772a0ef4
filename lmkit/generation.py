"""Turning next-token logits into text: filtering, sampling and the decode loop.

Backs 04 §5 (decoding: greedy, temperature, top-k, top-p; the nucleus-filter
exercise) and 05 §8 (generating after fine-tuning).

A causal language model gives, at every step, a score (logit) for each word of
the vocabulary. :func:`generate` appends one chosen token at a time:

* greedy decoding takes the arg-max;
* sampling draws from ``softmax(logits / temperature)``, optionally restricted
  to the ``k`` most likely tokens (:func:`top_k_filter`) or to the smallest set
  holding probability ``p`` (:func:`top_p_filter`, "nucleus sampling").

With a key/value cache the prompt is run once ("prefill") and each later step
feeds only the newest token, re-using the keys and values of the earlier ones.
"""

from __future__ import annotations

import math
from typing import Protocol

import torch

from lmkit import _validate

__all__ = ["top_k_filter", "top_p_filter", "generate"]


class CausalLM(Protocol):
    """What :func:`generate` needs from a model (``lmkit.models.GPT`` fits).

    ``model(input_ids, kv_caches=...)`` returns an object with ``.logits``
    (B, L, V); ``model.new_kv_caches()`` returns empty per-layer caches (each with
    a ``.length``); ``model.config.block_size`` is the context length.
    """

    def __call__(self, input_ids: torch.Tensor, *, kv_caches=None): ...

    def new_kv_caches(self) -> list: ...


def _check_logits(logits: object) -> torch.Tensor:
    if not isinstance(logits, torch.Tensor):
        raise TypeError(f"logits must be a torch.Tensor of shape (..., V); got {type(logits).__name__}")
    if not logits.dtype.is_floating_point:
        raise TypeError(f"logits must be a floating-point tensor; got dtype {logits.dtype}")
    if logits.dim() < 1 or logits.size(-1) == 0:
        raise ValueError(f"logits must have shape (..., V) with V >= 1; got {tuple(logits.shape)}")
    return logits


def top_k_filter(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the ``k`` largest logits along the last dimension; set the rest to -inf.

    logits: (..., V). Returns a new (..., V) tensor. Tokens tied with the k-th
    largest value are all kept, so a row may keep more than k tokens. k >= V
    keeps everything.
    """
    logits = _check_logits(logits)
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be an int >= 1; got {k!r}")
    if k >= logits.size(-1):
        return logits.clone()
    kth_largest = torch.topk(logits, k, dim=-1).values[..., -1:]  # (..., 1)
    return logits.masked_fill(logits < kth_largest, float("-inf"))


def top_p_filter(logits: torch.Tensor, p: float) -> torch.Tensor:
    """Nucleus filter: keep the smallest set of most-likely tokens whose total
    probability is at least ``p``; set the other logits to -inf.

    logits: (..., V). Returns a new (..., V) tensor. The most likely token is
    always kept; p = 1 keeps everything. Among tokens tied at the boundary the
    sort order decides which are kept.
    """
    logits = _check_logits(logits)
    if not isinstance(p, (int, float)) or isinstance(p, bool) or not 0.0 < p <= 1.0:  # NaN fails too
        raise ValueError(f"p must be a number in (0, 1]; got {p!r}")
    if p >= 1.0:
        return logits.clone()  # comparing cumulative sums against 1 would be at the mercy of rounding
    sorted_logits, order = torch.sort(logits, dim=-1, descending=True)
    sorted_probs = torch.softmax(sorted_logits.float(), dim=-1)
    mass_before = torch.cumsum(sorted_probs, dim=-1) - sorted_probs  # probability of the better tokens
    drop_sorted = mass_before >= p  # the set before this token already holds p
    drop = torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
    return logits.masked_fill(drop, float("-inf"))


def _choose_next_token(
    logits: torch.Tensor,
    *,
    do_sample: bool,
    temperature: float,
    top_k: int | None,
    top_p: float | None,
    generator: torch.Generator | None,
) -> torch.Tensor:
    """(B, V) logits of the last position -> (B,) chosen token ids."""
    if not do_sample or temperature == 0:
        return logits.argmax(dim=-1)
    logits = logits.float() / temperature
    if top_k is not None:
        logits = top_k_filter(logits, top_k)
    if top_p is not None:
        logits = top_p_filter(logits, top_p)
    probs = torch.softmax(logits, dim=-1)
    return torch.multinomial(probs, num_samples=1, generator=generator).squeeze(-1)


def _next_token_logits(model: CausalLM, ids: torch.Tensor, caches: list | None, block_size: int):
    """Logits (B, V) for the token after ``ids`` (B, T), and the caches to use next.

    With caches: the first call runs the whole prompt (prefill), later calls only the
    newest token. Once the cache holds block_size positions there is no room for
    another, so we fall back to re-running the last block_size tokens, exactly as
    the uncached path does.
    """
    if caches is not None and caches[0].length == 0:
        window = ids[:, -block_size:]  # prefill
    elif caches is not None and caches[0].length < block_size:
        window = ids[:, -1:]
    else:
        caches = None
        window = ids[:, -block_size:]
    out = model(window) if caches is None else model(window, kv_caches=caches)
    logits = out[0] if isinstance(out, (tuple, list)) else out.logits  # 03's MiniGPT returns (logits, loss)
    return logits[:, -1, :], caches


def _check_generate_args(input_ids, max_new_tokens, temperature, eos_token_id, vocab_size, top_k, top_p) -> None:
    if not isinstance(input_ids, torch.Tensor):
        raise TypeError(f"input_ids must be a torch.Tensor of shape (B, L); got {type(input_ids).__name__}")
    if input_ids.dtype.is_floating_point or input_ids.dtype == torch.bool:
        raise TypeError(f"input_ids must hold integer token ids; got dtype {input_ids.dtype}")
    if input_ids.dim() != 2 or input_ids.size(1) == 0 or input_ids.size(0) == 0:
        raise ValueError(f"input_ids must have shape (B, L) with B, L >= 1; got {tuple(input_ids.shape)}")
    if not isinstance(max_new_tokens, int) or isinstance(max_new_tokens, bool) or max_new_tokens < 0:
        raise ValueError(f"max_new_tokens must be an int >= 0; got {max_new_tokens!r}")
    if (not isinstance(temperature, (int, float)) or isinstance(temperature, bool) or not temperature >= 0
            or math.isinf(temperature)):
        raise ValueError(f"temperature must be a number >= 0; got {temperature!r}")  # (NaN fails >= 0)
    if input_ids.numel() and (int(input_ids.min()) < 0 or vocab_size is not None and int(input_ids.max()) >= vocab_size):
        bad = int(input_ids.min()) if int(input_ids.min()) < 0 else int(input_ids.max())
        raise ValueError(f"input_ids must be token ids in [0, {'V' if vocab_size is None else vocab_size}); got {bad}")
    # checked here, by their names in this call, rather than as k / p inside the filters
    if top_k is not None and (not _validate.is_int(top_k) or top_k < 1):
        raise ValueError(f"top_k must be an int >= 1 or None; got {top_k!r}")
    if top_p is not None and (isinstance(top_p, bool) or not isinstance(top_p, (int, float)) or not 0.0 < top_p <= 1.0):
        raise ValueError(f"top_p must be a number in (0, 1] or None; got {top_p!r}")
    if eos_token_id is not None and not (isinstance(eos_token_id, int) and 0 <= eos_token_id < (vocab_size or eos_token_id + 1)):
        raise ValueError(f"eos_token_id must be an id in [0, {vocab_size}); got {eos_token_id!r}")


@torch.no_grad()
def generate(
    model: CausalLM,
    input_ids: torch.Tensor,
    max_new_tokens: int,
    *,
    do_sample: bool = True,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    use_cache: bool = True,
    generator: torch.Generator | None = None,
    eos_token_id: int | None = None,
    block_size: int | None = None,
) -> torch.Tensor:
    """Continue ``input_ids`` by ``max_new_tokens`` tokens.

    input_ids: (B, L) prompt ids (a 1-D (L,) prompt is treated as B = 1 and the
    result returned 1-D). Returns a (B, L + max_new_tokens) LongTensor: the prompt
    followed by the new tokens.

    do_sample=False, or temperature=0, decodes greedily (arg-max); otherwise each
    token is drawn from softmax(logits / temperature) after the optional
    ``top_k`` and ``top_p`` filters. Pass a ``torch.Generator`` (on the model's
    device) to make sampling reproducible. With ``use_cache`` the prompt is run
    once and each step feeds one token through the per-layer key/value caches;
    without it the last ``block_size`` tokens are re-run at every step. A sequence
    that produces ``eos_token_id`` stops: its later positions are filled with eos;
    the loop ends early once every sequence has stopped (the result is still padded
    to full length). The model is put in eval mode while generating and restored after.

    Any causal LM fits whose call returns ``.logits`` or a ``(logits, ...)`` tuple, such as
    03's MiniGPT; ``block_size`` overrides ``model.config.block_size`` (or ``model.block_size``).
    Without ``model.new_kv_caches`` every step re-runs the window (no cache), and without a
    known vocabulary size the prompt's ids are not range-checked.
    """
    config = getattr(model, "config", None)
    block_size = block_size if block_size is not None else getattr(config, "block_size", None)
    block_size = block_size if block_size is not None else getattr(model, "block_size", None)
    if not _validate.is_int(block_size) or block_size < 1:
        raise ValueError(f"the model has no config.block_size or block_size: pass block_size=; got {block_size!r}")
    vocab_size = getattr(config, "vocab_size", None)
    vocab_size = vocab_size if vocab_size is not None else getattr(model, "vocab_size", None)
    use_cache = use_cache and hasattr(model, "new_kv_caches")  # a model without caches is re-run each step
    squeeze = isinstance(input_ids, torch.Tensor) and input_ids.dim() == 1
    if squeeze:
        input_ids = input_ids.unsqueeze(0)
    _check_generate_args(input_ids, max_new_tokens, temperature, eos_token_id, vocab_size, top_k, top_p)

    was_training = model.training
    model.eval()
    try:
        ids = input_ids.long()
        prompt_len = ids.size(1)
        caches = model.new_kv_caches() if use_cache else None
        finished = torch.zeros(ids.size(0), dtype=torch.bool, device=ids.device)
        for _ in range(max_new_tokens):
            logits, caches = _next_token_logits(model, ids, caches, block_size)
            next_token = _choose_next_token(
                logits, do_sample=do_sample, temperature=temperature, top_k=top_k, top_p=top_p, generator=generator
            )
            if eos_token_id is not None:
                next_token = next_token.masked_fill(finished, eos_token_id)
                finished |= next_token == eos_token_id
            ids = torch.cat([ids, next_token[:, None]], dim=1)
            if eos_token_id is not None and bool(finished.all()):
                break
        missing = prompt_len + max_new_tokens - ids.size(1)
        if missing > 0:  # every sequence ended early: pad with eos
            ids = torch.cat([ids, ids.new_full((ids.size(0), missing), eos_token_id)], dim=1)
    finally:
        model.train(was_training)
    return ids[0] if squeeze else ids
