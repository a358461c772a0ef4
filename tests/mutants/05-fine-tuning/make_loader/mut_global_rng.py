def make_loader(*tensors, batch_size, seed=0):
    torch.manual_seed(seed)
    return DataLoader(TensorDataset(*tensors), batch_size=batch_size, shuffle=True)
