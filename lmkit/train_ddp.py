"""``python -m lmkit.train_ddp``: the torchrun entry point of 04 §7.

The script lives in :mod:`lmkit.training.ddp`; this module keeps the command (and
``from lmkit import train_ddp``) working.
"""

from __future__ import annotations

from lmkit.training.ddp import corpus_ids, main, make_model, parse_args, rank_batches, train

__all__ = ["parse_args", "corpus_ids", "make_model", "rank_batches", "train", "main"]

if __name__ == "__main__":
    main()
