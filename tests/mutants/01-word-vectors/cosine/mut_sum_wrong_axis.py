def cosine_similarity(a, b):
    a, b = torch.broadcast_tensors(a, b)
    return (a * b).sum(0) / (a.norm(dim=0).clamp(min=1e-8) * b.norm(dim=0).clamp(min=1e-8))
