def ppmi(counts, alpha=0.75):
    total = counts.sum()
    c = counts.sum(0, keepdim=True)
    c = c if alpha is None else c ** alpha
    seen = counts > 0
    pmi = torch.log(torch.where(seen, counts / total, 1.0) / torch.where(seen, counts.sum(1, keepdim=True) / total * c / c.sum(), 1.0))
    return torch.where(seen, pmi, torch.zeros_like(pmi))
