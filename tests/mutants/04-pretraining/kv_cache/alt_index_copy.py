class PreallocatedKVCache:
    def __init__(self, max_length):
        self.max_length, self.length = max_length, 0
        self._kv = None

    def update(self, k, v):
        n = k.shape[-2]
        if self.length + n > self.max_length:
            raise ValueError("cache is full")
        if self._kv is None:
            self._kv = torch.zeros((2, *k.shape[:2], self.max_length, k.shape[-1]), dtype=k.dtype, device=k.device)
        positions = torch.arange(self.length, self.length + n, device=k.device)
        self._kv[0].index_copy_(2, positions, k)
        self._kv[1].index_copy_(2, positions, v)
        self.length += n
        return self._kv[0, :, :, : self.length], self._kv[1, :, :, : self.length]
