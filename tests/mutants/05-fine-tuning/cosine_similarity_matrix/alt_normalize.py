def cosine_similarity_matrix(embeddings):
    if embeddings.ndim != 2:
        raise ValueError("(N, D) expected")
    unit = torch.nn.functional.normalize(embeddings, dim=1)
    return unit @ unit.transpose(0, 1)
