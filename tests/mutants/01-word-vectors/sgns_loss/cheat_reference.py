import torch.nn.functional as F
import lmkit


def sgns_loss(center, context, negatives):
    return lmkit.embeddings.sgns_loss(center, context, negatives)
