def skipgram_pairs(ids, window):
    n = ids.shape[0]
    pos = torch.arange(n, device=ids.device)
    dist = (pos[None, :] - pos[:, None]).abs()
    centre, context = ((dist >= 1) & (dist <= window)).nonzero(as_tuple=True)
    return torch.stack([ids[centre], ids[context]], dim=1)
