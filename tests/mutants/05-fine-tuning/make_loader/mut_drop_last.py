def make_loader(*tensors, batch_size, seed=0):
    return DataLoader(TensorDataset(*tensors), batch_size=batch_size, shuffle=True, drop_last=True,
                      generator=torch.Generator().manual_seed(seed))
