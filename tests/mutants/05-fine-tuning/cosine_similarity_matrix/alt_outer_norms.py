def cosine_similarity_matrix(embeddings):
    n = embeddings.norm(dim=1)
    dots = embeddings @ embeddings.T
    return dots / (n[:, None] * n[None, :]).clamp(min=1e-12)
