def attention(q, k, v, mask=None):
    if v.shape[-2] != k.shape[-2]:
        raise ValueError("Lk mismatch")
    scores = attention_scores(q, k)
    if mask is not None:
        if mask.dtype != torch.bool:
            raise TypeError("mask must be bool")
        scores = scores.masked_fill(mask.logical_not(), float("-inf"))
    weights = stable_softmax(scores, dim=-1)
    return torch.einsum("...qk,...kd->...qd", weights, v), weights
