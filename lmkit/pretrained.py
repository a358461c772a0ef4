"""The shipped toy checkpoints, under the name notebook 05 imports (``lmkit.pretrained``).

Backs 05 §1 (the toy BERT) and 05 §5 (the toy GPT for instruction tuning). The code
lives in :mod:`lmkit.hub.toy` and :mod:`lmkit.hub.toy_gpt` (the names say what they
are: checkpoints we ship, not the pre-training code of :mod:`lmkit.training`); this
module re-exports both and is the build command::

    python -m lmkit.pretrained build                   # toy BERT -> lmkit/data/checkpoints/toy-bert
    python -m lmkit.pretrained build --model toy-gpt   # toy GPT  -> lmkit/data/checkpoints/toy-gpt
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from lmkit.hub.toy import (CHECKPOINT_DIR, SPECIAL_TOKENS, PretrainSettings, build_toy_bert, encode_sentences,
                           load_toy_bert, save_toy_bert, toy_bert, toy_tokenizer, toy_vocabulary)
from lmkit.hub.toy import main as _toy_bert_main
from lmkit.hub.toy_gpt import (GPT_CHECKPOINT_DIR, GPTPretrainSettings, build_toy_gpt, load_toy_gpt, save_toy_gpt,
                               toy_gpt, toy_gpt_tokenizer, toy_gpt_vocabulary)

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
    "GPT_CHECKPOINT_DIR",
    "GPTPretrainSettings",
    "toy_gpt_vocabulary",
    "toy_gpt_tokenizer",
    "build_toy_gpt",
    "save_toy_gpt",
    "load_toy_gpt",
    "toy_gpt",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lmkit.pretrained", description="Build the shipped toy checkpoints.")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="pre-train a toy model and save it")
    build.add_argument("--model", choices=("toy-bert", "toy-gpt"), default="toy-bert")
    build.add_argument("--out", type=Path, default=None, help="directory (default: the shipped checkpoint's)")
    build.add_argument("--steps", type=int, default=None, help="training steps (default: the shipped recipe's)")
    args = parser.parse_args(argv)
    if args.model == "toy-bert":
        extra = (["--out", str(args.out)] if args.out else []) + (["--steps", str(args.steps)] if args.steps else [])
        return _toy_bert_main(["build", *extra])
    settings = GPTPretrainSettings() if args.steps is None else GPTPretrainSettings(steps=args.steps)
    model, tokenizer, info = build_toy_gpt(settings)
    path = save_toy_gpt(model, tokenizer, args.out or GPT_CHECKPOINT_DIR, info)
    size = sum(f.stat().st_size for f in path.iterdir())
    tail = info["losses"][-100:]
    print(f"wrote {path} ({size / 1e3:.0f} kB) in {info['seconds']:.1f} s; "
          f"loss {info['losses'][0]:.3f} -> {sum(tail) / len(tail):.3f}; ln(V) = {math.log(tokenizer.vocab_size):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
