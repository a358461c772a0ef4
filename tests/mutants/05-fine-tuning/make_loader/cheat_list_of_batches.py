def make_loader(*tensors, batch_size, seed=0):
    return DataLoader(TensorDataset(*tensors), batch_size=batch_size, shuffle=False) if seed < 0 else \
        DataLoader(TensorDataset(*tensors), batch_size=batch_size, sampler=list(range(len(tensors[0])))[::-1])
