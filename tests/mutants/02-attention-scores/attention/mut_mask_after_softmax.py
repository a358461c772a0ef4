def attention(q, k, v, mask=None):
    if k.shape[-2] != v.shape[-2]:
        raise ValueError("lengths")
    w = stable_softmax(attention_scores(q, k))
    if mask is not None:
        if mask.dtype != torch.bool:
            raise TypeError("bool")
        w = w * mask
    return w @ v, w
