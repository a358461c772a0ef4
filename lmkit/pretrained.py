"""The shipped toy checkpoints, under the name notebook 05 imports (``lmkit.pretrained``).

Backs 05 §1. The code lives in :mod:`lmkit.hub.toy` (the name says what it is: the
toy BERT checkpoint we ship, not the pre-training code of :mod:`lmkit.training`);
this module re-exports it and keeps ``python -m lmkit.pretrained build`` working.
"""

from __future__ import annotations

from lmkit.hub.toy import (CHECKPOINT_DIR, SPECIAL_TOKENS, PretrainSettings, build_toy_bert, encode_sentences,
                           load_toy_bert, main, save_toy_bert, toy_bert, toy_tokenizer, toy_vocabulary)

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

if __name__ == "__main__":
    raise SystemExit(main())
