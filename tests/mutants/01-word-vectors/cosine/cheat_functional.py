def cosine_similarity(a, b):
    return torch.nn.functional.cosine_similarity(a, b, dim=-1, eps=1e-8)
