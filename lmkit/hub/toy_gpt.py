"""The shipped toy GPT: a tiny causal LM pretrained on the toy world, for instruction tuning.

Backs 05 §5 (instruction tuning with prompt masking needs a *pretrained* causal LM that
knows the toy world's facts but has never seen a question).

Built like the toy BERT of :mod:`lmkit.hub.toy`, with the course's own code and data,
deterministically:

* text: :func:`lmkit.data.toyworld.generate_corpus` (``n_sentences`` sentences, seed 0),
  one token stream with ``[SEP]`` after every sentence;
* tokenizer: a whole-word :class:`~lmkit.tokenizers.WordPieceTokenizer` over
  ``[PAD] [UNK] [SEP]``, then every toy-world word and every word the instruction
  prompts use (:func:`lmkit.instruct.instruction_words`), sorted. The question words
  ("what", "q", "?") are in the vocabulary but never in the pre-training text;
* model: :class:`lmkit.models.GPT` (pre-LN, tied head), next-token loss on random
  windows of the stream (:func:`lmkit.training.batch_blocks`).

``python -m lmkit.pretrained build --model toy-gpt`` writes ``model.safetensors`` +
``config.json`` to ``lmkit/data/checkpoints/toy-gpt/``; :func:`toy_gpt` loads it, or
rebuilds it (in memory) when it is missing.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from lmkit import _validate
from lmkit.data.toyworld import generate_corpus, make_world
from lmkit.hub.toy import check_recipe, load_weights, one_thread, read_checkpoint, toy_vocabulary, write_checkpoint
from lmkit.instruct import instruction_words
from lmkit.models import GPT, GPTConfig
from lmkit.tokenizers import WordPieceTokenizer
from lmkit.training import batch_blocks, train_steps, warmup_then_decay

__all__ = ["GPT_SPECIAL_TOKENS", "GPT_CHECKPOINT_DIR", "GPTPretrainSettings", "toy_gpt_vocabulary",
           "toy_gpt_tokenizer", "corpus_stream", "build_toy_gpt", "save_toy_gpt", "load_toy_gpt", "toy_gpt"]

GPT_SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[SEP]")  # [SEP] ends every sentence and every answer
GPT_CHECKPOINT_DIR = Path(__file__).resolve().parent.parent / "data" / "checkpoints" / "toy-gpt"
_WEIGHTS, _FORMAT = "model.safetensors", "lmkit-toy-gpt-1"


@dataclass(frozen=True)
class GPTPretrainSettings:
    """Everything that decides the toy GPT's weights (the checkpoint stores it).

    Model: ``n_layer`` pre-LN blocks of width ``n_embd`` with ``n_head`` heads, context
    ``block_size`` tokens. Training: ``steps`` AdamW steps of ``batch_size`` windows of
    ``block_size`` tokens, peak ``lr`` after ``warmup_steps``, linear decay to 10%.
    """

    n_sentences: int = 20000
    n_embd: int = 64
    n_layer: int = 4
    n_head: int = 4
    block_size: int = 32
    dropout: float = 0.0
    steps: int = 3000
    batch_size: int = 32
    lr: float = 3e-3
    warmup_steps: int = 100
    weight_decay: float = 0.1
    seed: int = 0

    def __post_init__(self) -> None:
        check_recipe(self, ("n_sentences", "n_embd", "n_layer", "n_head", "block_size", "steps", "batch_size"))

    def gpt_config(self, vocab_size: int) -> GPTConfig:
        return GPTConfig(vocab_size=vocab_size, block_size=self.block_size, n_layer=self.n_layer,
                         n_head=self.n_head, n_embd=self.n_embd, dropout=self.dropout)


def toy_gpt_vocabulary() -> list[str]:
    """``[PAD] [UNK] [SEP]``, then every toy-world and instruction word, sorted."""
    words = set(toy_vocabulary()[5:]) | set(instruction_words(make_world(0)))
    return list(GPT_SPECIAL_TOKENS) + sorted(words - set(GPT_SPECIAL_TOKENS))


def toy_gpt_tokenizer(vocab: list[str] | None = None) -> WordPieceTokenizer:
    """Whole-word tokenizer of the toy GPT; encode with ``add_special_tokens=False``."""
    return WordPieceTokenizer(toy_gpt_vocabulary() if vocab is None else vocab, model_max_length=512)


def corpus_stream(tokenizer: WordPieceTokenizer, sentences: list[str]) -> torch.Tensor:
    """Sentences -> one (N,) int64 stream of token ids, ``[SEP]`` after each sentence."""
    _validate.word_sequence("sentences", sentences)
    sep = tokenizer.sep_token_id
    ids: list[int] = []
    for s in sentences:
        ids += tokenizer.encode(s, add_special_tokens=False) + [sep]
    return torch.tensor(ids, dtype=torch.long)


def build_toy_gpt(settings: GPTPretrainSettings | None = None, *,
                  progress: bool = True) -> tuple[GPT, WordPieceTokenizer, dict]:
    """Pretrain the toy GPT from scratch on one CPU thread (deterministic in ``settings``).

    Returns (model in eval mode, tokenizer, info) with info "settings", "losses", "seconds".
    """
    settings = GPTPretrainSettings() if settings is None else settings
    if not isinstance(settings, GPTPretrainSettings):
        raise TypeError(f"settings must be a GPTPretrainSettings; got {type(settings).__name__}")
    with one_thread():
        start = time.perf_counter()
        tokenizer = toy_gpt_tokenizer()
        sentences = generate_corpus(make_world(0), n_sentences=settings.n_sentences, seed=settings.seed)
        stream = corpus_stream(tokenizer, sentences)
        torch.manual_seed(settings.seed)
        model = GPT(settings.gpt_config(tokenizer.vocab_size))
        decay = [p for p in model.parameters() if p.dim() >= 2]  # matrices; not biases or LayerNorms
        rest = [p for p in model.parameters() if p.dim() < 2]
        optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": settings.weight_decay},
                                       {"params": rest, "weight_decay": 0.0}], lr=settings.lr)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, warmup_then_decay(settings.warmup_steps, settings.steps))
        generator = torch.Generator().manual_seed(settings.seed)
        batches = batch_blocks(stream, settings.block_size, settings.batch_size, generator=generator)
        losses = train_steps(model, batches, optimizer, steps=settings.steps, scheduler=scheduler,
                             max_grad_norm=1.0, progress=progress, desc="causal LM pre-training")
        model.eval()
        return model, tokenizer, {"settings": asdict(settings), "losses": losses,
                                  "seconds": time.perf_counter() - start}


def save_toy_gpt(model: GPT, tokenizer: WordPieceTokenizer, directory: str | Path, info: dict) -> Path:
    """Write ``model.safetensors`` (the tied head stored once) and ``config.json``."""
    if not isinstance(model, GPT):
        raise TypeError(f"model must be an lmkit GPT; got {type(model).__name__}")
    tail = info.get("losses", [])[-100:]
    meta = {"format": _FORMAT, "settings": info["settings"], "gpt_config": asdict(model.config),
            "vocab": tokenizer.ids_to_tokens, "final_loss": sum(tail) / len(tail) if tail else None,
            "first_loss": info["losses"][0] if info.get("losses") else None,
            "build_seconds": round(float(info.get("seconds", 0.0)), 1), "torch_version": torch.__version__}
    return write_checkpoint(model, "lm_head.weight", directory, meta)


def load_toy_gpt(directory: str | Path = GPT_CHECKPOINT_DIR) -> tuple[GPT, WordPieceTokenizer, dict]:
    """Load a checkpoint written by :func:`save_toy_gpt`: (model in eval mode, tokenizer, meta)."""
    meta, state = read_checkpoint(directory, _FORMAT, "python -m lmkit.pretrained build --model toy-gpt")
    model = GPT(GPTConfig(**meta["gpt_config"]))
    load_weights(model, state, "lm_head.weight")
    return model, toy_gpt_tokenizer(meta["vocab"]), meta


def toy_gpt(*, rebuild: bool = False, progress: bool = True) -> tuple[GPT, WordPieceTokenizer]:
    """The course's pretrained toy GPT and its tokenizer (shipped; rebuilt in memory if missing)."""
    if not rebuild and (GPT_CHECKPOINT_DIR / _WEIGHTS).is_file():
        model, tokenizer, _ = load_toy_gpt(GPT_CHECKPOINT_DIR)
        return model, tokenizer
    model, tokenizer, _ = build_toy_gpt(progress=progress)
    return model, tokenizer
