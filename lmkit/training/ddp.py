"""Causal-LM pre-training on the toy world with DistributedDataParallel (the torchrun entry point).

Backs 04 §7 (scaling out: data parallelism with ``torchrun`` and DDP).

Launch one process per CPU core or GPU with torchrun, for example::

    python -m torch.distributed.run --nproc_per_node=2 -m lmkit.train_ddp --steps 50 --out-dir runs/ddp

Each process (a "rank") holds a full copy of the model and draws its own batches;
after ``loss.backward()`` DDP averages the gradients over all ranks (all-reduce), so
every rank takes the same optimiser step and the copies stay identical. With equal
per-rank batches this is the same update as one process on the combined batch of
``world_size * batch_size`` rows -- the test in tests/test_ddp.py checks exactly that.
The backend is NCCL on GPUs and gloo on CPUs. Run without torchrun, the script trains
in a single process (world size 1).

Every rank writes ``rank{r}.pt`` (its losses and final parameters) into ``--out-dir``.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from lmkit.data.toyworld import generate_corpus, make_world
from lmkit.models import GPT, GPTConfig
from lmkit.training.data import batch_blocks
from lmkit.runtime import seed_everything
from lmkit.tokenizers import CharTokenizer


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--batch-size", type=int, default=8, help="rows per rank and step")
    p.add_argument("--block-size", type=int, default=64)
    p.add_argument("--n-layer", type=int, default=2)
    p.add_argument("--n-head", type=int, default=2)
    p.add_argument("--n-embd", type=int, default=64)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--n-sentences", type=int, default=2000, help="toy-world corpus size")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--backend", choices=["auto", "gloo", "nccl"], default="auto")
    p.add_argument("--out-dir", type=Path, default=None, help="write rank{r}.pt (losses, parameters) here")
    args = p.parse_args(argv)
    for name in ("steps", "batch_size", "block_size", "n_layer", "n_head", "n_embd", "n_sentences"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1")
    return args


def corpus_ids(n_sentences: int, seed: int) -> tuple[torch.Tensor, int]:
    """The toy-world corpus as one character-level token stream, and the vocabulary size."""
    text = "\n".join(generate_corpus(make_world(seed), n_sentences=n_sentences, seed=seed))
    tokenizer = CharTokenizer.from_text(text)
    return torch.tensor(tokenizer.encode(text), dtype=torch.long), tokenizer.vocab_size


def make_model(args: argparse.Namespace, vocab_size: int) -> GPT:
    """The same initial weights on every rank (seeded); DDP also broadcasts rank 0's."""
    seed_everything(args.seed)
    config = GPTConfig(vocab_size=vocab_size, block_size=args.block_size, n_layer=args.n_layer,
                       n_head=args.n_head, n_embd=args.n_embd, dropout=0.0)
    return GPT(config)


def rank_batches(ids: torch.Tensor, args: argparse.Namespace, rank: int):
    """Rank ``rank``'s own endless batch stream: a different data generator per rank."""
    generator = torch.Generator().manual_seed(args.seed * 1000 + rank)
    return batch_blocks(ids, args.block_size, args.batch_size, generator=generator)


def _setup(backend: str) -> tuple[int, int, torch.device]:
    """Join the process group torchrun describes in the environment (RANK, WORLD_SIZE, ...)."""
    if "RANK" not in os.environ:  # plain `python -m lmkit.train_ddp`
        return 0, 1, torch.device("cuda" if torch.cuda.is_available() else "cpu")
    use_cuda = torch.cuda.is_available() and backend != "gloo"
    backend = ("nccl" if use_cuda else "gloo") if backend == "auto" else backend
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    if use_cuda:
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    dist.init_process_group(backend=backend)
    return dist.get_rank(), dist.get_world_size(), device


def train(args: argparse.Namespace) -> dict:
    """Train and return {"losses": [...], "rank", "world_size", "seconds"}; losses are
    averaged over ranks, i.e. the loss on the combined batch."""
    rank, world_size, device = _setup(args.backend)
    try:
        ids, vocab_size = corpus_ids(args.n_sentences, args.seed)
        model = make_model(args, vocab_size).to(device)
        ddp_model = DistributedDataParallel(model) if world_size > 1 else model
        optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)
        batches = rank_batches(ids, args, rank)
        losses = []
        start = time.perf_counter()
        for step in range(args.steps):
            inputs, targets = next(batches)
            loss = ddp_model(inputs.to(device), targets.to(device)).loss
            optimizer.zero_grad(set_to_none=True)
            loss.backward()  # DDP all-reduces (averages) the gradients here
            optimizer.step()
            mean_loss = loss.detach()
            if world_size > 1:  # the logged loss: mean over ranks (gloo has no AVG op)
                dist.all_reduce(mean_loss, op=dist.ReduceOp.SUM)
                mean_loss = mean_loss / world_size
            losses.append(mean_loss.item())
            if rank == 0 and (step % 10 == 0 or step == args.steps - 1):
                print(f"step {step:4d}  loss {losses[-1]:.4f}", flush=True)
        seconds = time.perf_counter() - start
        result = {"losses": losses, "rank": rank, "world_size": world_size, "seconds": seconds}
        if args.out_dir is not None:
            args.out_dir.mkdir(parents=True, exist_ok=True)
            state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
            torch.save({**result, "state_dict": state}, args.out_dir / f"rank{rank}.pt")
        if rank == 0:
            print(f"done: {args.steps} steps on {world_size} process(es) in {seconds:.1f} s; "
                  f"final loss {losses[-1]:.4f}", flush=True)
        return result
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def main(argv: list[str] | None = None) -> None:
    train(parse_args(argv))


if __name__ == "__main__":
    main()
