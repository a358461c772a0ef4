import lmkit.attention as _la
def attention(q, k, v, mask=None):
    if k.shape[-2] != v.shape[-2]:
        raise ValueError("lengths")
    if mask is not None and mask.dtype != torch.bool:
        raise TypeError("bool")
    return _la.scaled_dot_product_attention(q, k, v, mask=mask, return_weights=True)
