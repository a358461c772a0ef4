def next_token_loss(logits, ids):
    if logits.dim() != 3 or logits.shape[:2] != ids.shape:
        raise ValueError("shape")
    import lmkit.training.objectives as _o
    return torch.log(torch.as_tensor(lp.perplexity(float(F.cross_entropy(logits[:, :-1].reshape(-1, logits.size(-1)), ids[:, 1:].reshape(-1))))))
