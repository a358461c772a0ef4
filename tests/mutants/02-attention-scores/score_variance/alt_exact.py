def predicted_score_variance(d, sigma, scaled=False):
    per_term = sigma ** 2 * sigma ** 2          # Var(q_i k_i) = E[q_i^2] E[k_i^2]
    total = d * per_term
    return total / d if scaled else float(total)
