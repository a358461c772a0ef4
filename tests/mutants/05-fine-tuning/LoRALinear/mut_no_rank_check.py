class LoRALinear(nn.Module):
    '''A frozen nn.Linear plus a trainable low-rank change (alpha / r) * B @ A.'''

    def __init__(self, base: nn.Linear, r: int, alpha: float) -> None:
        super().__init__()
        self.base = base
        for p in base.parameters():
            p.requires_grad_(False)
        factory = dict(dtype=base.weight.dtype, device=base.weight.device)
        self.lora_A = nn.Parameter(torch.randn(r, base.in_features, **factory) / base.in_features ** 0.5)
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r, **factory))
        self.scaling = alpha / r
        self.merged = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        '''(..., in_features) -> (..., out_features).'''
        out = self.base(x)
        if self.merged:
            return out
        return out + self.scaling * (x @ self.lora_A.T) @ self.lora_B.T

    def merge(self) -> None:
        '''Fold the change into base.weight.'''
        if not self.merged:
            with torch.no_grad():
                self.base.weight += self.scaling * self.lora_B @ self.lora_A
            self.merged = True

    def unmerge(self) -> None:
        '''Take the change out of base.weight again.'''
        if self.merged:
            with torch.no_grad():
                self.base.weight -= self.scaling * self.lora_B @ self.lora_A
            self.merged = False
