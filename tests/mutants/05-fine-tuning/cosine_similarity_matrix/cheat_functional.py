def cosine_similarity_matrix(embeddings):
    return F.cosine_similarity(embeddings[:, None, :], embeddings[None, :, :], dim=-1)
