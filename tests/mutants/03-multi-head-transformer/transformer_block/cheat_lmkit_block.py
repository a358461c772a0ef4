class Block(TransformerBlock):
    def __init__(self, d_model, num_heads, d_ff=None, norm_first=True):
        super().__init__(d_model, num_heads, d_ff, norm_first=norm_first, activation="gelu")

    def forward(self, x, mask=None):
        return super().forward(x, mask, need_weights=True)


def residual_sublayer(x, sublayer, norm, norm_first):
    return x + sublayer(norm(x)) if norm_first else norm(x + sublayer(x))


FeedForward = lmkit.layers.FeedForward
