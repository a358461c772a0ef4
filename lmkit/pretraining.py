"""Pre-training objectives and the plumbing around them.

* Causal language modelling (GPT): :func:`token_blocks` and :func:`batch_blocks` cut
  a token stream into (inputs, targets) pairs whose targets are the inputs shifted by
  one position -- every position predicts the token after it.
* Masked language modelling (BERT): :func:`mask_tokens` applies BERT's rule -- select
  15% of the ordinary tokens; replace 80% of those by ``[MASK]``, 10% by a random token
  and leave 10% unchanged; the loss is computed on the selected positions only.
* Next-sentence prediction (BERT): :func:`make_nsp_pairs` builds 50% true and 50%
  random sentence pairs.
* :func:`train_steps`, a small training loop for both model families, and
  :func:`save_checkpoint` / :func:`load_checkpoint`, which store every random number
  generator state so a resumed run reproduces the uninterrupted one exactly.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

__all__ = [
    "IGNORE_INDEX",
    "mask_tokens",
    "make_nsp_pairs",
    "token_blocks",
    "batch_blocks",
    "perplexity",
    "train_steps",
    "save_checkpoint",
    "load_checkpoint",
]

IGNORE_INDEX = -100  # label value that cross-entropy skips (same as lmkit.models)


# ----------------------------------------------------------------------------
# Input checks
# ----------------------------------------------------------------------------


def _check_positive_int(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int; got {value!r}")
    return value


def _check_generator(generator: object) -> None:
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None; got {type(generator).__name__}")


def _as_id_tensor(name: str, ids: object) -> torch.Tensor:
    """A 1-D int64 tensor from a list of ints or an integer tensor."""
    if isinstance(ids, torch.Tensor):
        if ids.dtype.is_floating_point or ids.dtype == torch.bool or ids.is_complex():
            raise TypeError(f"{name} must hold integer token ids; got dtype {ids.dtype}")
        tensor = ids.long()
    elif isinstance(ids, (list, tuple, np.ndarray)):
        tensor = torch.as_tensor(np.asarray(ids, dtype=np.int64))
    else:
        raise TypeError(f"{name} must be a 1-D tensor or list of token ids; got {type(ids).__name__}")
    if tensor.dim() != 1:
        raise ValueError(f"{name} must be 1-D (one token stream); got shape {tuple(tensor.shape)}")
    return tensor


# ----------------------------------------------------------------------------
# Causal LM data: a token stream -> (inputs, targets) blocks
# ----------------------------------------------------------------------------


def token_blocks(ids: Sequence[int] | torch.Tensor, block_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Cut a token stream into non-overlapping next-token-prediction blocks.

    ids: a 1-D stream of N token ids. Block i covers ids[i*T : i*T + T + 1]; its
    inputs are the first T ids and its targets the last T (shifted by one), so
    ``targets[i, t]`` is the token that follows ``inputs[i, t]``.
    Returns (inputs, targets), both (n_blocks, T) int64 with n_blocks = (N - 1) // T;
    a tail too short for a whole block is dropped.
    """
    stream = _as_id_tensor("ids", ids)
    _check_positive_int("block_size", block_size)
    n_blocks = (stream.numel() - 1) // block_size
    if n_blocks < 1:
        raise ValueError(
            f"need at least block_size + 1 = {block_size + 1} tokens for one block; got {stream.numel()}"
        )
    used = stream[: n_blocks * block_size + 1]
    inputs = used[:-1].reshape(n_blocks, block_size)
    targets = used[1:].reshape(n_blocks, block_size)
    return inputs, targets


