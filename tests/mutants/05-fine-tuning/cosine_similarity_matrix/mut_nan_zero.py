def cosine_similarity_matrix(embeddings):
    unit = embeddings / embeddings.norm(dim=1, keepdim=True)
    return unit @ unit.T
