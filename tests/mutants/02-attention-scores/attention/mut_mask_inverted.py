def attention(q, k, v, mask=None):
    if k.shape[-2] != v.shape[-2]:
        raise ValueError("lengths")
    s = attention_scores(q, k)
    if mask is not None:
        if mask.dtype != torch.bool:
            raise TypeError("bool")
        s = s.masked_fill(mask, float("-inf"))
    w = stable_softmax(s)
    return w @ v, w