def batch_blocks(
    ids: Sequence[int] | torch.Tensor,
    block_size: int,
    batch_size: int,
    *,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Endless random batches of next-token blocks, as nanoGPT's ``get_batch``.

    Each row is a window of block_size + 1 consecutive tokens starting at a random
    offset: inputs = window[:-1], targets = window[1:]. Yields (inputs, targets),
    each (batch_size, block_size) int64 on ``device``.
    The only state is ``generator``: restore its state (see :func:`save_checkpoint`)
    and a new iterator continues with exactly the batches the old one would have given.
    """
    stream = _as_id_tensor("ids", ids)
    _check_positive_int("block_size", block_size)
    _check_positive_int("batch_size", batch_size)
    _check_generator(generator)
    n_starts = stream.numel() - block_size  # last valid start leaves room for the shifted target
    if n_starts < 1:
        raise ValueError(f"need more than block_size = {block_size} tokens; got {stream.numel()}")
    offsets = torch.arange(block_size + 1)
    while True:
        starts = torch.randint(n_starts, (batch_size,), generator=generator)
        windows = stream[starts[:, None] + offsets]  # (B, T + 1)
        yield windows[:, :-1].to(device), windows[:, 1:].to(device)


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
    return math.exp(mean_cross_entropy)


# ----------------------------------------------------------------------------
# Masked LM: BERT's 15% / 80-10-10 rule
# ----------------------------------------------------------------------------


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
    _check_positive_int("vocab_size", vocab_size)
    if not isinstance(mask_token_id, int) or isinstance(mask_token_id, bool) or not 0 <= mask_token_id < vocab_size:
        raise ValueError(f"mask_token_id must be an int in [0, {vocab_size}); got {mask_token_id!r}")
    if isinstance(mlm_probability, bool) or not isinstance(mlm_probability, (int, float)) or not 0 <= mlm_probability <= 1:
        raise ValueError(f"mlm_probability must be a number in [0, 1]; got {mlm_probability!r}")
    _check_generator(generator)
    special = torch.tensor(sorted({int(i) for i in special_token_ids}), dtype=torch.long)

    ids = input_ids.detach().long().cpu()
    candidates = ~torch.isin(ids, special)
    if attention_mask is not None:
        if not isinstance(attention_mask, torch.Tensor) or attention_mask.shape != ids.shape:
            got = tuple(attention_mask.shape) if isinstance(attention_mask, torch.Tensor) else type(attention_mask).__name__
            raise ValueError(f"attention_mask must be a tensor of shape {tuple(ids.shape)} like input_ids; got {got}")
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
            raise TypeError(f"document {i} must be a list of str sentences")
    _check_positive_int("n_pairs", n_pairs)
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


# ----------------------------------------------------------------------------
# Training loop
# ----------------------------------------------------------------------------


def _model_device(model: nn.Module) -> torch.device:
    param = next(model.parameters(), None)
    return param.device if param is not None else torch.device("cpu")


def _default_loss(model: nn.Module, batch: object) -> torch.Tensor:
    """(inputs, targets) -> model(inputs, targets).loss  (GPT);
    a dict -> model(**batch).loss  (BERT: input_ids, mlm_labels, nsp_labels, ...)."""
    if isinstance(batch, Mapping):
        return model(**batch).loss
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        return model(batch[0], batch[1]).loss
    raise TypeError(
        f"each batch must be an (inputs, targets) pair or a dict of model arguments; got {type(batch).__name__} "
        "(or pass loss_fn=)"
    )


def _to_device(batch: object, device: torch.device) -> object:
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, Mapping):
        return {k: _to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, (tuple, list)):
        return type(batch)(_to_device(v, device) for v in batch)
    return batch


def train_steps(
    model: nn.Module,
    batches: Iterable,
    optimizer: torch.optim.Optimizer,
    *,
    steps: int,
    loss_fn: Callable[[nn.Module, object], torch.Tensor] | None = None,
    max_grad_norm: float | None = None,
    scheduler: object | None = None,
    progress: bool = True,
    desc: str = "training",
) -> list[float]:
    """Run ``steps`` optimisation steps and return the loss of each (floats).

    batches: an iterable of batches, each (inputs, targets) for a GPT or a dict of
    keyword arguments for a BERT (moved to the model's device); or any batch together
    with ``loss_fn(model, batch) -> scalar loss``.
    max_grad_norm: clip the global gradient norm (None: no clipping).
    scheduler: a learning-rate scheduler stepped after every optimiser step.
    Puts the model in training mode; shows a tqdm bar with the running loss.
    """
    from tqdm.auto import tqdm

    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer; got {type(optimizer).__name__}")
    _check_positive_int("steps", steps)
    loss_fn = _default_loss if loss_fn is None else loss_fn
    device = _model_device(model)
    model.train()
    losses: list[float] = []
    batch_iter = iter(batches)
    bar = tqdm(range(steps), desc=desc, disable=not progress, leave=False)
    for _ in bar:
        try:
            batch = next(batch_iter)
        except StopIteration:
            raise ValueError(f"batches ran out after {len(losses)} of {steps} steps") from None
        loss = loss_fn(model, _to_device(batch, device))
        if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
            raise TypeError("the loss must be a scalar tensor (did the batch carry targets/labels?)")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if max_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        losses.append(loss.item())
        bar.set_postfix(loss=f"{losses[-1]:.3f}")
    bar.close()
    return losses


# ----------------------------------------------------------------------------
# Checkpoints that resume exactly
# ----------------------------------------------------------------------------


def _numpy_state_to_saveable(state: tuple) -> tuple:
    name, keys, pos, has_gauss, cached = state
    return (name, torch.from_numpy(np.asarray(keys, dtype=np.int64)), int(pos), int(has_gauss), float(cached))


def _numpy_state_from_saved(state: tuple) -> tuple:
    name, keys, pos, has_gauss, cached = state
    return (name, keys.numpy().astype(np.uint32), pos, has_gauss, cached)


def _check_generators(generators: Mapping[str, torch.Generator] | None) -> dict[str, torch.Generator]:
    if generators is None:
        return {}
    if not isinstance(generators, Mapping) or not all(isinstance(g, torch.Generator) for g in generators.values()):
        raise TypeError("generators must be a dict name -> torch.Generator")
    return dict(generators)


def save_checkpoint(
    path: str | Path,
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    *,
    step: int,
    generators: Mapping[str, torch.Generator] | None = None,
    scheduler: object | None = None,
    extra: dict | None = None,
) -> Path:
    """Save everything a run needs to continue exactly where it stopped.

    That is the model and optimizer (Adam's moment estimates!) state, the step, and
    every random number generator: torch's global CPU (and CUDA) RNG, which dropout
    uses; Python's and NumPy's; and the named ``generators`` that drive the data (e.g.
    the one given to :func:`batch_blocks` or :func:`mask_tokens`). Leave out one of
    them and the resumed loss curve drifts away from the uninterrupted one.
    ``extra``: any other small picklable-free values (numbers, strings, lists of them).
    Returns the path written.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise ValueError(f"step must be an int >= 0; got {step!r}")
    state = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "step": step,
        "torch_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "python_rng": random.getstate(),
        "numpy_rng": _numpy_state_to_saveable(np.random.get_state()),
        "generators": {name: g.get_state() for name, g in _check_generators(generators).items()},
        "extra": extra or {},
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, path)
    return path


def load_checkpoint(
    path: str | Path,
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    *,
    generators: Mapping[str, torch.Generator] | None = None,
    scheduler: object | None = None,
    map_location: str | torch.device | None = "cpu",
) -> dict:
    """Restore a checkpoint written by :func:`save_checkpoint` into fresh objects.

    Loads the model, optimizer and scheduler states, sets the global torch / CUDA /
    Python / NumPy RNGs and the named ``generators`` back, and returns
    ``{"step": int, "extra": dict}``. Loading uses ``weights_only=True``: a
    checkpoint cannot run code.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    gens = _check_generators(generators)
    state = torch.load(Path(path), map_location=map_location, weights_only=True)
    missing = sorted(set(gens) - set(state["generators"]))
    if missing:
        raise ValueError(f"the checkpoint has no state for generator(s) {missing}; it has {sorted(state['generators'])}")
    model.load_state_dict(state["model"])
    if optimizer is not None:
        if state["optimizer"] is None:
            raise ValueError("an optimizer was given but the checkpoint was saved without one")
        optimizer.load_state_dict(state["optimizer"])
    if scheduler is not None and state["scheduler"] is not None:
        scheduler.load_state_dict(state["scheduler"])
    torch.set_rng_state(state["torch_rng"].cpu())
    if state["cuda_rng"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda_rng"]])
    random.setstate(_as_python_state(state["python_rng"]))
    np.random.set_state(_numpy_state_from_saved(state["numpy_rng"]))
    for name, g in gens.items():
        g.set_state(state["generators"][name].cpu())
    return {"step": state["step"], "extra": state["extra"]}


def _as_python_state(state) -> tuple:
    """random.setstate needs tuples; a round trip may give lists."""
    version, internal, gauss = state
    return (version, tuple(internal), gauss)
