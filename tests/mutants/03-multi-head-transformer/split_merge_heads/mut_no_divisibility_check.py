def split_heads(x, num_heads):
    if x.dim() != 3:
        raise ValueError("shape")
    B, L, D = x.shape
    d = D // num_heads
    return x[..., : num_heads * d].reshape(B, L, num_heads, d).transpose(1, 2)


def merge_heads(x):
    if x.dim() != 4:
        raise ValueError("4-D")
    B, H, L, dk = x.shape
    return x.transpose(1, 2).reshape(B, L, H * dk)
