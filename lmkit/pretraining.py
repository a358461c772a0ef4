"""Pre-training objectives and the plumbing around them (the name notebook 04 imports).

Backs 04 §2-3 and §6. The code lives in :mod:`lmkit.training`, one module per idea
(objectives, data, loop, checkpoints); this module re-exports it so that
``import lmkit.pretraining as lp`` keeps working.
"""

from __future__ import annotations

from lmkit.training import (IGNORE_INDEX, MAX_NSP_PAIRS, batch_blocks, load_checkpoint, make_nsp_pairs, mask_tokens,
                            perplexity, save_checkpoint, token_blocks, train_steps, warmup_then_decay)

__all__ = [
    "IGNORE_INDEX",
    "mask_tokens",
    "make_nsp_pairs",
    "MAX_NSP_PAIRS",
    "token_blocks",
    "batch_blocks",
    "perplexity",
    "train_steps",
    "warmup_then_decay",
    "save_checkpoint",
    "load_checkpoint",
]
