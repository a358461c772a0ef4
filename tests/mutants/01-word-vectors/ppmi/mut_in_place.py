def ppmi(counts, alpha=0.75):
    total = counts.sum()
    c = counts.sum(0, keepdim=True)
    c = c if alpha is None else c ** alpha
    expected = counts.sum(1, keepdim=True) / total * c / c.sum()
    seen = counts > 0
    counts /= total
    pmi = torch.log(torch.where(seen, counts, 1.0) / torch.where(seen, expected, 1.0))
    return torch.where(seen, pmi.clamp(min=0), torch.zeros_like(pmi))
