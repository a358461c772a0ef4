def attention_scores(q, k):
    if not q.is_floating_point() or not k.is_floating_point():
        raise TypeError("float")
    if q.dim() < 2 or k.dim() < 2 or q.shape[-1] != k.shape[-1]:
        raise ValueError("shape")
    return k @ q.transpose(-2, -1) / math.sqrt(q.shape[-1])
