def _query_tile(q_tile, k, v, first_row, is_causal, block_size, scale):
    """Online softmax of one query tile over the key tiles it may see."""
    rows = torch.arange(first_row, first_row + q_tile.shape[-2])
    m = l = o = None
    for ks in range(0, k.shape[-2], block_size):
        if is_causal and ks > rows[-1]:
            break
        s = torch.matmul(q_tile, k[..., ks:ks + block_size, :].mT) * scale
        if is_causal:
            cols = torch.arange(ks, ks + s.shape[-1])
            s = torch.where(cols[None, :] <= rows[:, None], s, torch.tensor(float("-inf"), dtype=s.dtype))
        tile_max = s.amax(-1, keepdim=True)
        if m is None:
            m = tile_max
            p = (s - m).exp()
            l, o = p.sum(-1, keepdim=True), p @ v[..., ks:ks + block_size, :]
        else:
            m_new = torch.maximum(m, tile_max)
            p = (s - m_new).exp()
            c = (m - m_new).exp()
            l = l * c + p.sum(-1, keepdim=True)
            o = o * c + p @ v[..., ks:ks + block_size, :]
            m = m_new
    return o / l, (m + l.log())[..., 0]


def flash_forward_torch(q, k, v, is_causal=False, block_size=16):
    if type(block_size) is not int or block_size <= 0:
        raise ValueError("block_size")
    if is_causal and q.shape[-2] != k.shape[-2]:
        raise ValueError("causal needs Lq == Lk")
    scale = q.shape[-1] ** -0.5
    pieces = [_query_tile(q[..., i:i + block_size, :], k, v, i, is_causal, block_size, scale)
              for i in range(0, q.shape[-2], block_size)]
    return torch.cat([o for o, _ in pieces], -2), torch.cat([s for _, s in pieces], -1)
