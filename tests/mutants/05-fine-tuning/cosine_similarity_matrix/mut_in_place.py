def cosine_similarity_matrix(embeddings):
    embeddings /= embeddings.norm(dim=1, keepdim=True).clamp_min(1e-12)
    return embeddings @ embeddings.T
