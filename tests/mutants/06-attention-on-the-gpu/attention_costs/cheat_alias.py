from lmkit.kernels.costs import attention_costs  # the answer is the reference itself: no frame of its own
