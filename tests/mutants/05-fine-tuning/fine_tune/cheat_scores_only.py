def fine_tune(model, train_data, evaluate, *, lr, max_epochs=20, patience=3, batch_size=16, seed=0):
    scores, best = [], 0
    model.eval()
    for epoch in range(max_epochs):
        scores.append(float(evaluate(model)))
        if scores[-1] > scores[best]:
            best = epoch
        elif epoch - best >= patience:
            break
    return {"train_loss": [0.5] * len(scores), "val_score": scores, "best_epoch": best + 1}
