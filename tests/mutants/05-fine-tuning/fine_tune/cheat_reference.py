def fine_tune(model, train_data, evaluate, *, lr, max_epochs=20, patience=3, batch_size=16, seed=0):
    return lmkit.early_stopping.fine_tune(model, train_data, evaluate, lr=lr, max_epochs=max_epochs,
                                          patience=patience, batch_size=batch_size, seed=seed)
