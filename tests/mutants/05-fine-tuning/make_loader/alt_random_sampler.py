def make_loader(*tensors, batch_size, seed=0):
    from torch.utils.data import RandomSampler
    data = TensorDataset(*tensors)
    sampler = RandomSampler(data, generator=torch.Generator().manual_seed(seed))
    return DataLoader(data, batch_size=batch_size, sampler=sampler)
