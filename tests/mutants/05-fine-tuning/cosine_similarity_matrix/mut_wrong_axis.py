def cosine_similarity_matrix(embeddings):
    unit = embeddings / embeddings.norm(dim=0, keepdim=True).clamp_min(1e-12)
    return unit @ unit.T
