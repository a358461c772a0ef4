def ppmi(counts, alpha=0.75):
    total = counts.sum()
    c = counts.sum(0, keepdim=True)
    c = c if alpha is None else c ** alpha
    pmi = torch.log((counts / total) / (counts.sum(1, keepdim=True) / total * c / c.sum()))
    return pmi.clamp(min=0)
