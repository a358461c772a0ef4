class LoRALinear(nn.Module):
    '''The base layer with zero adapters that never do anything.'''

    def __init__(self, base, r, alpha):
        super().__init__()
        self.base = base
        base.requires_grad_(False)
        self.lora_A = nn.Parameter(torch.zeros(r, base.in_features))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))
        self.scaling = alpha / r
        self.merged = False

    def forward(self, x):
        return self.base(x) + 0 * self.lora_A.sum() + 0 * self.lora_B.sum()

    def merge(self):
        self.merged = True

    def unmerge(self):
        self.merged = False
