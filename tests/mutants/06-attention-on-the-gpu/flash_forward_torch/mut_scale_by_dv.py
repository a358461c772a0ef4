def flash_forward_torch(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, is_causal: bool = False,
                        block_size: int = 16) -> tuple[torch.Tensor, torch.Tensor]:
    """Tiled attention over query and key tiles: (out (..., Lq, dv), lse (..., Lq))."""
    if not isinstance(block_size, int) or block_size < 1:
        raise ValueError(f"block_size must be a positive int; got {block_size!r}")
    Lq, Lk = q.shape[-2], k.shape[-2]
    if is_causal and Lq != Lk:
        raise ValueError(f"is_causal needs Lq == Lk; got {Lq} and {Lk}")
    scale = 1.0 / math.sqrt(v.shape[-1])
    outs, lses = [], []
    for qs in range(0, Lq, block_size):
        q_tile = q[..., qs:qs + block_size, :] * scale                      # (..., bq, d)
        last_query = qs + q_tile.shape[-2] - 1
        m = torch.full(q_tile.shape[:-1] + (1,), float("-inf"), dtype=q.dtype, device=q.device)
        l = torch.zeros_like(m)
        o = torch.zeros(q_tile.shape[:-1] + (v.shape[-1],), dtype=q.dtype, device=q.device)
        for ks in range(0, Lk, block_size):
            if is_causal and ks > last_query:
                break                                                       # every later key is in the future
            s = q_tile @ k[..., ks:ks + block_size, :].transpose(-2, -1)    # (..., bq, bk)
            if is_causal:
                rows = torch.arange(qs, qs + q_tile.shape[-2], device=q.device)[:, None]
                cols = torch.arange(ks, ks + s.shape[-1], device=q.device)[None, :]
                s = s.masked_fill(cols > rows, float("-inf"))
            m_new = torch.maximum(m, s.amax(-1, keepdim=True))
            p = torch.exp(s - m_new)
            rescale = torch.exp(m - m_new)                                  # 0 on the first tile
            l = rescale * l + p.sum(-1, keepdim=True)
            o = rescale * o + p @ v[..., ks:ks + block_size, :]
            m = m_new
        outs.append(o / l)
        lses.append((m + torch.log(l)).squeeze(-1))
    return torch.cat(outs, dim=-2), torch.cat(lses, dim=-1)
    ### END SOLUTION
