def top_p(logits, p):
    probs = torch.softmax(logits, dim=-1)
    sp, idx = probs.sort(dim=-1, descending=True)
    before = sp.cumsum(-1) - sp
    keep_sorted = before < p
    keep = torch.empty_like(keep_sorted).scatter_(-1, idx, keep_sorted)
    return torch.where(keep, logits, torch.full_like(logits, float("-inf")))
