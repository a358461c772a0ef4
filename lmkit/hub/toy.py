"""The shipped toy checkpoint: a tiny BERT pretrained on the toy world, so fine-tuning never waits.

Backs 05 §1 (a pretrained encoder and its knowledge) and everything after it in 05.

Assignment 05 (fine-tuning) needs a *pretrained* encoder, but must not depend on the
learner having finished assignment 04. This module builds one with the course's own
code on the course's own data, deterministically:

* text: :func:`lmkit.data.toyworld.generate_corpus` (``n_sentences`` sentences, seed 0);
* tokenizer: a :class:`~lmkit.tokenizers.WordPieceTokenizer` whose vocabulary is the
  five BERT special tokens followed by every word of the toy world, sorted. Every word
  is a single piece (there are no ``##`` pieces), so it behaves like a word-level
  tokenizer with BERT's ``[CLS] ... [SEP]`` framing and padding;
* model: :class:`lmkit.models.BERT` with a small :class:`~lmkit.models.BERTConfig`;
* objective: masked language modelling only (BERT's 15% / 80-10-10 rule, from
  :func:`lmkit.training.mask_tokens`), AdamW with linear warm-up and decay.

``python -m lmkit.pretrained build`` writes ``model.safetensors`` + ``config.json``
to ``lmkit/data/checkpoints/toy-bert/`` (a few hundred kB, shipped with the
package); :func:`toy_bert` loads it, or rebuilds it if the file is missing (about
3 minutes on one free CPU core: facts such as capitals are learnt only late in training). The same settings give bit-identical weights on the same machine.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import torch

from lmkit import _validate
from lmkit.data.toyworld import corpus_tokens, generate_corpus, make_world, true_false_statements
from lmkit.models import BERT, BERTConfig
from lmkit.training import mask_tokens, train_steps, warmup_then_decay
from lmkit.tokenizers import WordPieceTokenizer

__all__ = [
    "SPECIAL_TOKENS",
    "CHECKPOINT_DIR",
    "PretrainSettings",
    "toy_vocabulary",
    "toy_tokenizer",
    "encode_sentences",
    "build_toy_bert",
    "save_toy_bert",
    "load_toy_bert",
    "toy_bert",
]

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")  # [PAD] = 0, as BERTConfig expects
CHECKPOINT_DIR = Path(__file__).resolve().parent.parent / "data" / "checkpoints" / "toy-bert"
_WEIGHTS, _CONFIG = "model.safetensors", "config.json"


@contextmanager
def one_thread():
    """Run the block on one CPU thread: the weights then do not depend on the thread count."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def check_recipe(settings: object, positive: tuple[str, ...]) -> None:
    """The checks every toy recipe shares: int fields >= 0, the ``positive`` ones >= 1, lr > 0."""
    for f in fields(settings):
        if f.type == "int":
            _validate.non_negative_int(f.name, getattr(settings, f.name))
    for name in positive:
        _validate.positive_int(name, getattr(settings, name))
    _validate.positive_number("lr", settings.lr)


@dataclass(frozen=True)
class PretrainSettings:
    """Everything that decides the pretrained weights (the checkpoint stores it).

    Model: ``n_layer`` post-LN blocks of width ``hidden_size`` with ``n_head`` heads
    and a feed-forward width ``intermediate_size``; sequences up to ``max_length``
    tokens including [CLS] and [SEP].
    Training: ``steps`` AdamW steps of ``batch_size`` sentences at peak learning rate
    ``lr`` (linear warm-up over ``warmup_steps``, then linear decay to 10%).
    """

    n_sentences: int = 20000
    hidden_size: int = 64
    n_layer: int = 2
    n_head: int = 4
    intermediate_size: int = 256
    max_length: int = 20
    dropout: float = 0.0
    steps: int = 6000
    batch_size: int = 64
    lr: float = 2e-3
    warmup_steps: int = 100
    weight_decay: float = 0.01
    mlm_probability: float = 0.15
    seed: int = 0

    def __post_init__(self) -> None:
        check_recipe(self, ("n_sentences", "hidden_size", "n_layer", "n_head", "intermediate_size", "steps", "batch_size"))
        if self.max_length < 3:
            raise ValueError(f"max_length must be >= 3 ([CLS] word [SEP]); got {self.max_length}")

    def bert_config(self, vocab_size: int) -> BERTConfig:
        return BERTConfig(
            vocab_size=vocab_size,
            max_position_embeddings=self.max_length,
            n_layer=self.n_layer,
            n_head=self.n_head,
            hidden_size=self.hidden_size,
            intermediate_size=self.intermediate_size,
            dropout=self.dropout,
            attention_dropout=0.0,
            pad_token_id=0,
        )


# ----------------------------------------------------------------------------
# Tokenizer
# ----------------------------------------------------------------------------


