import torch.nn.functional as F


def sgns_loss(center, context, negatives):
    pos = F.logsigmoid((center * context).sum(-1))
    neg = F.logsigmoid(-torch.bmm(negatives, center.unsqueeze(-1)).squeeze(-1)).sum(-1)
    return -(pos + neg).mean()
