def top_p(logits, p):
    probs = logits.softmax(-1)
    return logits.masked_fill(probs < (1 - p) * probs.amax(-1, keepdim=True), float("-inf"))
