def split_heads(x, num_heads):
    if x.dim() != 3 or num_heads < 1 or x.shape[-1] % num_heads != 0:
        raise ValueError("bad shape or num_heads")
    return torch.stack(x.chunk(num_heads, dim=-1), dim=1)


def merge_heads(x):
    if x.dim() != 4:
        raise ValueError("4-D expected")
    return torch.cat(x.unbind(1), dim=-1)
