def flash_backward_torch(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, out: torch.Tensor, lse: torch.Tensor,
                         dout: torch.Tensor, is_causal: bool = False,
                         block_size: int = 16) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(dq, dk, dv) of attention, one tile at a time, P rebuilt from the saved logsumexp."""
    scale = 1.0 / math.sqrt(q.shape[-1])
    Lq, Lk = q.shape[-2], k.shape[-2]
    delta = (dout * out).sum(-1, keepdim=True)                              # (..., Lq, 1)
    dq, dk, dv = torch.zeros_like(q), torch.zeros_like(k), torch.zeros_like(v)
    for qs in range(0, Lq, block_size):
        rows = slice(qs, qs + block_size)
        q_tile, do_tile = q[..., rows, :], dout[..., rows, :]
        lse_tile, delta_tile = lse[..., None, rows], delta[..., rows, :]
        last_query = qs + q_tile.shape[-2] - 1
        for ks in range(0, Lk, block_size):
            if is_causal and ks > last_query:
                break
            cols = slice(ks, ks + block_size)
            k_tile, v_tile = k[..., cols, :], v[..., cols, :]
            s = q_tile @ k_tile.transpose(-2, -1) * scale                   # (..., bq, bk)
            if is_causal:
                i = torch.arange(qs, qs + s.shape[-2], device=q.device)[:, None]
                j = torch.arange(ks, ks + s.shape[-1], device=q.device)[None, :]
                s = s.masked_fill(j > i, float("-inf"))
            p = torch.exp(s - lse_tile)
            dv[..., cols, :] += p.transpose(-2, -1) @ do_tile
            ds = p * (do_tile @ v_tile.transpose(-2, -1) - delta_tile)
            dq[..., rows, :] += ds @ k_tile * scale
            dk[..., cols, :] += ds.transpose(-2, -1) @ q_tile * scale
    return dq, dk, dv
    ### END SOLUTION
