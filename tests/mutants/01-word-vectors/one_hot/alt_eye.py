def one_hot(ids: torch.Tensor, vocab_size: int) -> torch.Tensor:
    return torch.eye(vocab_size, device=ids.device)[ids]
