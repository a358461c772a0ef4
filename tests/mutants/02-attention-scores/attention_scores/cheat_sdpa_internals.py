import lmkit.attention as _la
def attention_scores(q, k):
    if not q.is_floating_point() or not k.is_floating_point():
        raise TypeError("float")
    if q.dim() < 2 or k.dim() < 2 or q.shape[-1] != k.shape[-1]:
        raise ValueError("shape")
    eye = torch.eye(k.shape[-2], dtype=q.dtype)
    w = _la.scaled_dot_product_attention(q, k, eye.expand(*k.shape[:-2], -1, -1), return_weights=True)[1]
    return torch.log(w)
