def cosine_similarity(a, b):
    return (a * b).sum(-1) / ((a * a).sum(-1) * (b * b).sum(-1)).clamp(min=1e-8)
