def cosine_similarity(a, b):
    a = a / a.norm(dim=-1, keepdim=True).clamp(min=1e-8)
    b = b / b.norm(dim=-1, keepdim=True).clamp(min=1e-8)
    return a @ b.transpose(-1, -2) if b.dim() > 1 else a @ b
