def cosine_similarity_matrix(embeddings):
    return embeddings @ embeddings.T
