def make_loader(*tensors, batch_size, seed=0):
    order = torch.randperm(len(tensors[0]), generator=torch.Generator().manual_seed(seed))
    return DataLoader(TensorDataset(*(t[order] for t in tensors)), batch_size=batch_size)
