def split_heads(x, num_heads):
    if x.dim() != 3 or x.shape[-1] % num_heads:
        raise ValueError("shape")
    B, L, D = x.shape
    return x.view(B, L, num_heads, D // num_heads).transpose(1, 2)


def merge_heads(x):
    if x.dim() == 3:
        return x
    B, H, L, dk = x.shape
    return x.transpose(1, 2).reshape(B, L, H * dk)