def toy_vocabulary() -> list[str]:
    """The special tokens, then every word of the toy world (corpus and tasks), sorted.

    The words come from a large corpus sample plus the true/false statements, so every
    word a toy-world task uses is in the vocabulary whatever the corpus size used for
    pre-training.
    """
    world = make_world(0)
    words = set(corpus_tokens(generate_corpus(world, n_sentences=20000, seed=0)))
    words |= set(corpus_tokens([s for s, _ in true_false_statements(world, 2000, seed=0)]))
    return list(SPECIAL_TOKENS) + sorted(words - set(SPECIAL_TOKENS))


def toy_tokenizer(vocab: list[str] | None = None) -> WordPieceTokenizer:
    """A WordPiece tokenizer over the toy vocabulary (whole words only; see module doc)."""
    return WordPieceTokenizer(toy_vocabulary() if vocab is None else vocab, model_max_length=512)


def encode_sentences(
    tokenizer: WordPieceTokenizer, sentences: list[str], max_length: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Sentences -> (input_ids, attention_mask), both (N, max_length) int64.

    Each row is ``[CLS] words [SEP]`` padded with [PAD] (0) to ``max_length``;
    a longer sentence raises ValueError (the toy world's never are).
    """
    if not isinstance(sentences, (list, tuple)) or not all(isinstance(s, str) for s in sentences):
        raise TypeError("sentences must be a list of str")
    if not sentences:
        raise ValueError("sentences must not be empty")
    _validate.positive_int("max_length", max_length)
    batch = tokenizer(list(sentences), padding="max_length", max_length=max_length)
    for i, row in enumerate(batch["input_ids"]):
        if len(row) > max_length:  # not truncated: a cut-off fact would be a wrong fact
            raise ValueError(f"sentence {i} has {len(row)} tokens with [CLS]/[SEP]; max_length is {max_length}")
    return torch.tensor(batch["input_ids"]), torch.tensor(batch["attention_mask"])


# ----------------------------------------------------------------------------
# Pre-training
# ----------------------------------------------------------------------------


def _mlm_batches(input_ids, attention_mask, tokenizer, settings, generator):
    """Endless random batches of masked sentences, as dicts of BERT arguments."""
    special = [tokenizer.vocab[t] for t in SPECIAL_TOKENS]
    while True:
        rows = torch.randint(input_ids.size(0), (settings.batch_size,), generator=generator)
        ids, mask = input_ids[rows], attention_mask[rows]
        length = int(mask.sum(1).max())  # trim the all-padding tail columns: faster
        ids, mask = ids[:, :length], mask[:, :length]
        masked, labels = mask_tokens(
            ids,
            vocab_size=tokenizer.vocab_size,
            mask_token_id=tokenizer.mask_token_id,
            special_token_ids=special,
            mlm_probability=settings.mlm_probability,
            generator=generator,
            attention_mask=mask,
        )
        yield {"input_ids": masked, "attention_mask": mask, "mlm_labels": labels}


def build_toy_bert(
    settings: PretrainSettings | None = None, *, progress: bool = True
) -> tuple[BERT, WordPieceTokenizer, dict]:
    """Pretrain a tiny BERT with MLM on the toy-world corpus, from scratch.

    Deterministic: the weights depend only on ``settings`` (and the machine's float
    arithmetic). Uses one CPU thread for the duration, so the result does not depend
    on the thread count either. Returns (model in eval mode, tokenizer, info) where
    info has "settings", "losses" (one per step) and "seconds".
    """
    settings = PretrainSettings() if settings is None else settings
    if not isinstance(settings, PretrainSettings):
        raise TypeError(f"settings must be a PretrainSettings; got {type(settings).__name__}")
    with one_thread():
        start = time.perf_counter()
        tokenizer = toy_tokenizer()
        sentences = generate_corpus(make_world(0), n_sentences=settings.n_sentences, seed=settings.seed)
        input_ids, attention_mask = encode_sentences(tokenizer, sentences, settings.max_length)

        torch.manual_seed(settings.seed)  # initial weights and dropout
        model = BERT(settings.bert_config(tokenizer.vocab_size))
        optimizer = torch.optim.AdamW(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, warmup_then_decay(settings.warmup_steps, settings.steps))
        generator = torch.Generator().manual_seed(settings.seed)  # batches and masking
        batches = _mlm_batches(input_ids, attention_mask, tokenizer, settings, generator)
        losses = train_steps(
            model, batches, optimizer, steps=settings.steps, scheduler=scheduler,
            max_grad_norm=1.0, progress=progress, desc="MLM pre-training",
        )
        model.eval()
        info = {"settings": asdict(settings), "losses": losses, "seconds": time.perf_counter() - start}
        return model, tokenizer, info


# ----------------------------------------------------------------------------
# Saving and loading: safetensors weights + a JSON config
# ----------------------------------------------------------------------------


def save_toy_bert(model: BERT, tokenizer: WordPieceTokenizer, directory: str | Path, info: dict) -> Path:
    """Write ``model.safetensors`` and ``config.json`` (settings, vocabulary, loss summary)."""

    if not isinstance(model, BERT):
        raise TypeError(f"model must be an lmkit BERT; got {type(model).__name__}")
    losses = info.get("losses", [])
    tail = losses[-100:]
    meta = {
        "format": "lmkit-toy-bert-1",
        "settings": info["settings"],
        "bert_config": asdict(model.config),
        "vocab": tokenizer.ids_to_tokens,
        "final_mlm_loss": sum(tail) / len(tail) if tail else None,
        "first_mlm_loss": losses[0] if losses else None,
        "build_seconds": round(float(info.get("seconds", 0.0)), 1),
        "torch_version": torch.__version__,
    }
    # The MLM decoder shares the word-embedding matrix: store it once.
    return write_checkpoint(model, "mlm_head.decoder.weight", directory, meta)


def write_checkpoint(model: torch.nn.Module, tied: str, directory: str | Path, meta: dict) -> Path:
    """``model.safetensors`` (without the ``tied`` duplicate of another weight) + ``config.json`` = meta."""
    from safetensors.torch import save_file

    directory = _validate.path("directory", directory)
    directory.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items() if k != tied}
    save_file(state, str(directory / _WEIGHTS))
    (directory / _CONFIG).write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    # safetensors writes 0600; the grading sandbox's unprivileged uid must read shipped weights too.
    for name in (_WEIGHTS, _CONFIG):
        (directory / name).chmod(0o644)
    return directory


def read_checkpoint(directory: str | Path, fmt: str, command: str) -> tuple[dict, dict]:
    """(meta, state dict) of a checkpoint directory whose config says format ``fmt``."""
    from safetensors.torch import load_file

    directory = _validate.path("directory", directory)
    for name in (_WEIGHTS, _CONFIG):
        if not (directory / name).is_file():
            raise FileNotFoundError(f"no {name} in {directory}; build one with `{command}`")
    meta = json.loads((directory / _CONFIG).read_text(encoding="utf-8"))
    if meta.get("format") != fmt:
        raise ValueError(f"{directory / _CONFIG} is not an {fmt} config (format {meta.get('format')!r})")
    return meta, load_file(str(directory / _WEIGHTS))


def load_weights(model: torch.nn.Module, state: dict, tied: str) -> None:
    """Load ``state`` into ``model``; only the ``tied`` weight (shared with another) may be missing."""
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or set(missing) - {tied}:
        raise ValueError(f"checkpoint does not match the model: missing {missing}, unexpected {unexpected}")
    model.eval()


def load_toy_bert(directory: str | Path = CHECKPOINT_DIR) -> tuple[BERT, WordPieceTokenizer, dict]:
    """Load a checkpoint written by :func:`save_toy_bert`: (model in eval mode, tokenizer, meta)."""
    meta, state = read_checkpoint(directory, "lmkit-toy-bert-1", "python -m lmkit.pretrained build")
    model = BERT(BERTConfig(**meta["bert_config"]))
    load_weights(model, state, "mlm_head.decoder.weight")
    return model, toy_tokenizer(meta["vocab"]), meta


def toy_bert(*, rebuild: bool = False, progress: bool = True) -> tuple[BERT, WordPieceTokenizer]:
    """The course's pretrained tiny BERT and its tokenizer.

    Loads the checkpoint shipped in ``lmkit/data/checkpoints/toy-bert``; if it is
    missing (or ``rebuild=True``) pre-trains the same model from scratch instead
    (a few minutes on one CPU core) without writing anything.
    """
    if not rebuild and (CHECKPOINT_DIR / _WEIGHTS).is_file():
        model, tokenizer, _ = load_toy_bert(CHECKPOINT_DIR)
        return model, tokenizer
    model, tokenizer, _ = build_toy_bert(progress=progress)
    return model, tokenizer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lmkit.pretrained", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="pre-train the toy BERT and save it")
    build.add_argument("--out", type=Path, default=CHECKPOINT_DIR, help=f"directory (default {CHECKPOINT_DIR})")
    build.add_argument("--steps", type=int, default=PretrainSettings.steps)
    args = parser.parse_args(argv)
    model, tokenizer, info = build_toy_bert(PretrainSettings(steps=args.steps))
    path = save_toy_bert(model, tokenizer, args.out, info)
    size = sum(f.stat().st_size for f in path.iterdir())
    tail = info["losses"][-100:]
    print(f"wrote {path} ({size / 1e3:.0f} kB) in {info['seconds']:.1f} s; "
          f"MLM loss {info['losses'][0]:.3f} -> {sum(tail) / len(tail):.3f}; ln(V) = {math.log(tokenizer.vocab_size):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
