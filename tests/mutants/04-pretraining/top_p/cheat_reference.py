def top_p(logits, p):
    return top_p_filter(logits, p)
