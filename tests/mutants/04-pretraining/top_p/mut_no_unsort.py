def top_p(logits, p):
    sl, order = torch.sort(logits, dim=-1, descending=True)
    probs = sl.softmax(-1)
    drop = (probs.cumsum(-1) - probs) >= p
    return logits.masked_fill(drop, float("-inf"))
