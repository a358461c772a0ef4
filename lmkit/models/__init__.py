"""GPT and BERT, assembled from the blocks in :mod:`lmkit.layers`.

Two model families, each in its own module with its config and output beside it,
written to be read next to their papers:

* :mod:`~lmkit.models.gpt` -- :class:`GPT`, a decoder-only causal language model in
  the GPT-2 layout (Radford et al., 2019);
* :mod:`~lmkit.models.bert` -- :class:`BERT`, a bidirectional encoder (Devlin et al.,
  2019) with a pooler and its two pre-training heads.

Both return the attention weights of every layer and head on request, as one
tensor of shape ``(n_layer, B, H, L, Lk)``, for the visualisations. What they share
(the ignore label -100, input checks, GPT-2 initialisation) is in ``_common``.
"""

from __future__ import annotations

from lmkit.models._common import IGNORE_INDEX
from lmkit.models.bert import BERT, BERTConfig, BERTEmbeddings, BERTOutput, BERTPooler, MLMHead
from lmkit.models.gpt import GPT, GPTConfig, GPTOutput

__all__ = [
    "GPTConfig",
    "GPT",
    "GPTOutput",
    "BERTConfig",
    "BERT",
    "BERTOutput",
    "BERTEmbeddings",
    "BERTPooler",
    "MLMHead",
    "IGNORE_INDEX",
]
