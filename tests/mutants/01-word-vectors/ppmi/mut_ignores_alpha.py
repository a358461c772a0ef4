def ppmi(counts, alpha=0.75):
    total = counts.sum()
    seen = counts > 0
    expected = counts.sum(1, keepdim=True) / total * counts.sum(0, keepdim=True) / total
    pmi = torch.log(torch.where(seen, counts / total, 1.0) / torch.where(seen, expected, 1.0))
    return torch.where(seen, pmi.clamp(min=0), torch.zeros_like(pmi))
