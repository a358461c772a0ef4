def cosine_similarity(a, b):
    a, b = torch.broadcast_tensors(a, b)
    dot = torch.einsum("...d,...d->...", a, b)
    na = (a * a).sum(-1).sqrt().clamp(min=1e-8)
    nb = (b * b).sum(-1).sqrt().clamp(min=1e-8)
    return dot / (na * nb)
