"""Pre-training: objectives, data, the training loop, exact checkpoints and DDP.

One module per idea (each names the notebook section it backs):

- :mod:`~lmkit.training.objectives` -- what the model predicts: BERT's masking rule
  (:func:`mask_tokens`), next-sentence pairs (:func:`make_nsp_pairs`),
  :func:`perplexity` (04 §2-3);
- :mod:`~lmkit.training.data` -- a token stream cut into next-token blocks
  (:func:`token_blocks`, :func:`batch_blocks`) (04 §2);
- :mod:`~lmkit.training.loop` -- :func:`train_steps`, gradient clipping, a
  warm-up/decay schedule and :func:`adamw` (fused AdamW, decay on matrices only);
- :mod:`~lmkit.training.checkpoints` -- :func:`save_checkpoint` /
  :func:`load_checkpoint`, which store every RNG state so a resumed run reproduces
  the uninterrupted one exactly (04 §6);
- :mod:`~lmkit.training.ddp` -- the ``torchrun`` script (04 §7), imported on its own
  because it needs ``torch.distributed``; ``python -m lmkit.train_ddp`` runs it.

:mod:`lmkit.pretraining`, the old single module, re-exports all of this.
"""

from __future__ import annotations

from lmkit.training.checkpoints import load_checkpoint, save_checkpoint
from lmkit.training.data import batch_blocks, token_blocks
from lmkit.training.loop import adamw, train_steps, warmup_then_decay
from lmkit.training.objectives import IGNORE_INDEX, MAX_NSP_PAIRS, make_nsp_pairs, mask_tokens, perplexity

__all__ = [
    "IGNORE_INDEX",
    "mask_tokens",
    "make_nsp_pairs",
    "MAX_NSP_PAIRS",
    "token_blocks",
    "batch_blocks",
    "perplexity",
    "train_steps",
    "adamw",
    "warmup_then_decay",
    "save_checkpoint",
    "load_checkpoint",
]
