def top_p(logits, p):
    sl, order = torch.sort(logits, dim=-1, descending=True)
    probs = sl.softmax(-1)
    drop = torch.zeros_like(probs, dtype=torch.bool).scatter(-1, order, (probs.cumsum(-1) - probs) >= p)
    return logits.masked_fill_(drop, float("-inf"))
