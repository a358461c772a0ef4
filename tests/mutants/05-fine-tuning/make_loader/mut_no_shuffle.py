def make_loader(*tensors, batch_size, seed=0):
    return DataLoader(TensorDataset(*tensors), batch_size=batch_size)
