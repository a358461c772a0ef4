"""lmkit.lora: LoRALinear starts as its base, trains only A and B, merges exactly."""

import pytest
import torch
import torch.nn as nn

from lmkit.lora import (LoRALinear, apply_lora, count_trainable, lora_layers, lora_parameter_count, lora_parameters,
                        merge_lora, unmerge_lora)
from lmkit.models import BERT, GPT, BERTConfig, GPTConfig


def _base(seed=0, in_f=12, out_f=10, bias=True):
    torch.manual_seed(seed)
    return nn.Linear(in_f, out_f, bias=bias)


def _trained(layer):
    """Give B non-zero values, as training would."""
    with torch.no_grad():
        layer.lora_B.normal_(0.0, 0.5)
    return layer


@pytest.mark.parametrize("bias", [True, False])
def test_output_equals_the_base_at_init(bias):
    base = _base(bias=bias)
    x = torch.randn(3, 5, 12)
    expected = base(x)
    layer = LoRALinear(base, r=4, alpha=8)
    assert torch.equal(layer(x), expected)
    assert torch.count_nonzero(layer.lora_B) == 0 and layer.lora_A.shape == (4, 12) and layer.lora_B.shape == (10, 4)
    assert layer.scaling == 2.0


def test_only_a_and_b_get_gradients():
    layer = LoRALinear(_base(), r=2, alpha=4)
    layer(torch.randn(4, 12)).pow(2).sum().backward()
    assert layer.base.weight.grad is None and layer.base.bias.grad is None
    assert not layer.base.weight.requires_grad and not layer.base.bias.requires_grad
    # B = 0 at init: A's gradient is zero but B's is not (the update starts through B)
    assert layer.lora_B.grad is not None and layer.lora_B.grad.abs().sum() > 0
    assert layer.lora_A.grad is not None
    assert count_trainable(layer) == lora_parameter_count(12, 10, 2) == 2 * (12 + 10)


