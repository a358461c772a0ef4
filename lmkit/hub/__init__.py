"""Pretrained weights: Hugging Face checkpoints into lmkit's GPT and BERT, and the toy BERT we ship.

- :mod:`~lmkit.hub.files` -- reading a model directory (config.json, safetensors or
  pytorch_model.bin) and copying tensors into a model by name;
- :mod:`~lmkit.hub.gpt2` -- :func:`load_gpt2` / :func:`save_gpt2` (02 §8, 04 §5);
- :mod:`~lmkit.hub.bert` -- :func:`load_bert`, BERT and sentence-transformers (05 §6);
- :mod:`~lmkit.hub.pooling` -- :func:`mean_pool`, :func:`sentence_embedding` (05 §6);
- :mod:`~lmkit.hub.toy` -- the shipped toy checkpoint, a tiny BERT pretrained on the
  toy world (05 §1), also importable as :mod:`lmkit.pretrained`;
- :mod:`~lmkit.hub.toy_gpt` -- the shipped toy GPT, a tiny causal LM pretrained on the
  toy world, for instruction tuning (05 §5), also in :mod:`lmkit.pretrained`.
  Neither is imported here: they pull in the training code.

Nothing here imports ``transformers`` or reaches the network.
"""

from __future__ import annotations

from lmkit.hub.bert import load_bert
from lmkit.hub.files import MissingCheckpointFile
from lmkit.hub.gpt2 import load_gpt2, save_gpt2
from lmkit.hub.pooling import mean_pool, sentence_embedding

__all__ = [
    "MissingCheckpointFile",
    "load_gpt2",
    "save_gpt2",
    "load_bert",
    "mean_pool",
    "sentence_embedding",
]
