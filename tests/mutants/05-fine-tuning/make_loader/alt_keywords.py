def make_loader(*tensors, batch_size, seed=0):
    gen = torch.Generator()
    gen.manual_seed(int(seed))
    return DataLoader(dataset=TensorDataset(*tensors), batch_size=batch_size, shuffle=True, drop_last=False, generator=gen)
