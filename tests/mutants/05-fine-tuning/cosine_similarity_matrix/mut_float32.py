def cosine_similarity_matrix(embeddings):
    e = embeddings.float()
    unit = e / e.norm(dim=1, keepdim=True).clamp_min(1e-12)
    return unit @ unit.T
