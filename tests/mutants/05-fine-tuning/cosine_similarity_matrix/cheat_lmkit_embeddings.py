import lmkit.embeddings as _le
def cosine_similarity_matrix(embeddings):
    return _le.cosine_similarity(embeddings[:, None, :], embeddings[None, :, :])
