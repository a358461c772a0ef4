def sgns_gradients(center, context, negatives):
    xs = [x.detach().clone().requires_grad_(True) for x in (center, context, negatives)]
    loss = -(F.logsigmoid((xs[0] * xs[1]).sum(-1)) + F.logsigmoid(-torch.einsum("bkd,bd->bk", xs[2], xs[0])).sum(-1)).mean()
    return tuple(torch.autograd.grad(loss, xs))
