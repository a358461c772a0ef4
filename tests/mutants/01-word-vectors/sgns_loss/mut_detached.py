import torch.nn.functional as F


def sgns_loss(center, context, negatives):
    center, context, negatives = center.detach(), context.detach(), negatives.detach()
    pos = (center * context).sum(-1)
    neg = torch.einsum("bkd,bd->bk", negatives, center)
    return -(F.logsigmoid(pos) + F.logsigmoid(-neg).sum(-1)).mean()
