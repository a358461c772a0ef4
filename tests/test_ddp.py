"""Launch lmkit.train_ddp with torchrun on 2 CPU processes (gloo) and check what DDP promises:
every rank ends with the same parameters, and they equal one process trained on the
combined batch (DDP averages the gradients of equal-sized per-rank batches)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
import torch

from lmkit import train_ddp

STEPS = 6
ARGS = ["--steps", str(STEPS), "--batch-size", "4", "--block-size", "32", "--n-layer", "1",
        "--n-head", "2", "--n-embd", "32", "--n-sentences", "300", "--seed", "3"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _single_process_on_combined_batch(world_size: int) -> tuple[list[float], dict]:
    args = train_ddp.parse_args(ARGS)
    ids, vocab_size = train_ddp.corpus_ids(args.n_sentences, args.seed)
    model = train_ddp.make_model(args, vocab_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)
    streams = [train_ddp.rank_batches(ids, args, rank) for rank in range(world_size)]
    losses = []
    for _ in range(args.steps):
        parts = [next(s) for s in streams]
        inputs = torch.cat([p[0] for p in parts])
        targets = torch.cat([p[1] for p in parts])
        loss = model(inputs, targets).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses, model.state_dict()


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_torchrun_two_cpu_ranks_match_single_process(tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_addr=127.0.0.1",
           f"--master_port={_free_port()}", "-m", "lmkit.train_ddp", *ARGS, "--backend", "gloo",
           "--out-dir", str(tmp_path)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=150)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    assert "done: 6 steps on 2 process(es)" in proc.stdout

    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in range(2)]
    assert [r["world_size"] for r in ranks] == [2, 2]
    # the replicas never diverge: identical parameters and identical (all-reduced) loss logs
    for name, p0 in ranks[0]["state_dict"].items():
        assert torch.equal(p0, ranks[1]["state_dict"][name]), name
    assert ranks[0]["losses"] == ranks[1]["losses"]

    losses, state = _single_process_on_combined_batch(world_size=2)
    torch.testing.assert_close(torch.tensor(ranks[0]["losses"]), torch.tensor(losses), rtol=1e-4, atol=1e-5)
    for name, p in state.items():
        torch.testing.assert_close(ranks[0]["state_dict"][name], p, rtol=1e-4, atol=1e-5, msg=name)
    assert losses[-1] < losses[0]  # and it learns


def test_single_process_without_torchrun(tmp_path):
    result = train_ddp.train(train_ddp.parse_args([*ARGS[:1], "2", *ARGS[2:], "--out-dir", str(tmp_path)]))
    assert result["world_size"] == 1 and len(result["losses"]) == 2
    assert (tmp_path / "rank0.pt").exists()


def test_parse_args_rejects_bad_values():
    with pytest.raises(SystemExit):
        train_ddp.parse_args(["--steps", "0"])
