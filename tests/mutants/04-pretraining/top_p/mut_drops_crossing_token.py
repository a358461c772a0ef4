def top_p(logits, p):
    sl, order = torch.sort(logits, dim=-1, descending=True)
    cum = sl.softmax(-1).cumsum(-1)
    drop_sorted = cum > p
    drop_sorted[..., 0] = False
    drop = torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
    return logits.masked_fill(drop, float("-inf"))
