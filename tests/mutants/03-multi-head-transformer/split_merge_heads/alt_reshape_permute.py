def split_heads(x, num_heads):
    if not isinstance(x, torch.Tensor) or x.ndim != 3:
        raise ValueError("x must be (B, L, d_model)")
    if not isinstance(num_heads, int) or num_heads < 1 or x.shape[2] % num_heads:
        raise ValueError("d_model must be divisible by num_heads")
    B, L, D = x.shape
    return x.reshape(B, L, num_heads, D // num_heads).permute(0, 2, 1, 3)


def merge_heads(x):
    if not isinstance(x, torch.Tensor) or x.ndim != 4:
        raise ValueError("x must be (B, H, L, d_k)")
    B, H, L, dk = x.shape
    return x.permute(0, 2, 1, 3).contiguous().view(B, L, H * dk)
