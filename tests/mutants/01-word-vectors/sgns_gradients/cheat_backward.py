def sgns_gradients(center, context, negatives):
    xs = [x.detach().clone().requires_grad_(True) for x in (center, context, negatives)]
    sgns_loss(*xs).backward()
    return tuple(x.grad for x in xs)
