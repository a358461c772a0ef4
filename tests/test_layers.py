import math

import pytest
import torch
import torch.nn as nn

from lmkit.layers import (FeedForward, LearnedPositionalEmbedding, RotaryEmbedding, SinusoidalPositionalEncoding,
                          TransformerBlock)


def test_shapes_and_pre_vs_post():
    torch.manual_seed(0)
    x = torch.randn(2, 5, 16)
    assert FeedForward(16).fc_in.out_features == 64 and FeedForward(16)(x).shape == x.shape
    pre = TransformerBlock(16, 4).eval()
    post = TransformerBlock(16, 4, norm_first=False).eval()
    post.load_state_dict(pre.state_dict())
    y, w = pre(x, need_weights=True, is_causal=True)
    assert y.shape == x.shape and w.shape == (2, 4, 5, 5)
    assert not torch.allclose(y, post(x)[0])


@pytest.mark.parametrize("norm_first", [False, True])
def test_block_matches_torch_encoder_layer(device, norm_first):
    torch.manual_seed(0)
    ref = nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0, activation="relu", batch_first=True,
                                     norm_first=norm_first).to(device).eval()
    blk = TransformerBlock(16, 4, 32, norm_first=norm_first, activation="relu").to(device).eval()
    sd = {"norm1.weight": ref.norm1.weight, "norm1.bias": ref.norm1.bias, "norm2.weight": ref.norm2.weight,
          "norm2.bias": ref.norm2.bias, "ffn.fc_in.weight": ref.linear1.weight, "ffn.fc_in.bias": ref.linear1.bias,
          "ffn.fc_out.weight": ref.linear2.weight, "ffn.fc_out.bias": ref.linear2.bias}
    for i, name in enumerate("qkv"):
        sd[f"attn.{name}_proj.weight"] = ref.self_attn.in_proj_weight[i * 16:(i + 1) * 16]
        sd[f"attn.{name}_proj.bias"] = ref.self_attn.in_proj_bias[i * 16:(i + 1) * 16]
    sd["attn.out_proj.weight"], sd["attn.out_proj.bias"] = ref.self_attn.out_proj.weight, ref.self_attn.out_proj.bias
    blk.load_state_dict(sd)
    x = torch.randn(2, 6, 16, device=device)
    with torch.no_grad():
        torch.testing.assert_close(blk(x)[0], ref(x), atol=1e-5, rtol=0)


def test_sinusoidal_closed_form():
    pe = SinusoidalPositionalEncoding(6, max_len=20)
    p, i = 7, 2
    assert math.isclose(pe.pe[p, 2 * i].item(), math.sin(p / 10000 ** (2 * i / 6)), abs_tol=1e-6)
    assert math.isclose(pe.pe[p, 2 * i + 1].item(), math.cos(p / 10000 ** (2 * i / 6)), abs_tol=1e-6)
    x = torch.zeros(1, 3, 6)
    torch.testing.assert_close(pe(x, offset=4)[0], pe.pe[4:7])
    with pytest.raises(ValueError, match="sequence of length 21 exceeds the context of 20 positions"):
        pe(x, offset=18)


def test_learned_positions():
    emb = LearnedPositionalEmbedding(10, 4)
    torch.testing.assert_close(emb(3, offset=2), emb.weight[2:5])
    torch.testing.assert_close(emb(torch.tensor([[0, 9]])), emb.weight[[0, 9]][None])
    with pytest.raises(ValueError, match="sequence of length 11 exceeds the context of 10 positions"):
        emb(11)


def test_rotary_relative_position():
    torch.manual_seed(0)
    rope = RotaryEmbedding(8, max_len=64)
    q, k = torch.randn(8), torch.randn(8)
    def score(m, n):
        qm = rope(q.expand(1, 1, m + 1, 8).contiguous(), q.expand(1, 1, m + 1, 8).contiguous())[0][0, 0, m]
        kn = rope(k.expand(1, 1, n + 1, 8).contiguous(), k.expand(1, 1, n + 1, 8).contiguous())[1][0, 0, n]
        return (qm @ kn).item()
    assert math.isclose(score(5, 2), score(13, 10), abs_tol=1e-4)
    assert not math.isclose(score(5, 2), score(5, 4), abs_tol=1e-3)
    with pytest.raises(ValueError, match="head_dim must be a positive even int.*got 7"):
        RotaryEmbedding(7)
    with pytest.raises(ValueError, match=r"same shape \(\.\.\., L, head_dim=8\); got \(1, 1, 3, 8\), \(1, 1, 4, 8\)"):
        rope(torch.zeros(1, 1, 3, 8), torch.zeros(1, 1, 4, 8))
    with pytest.raises(ValueError, match="offset must be an int >= 0.*got -1"):
        rope(torch.zeros(1, 1, 3, 8), torch.zeros(1, 1, 3, 8), offset=-1)
