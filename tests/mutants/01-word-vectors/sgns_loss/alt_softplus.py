import torch.nn.functional as F


def sgns_loss(center, context, negatives):
    pos = (center * context).sum(-1)
    neg = (negatives * center.unsqueeze(1)).sum(-1)
    return (F.softplus(-pos) + F.softplus(neg).sum(-1)).mean()
