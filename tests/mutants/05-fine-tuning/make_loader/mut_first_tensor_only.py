def make_loader(*tensors, batch_size, seed=0):
    return DataLoader(TensorDataset(tensors[0]), batch_size=batch_size, shuffle=True,
                      generator=torch.Generator().manual_seed(seed))
