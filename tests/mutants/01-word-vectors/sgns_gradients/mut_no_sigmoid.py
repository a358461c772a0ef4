def sgns_gradients(center, context, negatives):
    # derivative of the score instead of the loss
    B = center.shape[0]
    g_c = (-context + negatives.sum(1)) / B
    return g_c, -center / B, center[:, None].expand_as(negatives) / B
