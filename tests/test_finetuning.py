"""lmkit.finetuning: classifier, freezing, training, metrics, linear probe."""

import pytest
import torch

from lmkit import finetuning as ft
from lmkit.models import BERT, BERTConfig


def tiny_encoder(seed=0):
    torch.manual_seed(seed)
    return BERT(BERTConfig(vocab_size=12, max_position_embeddings=8, n_layer=1, n_head=2, hidden_size=16,
                           intermediate_size=32, dropout=0.0, attention_dropout=0.0))


def toy_task(n=64, seed=0):
    """Label = does token 5 occur in the sentence: learnable in a few epochs."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(6, 12, (n, 6), generator=g)
    labels = torch.randint(0, 2, (n,), generator=g)
    ids[labels == 1, 3] = 5
    ids[:, 0] = 2
    return ids, torch.ones_like(ids), labels


def test_classifier_shapes_loss_and_padding():
    model = ft.BertClassifier(tiny_encoder(), num_labels=3).eval()
    ids, mask, _ = toy_task(4)
    out = model(ids, mask)
    assert out.logits.shape == (4, 3) and out.loss is None
    out = model(ids, mask, labels=torch.tensor([0, 1, 2, 0]))
    assert out.loss.dim() == 0 and out.loss.requires_grad
    padded = model(torch.cat([ids, torch.zeros(4, 2, dtype=torch.long)], 1),
                   torch.cat([mask, torch.zeros(4, 2, dtype=torch.long)], 1))
    torch.testing.assert_close(padded.logits, out.logits, atol=1e-5, rtol=1e-4)
    with pytest.raises(TypeError):
        ft.BertClassifier(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError):
        model(ids, mask, labels=torch.tensor([0, 1]))


def test_freeze_encoder_keeps_head_and_pooler():
    model = ft.BertClassifier(tiny_encoder())
    total = ft.count_trainable(model)
    n = ft.freeze_encoder(model)
    pooler = sum(p.numel() for p in model.encoder.pooler.parameters())
    head = sum(p.numel() for p in model.head.parameters())
    assert n == pooler + head < total
    assert ft.freeze_encoder(model, frozen=False) == total


def test_training_learns_and_is_reproducible():
    ids, mask, labels = toy_task(128)
    results = []
    for _ in range(2):
        model = ft.BertClassifier(tiny_encoder())
        losses = ft.train_classifier(model, ids, mask, labels, epochs=15, lr=3e-3, batch_size=16, seed=3)
        results.append((losses, ft.predict(model, ids, mask)))
    assert results[0][0] == results[1][0]
    assert len(results[0][0]) == 15 * 8
    assert ft.accuracy(results[0][1], labels) > 0.9
    with pytest.raises(ValueError):
        ft.train_classifier(model, ids, mask[:, :3], labels)
    with pytest.raises(ValueError):
        ft.train_classifier(model, ids, mask, labels, lr=0)


def test_frozen_model_only_moves_head_and_pooler():
    model = ft.BertClassifier(tiny_encoder())
    ft.freeze_encoder(model)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    ids, mask, labels = toy_task(32)
    ft.train_classifier(model, ids, mask, labels, epochs=2, lr=1e-2)
    for name, value in model.state_dict().items():
        moved = not torch.equal(value, before[name])
        assert moved == (name.startswith("head.") or name.startswith("encoder.pooler.")), name


def test_metrics_against_hand_counts():
    pred = torch.tensor([1, 1, 0, 1, 0, 0, 2])
    gold = torch.tensor([1, 0, 0, 1, 1, 0, 2])
    assert ft.accuracy(pred, gold) == pytest.approx(5 / 7)
    p, r, f = ft.precision_recall_f1(pred, gold)
    assert (p, r) == pytest.approx((2 / 3, 2 / 3)) and f == pytest.approx(2 / 3)
    assert ft.precision_recall_f1(pred, gold, positive=5) == (0.0, 0.0, 0.0)
    cm = ft.confusion_matrix(pred, gold)
    assert cm.tolist() == [[2, 1, 0], [1, 2, 0], [0, 0, 1]] and cm.dtype == torch.int64
    assert ft.confusion_matrix(pred, gold, num_labels=4).shape == (4, 4)
    with pytest.raises(ValueError):
        ft.confusion_matrix(pred, gold, num_labels=2)
    with pytest.raises(ValueError):
        ft.accuracy(pred, gold[:3])
    with pytest.raises(TypeError):
        ft.accuracy(pred.float(), gold)


def test_linear_probe_separates_separable_data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(200, 5, generator=g)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).long()
    probe = ft.fit_linear_probe(x, y)
    assert ft.accuracy(probe(x).argmax(-1), y) > 0.95
    again = ft.fit_linear_probe(x, y)
    assert torch.equal(probe.weight, again.weight)
    with pytest.raises(ValueError):
        ft.fit_linear_probe(x, y[:10])


# ----------------------------------------------------------------------------- lmkit.early_stopping (05 §3)
def scripted(curve):
    """evaluate(model) -> the next score of ``curve`` (eval mode checked), one call per epoch."""
    calls = []

    def evaluate(model):
        assert not model.training, "evaluate must see the model in eval mode"
        calls.append(1)
        return curve[len(calls) - 1]
    return evaluate


def state_of(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_early_stopping_stops_after_patience_and_restores_the_best_epoch():
    from lmkit.early_stopping import fine_tune

    data = toy_task(48)
    start = ft.BertClassifier(tiny_encoder(), num_labels=2)
    curve = [0.5, 0.6, 0.7, 0.65, 0.7, 0.69, 0.95, 0.99]       # best at 3; a tie at 5 does not count
    model = ft.clone_model(start)
    history = fine_tune(model, data, scripted(curve), lr=1e-2, max_epochs=8, patience=3)
    assert history["val_score"] == curve[:6] and history["best_epoch"] == 3 and len(history["train_loss"]) == 6
    assert not model.training
    three = ft.clone_model(start)
    fine_tune(three, data, scripted([0.1, 0.2, 0.3]), lr=1e-2, max_epochs=3, patience=3)
    six = ft.clone_model(start)
    fine_tune(six, data, scripted([0.1 * i for i in range(1, 7)]), lr=1e-2, max_epochs=6, patience=3)
    restored, after3, after6 = state_of(model), state_of(three), state_of(six)
    assert all(torch.equal(restored[k], after3[k]) for k in restored), "best epoch's weights, bit-exactly"
    assert any(not torch.equal(restored[k], after6[k]) for k in restored)


def test_early_stopping_is_reproducible_and_leaves_frozen_weights_alone():
    from lmkit.early_stopping import fine_tune

    data = toy_task(48)
    start = ft.BertClassifier(tiny_encoder(), num_labels=2)
    ft.freeze_encoder(start)
    frozen = {k: v.clone() for k, v in start.named_parameters() if not v.requires_grad}
    runs = []
    for seed in (0, 0, 1):
        model = ft.clone_model(start)
        torch.rand(5)                                         # the global RNG moves in between
        runs.append(fine_tune(model, data, scripted([0.1 * i for i in range(1, 5)]), lr=1e-2, max_epochs=4, seed=seed))
        for name, p in model.named_parameters():
            if name in frozen:
                assert p.grad is None and torch.equal(p, frozen[name]), name
    assert runs[0] == runs[1] and runs[0]["train_loss"] != runs[2]["train_loss"]
    with pytest.raises(ValueError):
        fine_tune(ft.clone_model(start), data, scripted([0.0]), lr=1e-2, patience=0)
