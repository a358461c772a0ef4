def top_p(logits, p):
    flat = logits.reshape(-1)
    sl, order = torch.sort(flat, descending=True)
    probs = sl.softmax(-1)
    drop = torch.zeros_like(probs, dtype=torch.bool).scatter(-1, order, (probs.cumsum(-1) - probs) >= p)
    return flat.masked_fill(drop, float("-inf")).view_as(logits)
