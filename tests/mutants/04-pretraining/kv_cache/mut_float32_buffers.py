class PreallocatedKVCache:
    """Keys and values of one layer in buffers of max_length positions, filled in place."""

    def __init__(self, max_length: int):
        self.max_length = max_length
        self.length = 0
        self.keys = self.values = None

    def update(self, k: torch.Tensor, v: torch.Tensor):
        """Append k, v (B, H, T_new, d_head); return all cached keys and values (B, H, length, d_head)."""
        batch, heads, new, d_head = k.shape
        if self.length + new > self.max_length:
            raise ValueError(f"{self.length} cached + {new} new positions exceed max_length = {self.max_length}")
        if self.keys is None:
            self.keys = torch.zeros(batch, heads, self.max_length, d_head)
            self.values = torch.zeros(batch, heads, self.max_length, v.shape[-1])
        self.keys[:, :, self.length:self.length + new] = k
        self.values[:, :, self.length:self.length + new] = v
        self.length += new
        return self.keys[:, :, :self.length], self.values[:, :, :self.length]
