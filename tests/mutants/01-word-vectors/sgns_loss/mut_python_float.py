import torch.nn.functional as F


def sgns_loss(center, context, negatives):
    pos = (center * context).sum(-1)
    neg = torch.einsum("bkd,bd->bk", negatives, center)
    return float(-(F.logsigmoid(pos) + F.logsigmoid(-neg).sum(-1)).mean())