def test_merged_equals_unmerged_and_unmerge_restores_bit_exactly():
    layer = _trained(LoRALinear(_base(), r=3, alpha=6))
    original = layer.base.weight.detach().clone()
    x = torch.randn(7, 12)
    unmerged = layer(x)
    layer.merge()
    assert layer.merged and not torch.equal(layer.base.weight, original)
    torch.testing.assert_close(layer(x), unmerged, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(layer.base.weight, original + layer.delta_weight())
    layer.merge()  # no-op
    layer.unmerge()
    assert not layer.merged and torch.equal(layer.base.weight, original)
    assert torch.equal(layer(x), unmerged)


def test_device_and_dtype_follow_the_base():
    base = _base().to(torch.float64)
    layer = LoRALinear(base, r=2, alpha=2)
    assert layer.lora_A.dtype == layer.lora_B.dtype == torch.float64
    assert layer.lora_A.device == base.weight.device
    assert layer(torch.randn(2, 12, dtype=torch.float64)).dtype == torch.float64
    if torch.cuda.is_available():
        gpu = LoRALinear(_base().cuda(), r=2, alpha=2)
        assert gpu.lora_A.is_cuda and gpu.lora_B.is_cuda


def _gpt():
    torch.manual_seed(0)
    return GPT(GPTConfig(vocab_size=50, block_size=16, n_layer=2, n_head=2, n_embd=16))


def test_apply_lora_on_gpt_attention_projections():
    model = _gpt()
    ids = torch.randint(50, (2, 9))
    before = model(ids).logits
    wrapped = apply_lora(model, ["q_proj", "v_proj"], r=4, alpha=8)
    assert wrapped == ["blocks.0.attn.q_proj", "blocks.0.attn.v_proj", "blocks.1.attn.q_proj", "blocks.1.attn.v_proj"]
    assert set(lora_layers(model)) == set(wrapped)
    assert torch.equal(model(ids).logits, before)  # B = 0: the model starts unchanged
    assert count_trainable(model) == 4 * lora_parameter_count(16, 16, 4)
    assert {id(p) for p in lora_parameters(model)} == {id(p) for p in model.parameters() if p.requires_grad}
    model(ids, ids).loss.backward()
    grads = {name for name, p in model.named_parameters() if p.grad is not None}
    assert grads == {f"{w}.lora_{m}" for w in wrapped for m in "AB"}
    for layer in lora_layers(model).values():
        _trained(layer)
    unmerged = model(ids).logits
    assert merge_lora(model) == 4
    torch.testing.assert_close(model(ids).logits, unmerged, rtol=1e-4, atol=1e-5)
    unmerge_lora(model)
    assert torch.equal(model(ids).logits, unmerged)


def test_apply_lora_on_bert_with_a_predicate_and_a_trainable_head():
    torch.manual_seed(0)
    model = BERT(BERTConfig(vocab_size=40, max_position_embeddings=12, n_layer=2, n_head=2, hidden_size=16,
                            intermediate_size=32))
    model.eval()
    ids = torch.randint(5, 40, (2, 8))
    before = model(ids).last_hidden_state
    wrapped = apply_lora(model, lambda name, m: name.endswith(("attn.k_proj", "attn.out_proj")), r=2, alpha=2,
                         keep_trainable=["nsp_head"])
    assert len(wrapped) == 4
    assert torch.equal(model(ids).last_hidden_state, before)
    head = sum(p.numel() for p in model.nsp_head.parameters())
    assert count_trainable(model) == 4 * lora_parameter_count(16, 16, 2) + head


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(TypeError, match="base must be a torch.nn.Linear"):
        LoRALinear(nn.Conv1d(2, 2, 1), r=1, alpha=1)
    with pytest.raises(ValueError, match="r must be a positive int"):
        LoRALinear(_base(), r=0, alpha=1)
    with pytest.raises(ValueError, match=r"r must be <= min\(in_features, out_features\) = 10"):
        LoRALinear(_base(), r=11, alpha=1)
    with pytest.raises(ValueError, match="alpha must be a positive"):
        LoRALinear(_base(), r=2, alpha=0)
    with pytest.raises(ValueError, match="dropout"):
        LoRALinear(_base(), r=2, alpha=1, dropout=1.0)
    with pytest.raises(TypeError, match="already a LoRALinear"):
        LoRALinear(LoRALinear(_base(), r=1, alpha=1), r=1, alpha=1)
    with pytest.raises(ValueError, match=r"x must have shape \(\.\.\., 12\)"):
        LoRALinear(_base(), r=1, alpha=1)(torch.randn(2, 5))
    with pytest.raises(TypeError, match="x must be a floating-point"):
        LoRALinear(_base(), r=1, alpha=1)(torch.ones(2, 12, dtype=torch.long))
    with pytest.raises(ValueError, match="matched no nn.Linear"):
        apply_lora(_gpt(), ["nope"], r=2, alpha=2)
    with pytest.raises(ValueError, match="shares its weight"):
        apply_lora(_gpt(), ["lm_head"], r=2, alpha=2)
    with pytest.raises(TypeError, match="target must be"):
        apply_lora(_gpt(), "q_proj", r=2, alpha=2)
    with pytest.raises(TypeError, match="model must be"):
        apply_lora("gpt", ["q_proj"], r=2, alpha=2)
    with pytest.raises(ValueError, match="in_features must be a positive int"):
        lora_parameter_count(0, 3, 1)


def test_apply_lora_on_a_bert_classifier_keeps_the_head_trainable():
    from lmkit.finetuning import BertClassifier

    torch.manual_seed(0)
    encoder = BERT(BERTConfig(vocab_size=40, max_position_embeddings=12, n_layer=1, n_head=2, hidden_size=16,
                              intermediate_size=32))
    clf = BertClassifier(encoder, num_labels=2)
    apply_lora(clf, ["q_proj", "v_proj"], r=2, alpha=4, keep_trainable=["head", "encoder.pooler"])
    kept = sum(p.numel() for p in clf.head.parameters()) + sum(p.numel() for p in clf.encoder.pooler.parameters())
    assert count_trainable(clf) == 2 * lora_parameter_count(16, 16, 2) + kept
