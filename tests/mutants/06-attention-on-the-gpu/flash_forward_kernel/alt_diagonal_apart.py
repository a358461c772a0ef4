BLOCK = 16


@triton.jit
def _one_key_tile(q, K, V, base, offs_m, offs_d, start, L, scale, m_i, l_i, acc,
                  HEAD_DIM: tl.constexpr, BLOCK: tl.constexpr, MASK_FUTURE: tl.constexpr):
    """Fold one key tile into the running (m_i, l_i, acc) of a query tile."""
    offs_n = start + tl.arange(0, BLOCK)
    in_range = offs_n < L
    k = tl.load(K + base + offs_n[:, None] * HEAD_DIM + offs_d[None, :], mask=in_range[:, None], other=0.0)
    v = tl.load(V + base + offs_n[:, None] * HEAD_DIM + offs_d[None, :], mask=in_range[:, None], other=0.0)
    s = tl.dot(q, tl.trans(k)) * scale
    ok = in_range[None, :]
    if MASK_FUTURE:
        ok = ok & (offs_n[None, :] <= offs_m[:, None])
    s = tl.where(ok, s, float("-inf"))
    m_new = tl.maximum(m_i, tl.max(s, 1))
    alpha = tl.exp(m_i - m_new)
    p = tl.exp(s - m_new[:, None])
    return m_new, l_i * alpha + tl.sum(p, 1), acc * alpha[:, None] + tl.dot(p, v)


@triton.jit
def flash_forward_kernel(Q, K, V, O, LSE, L, scale, HEAD_DIM: tl.constexpr, BLOCK: tl.constexpr, IS_CAUSAL: tl.constexpr):
    """Tiles strictly below the diagonal need no causal mask; the diagonal tile is done apart (as Triton's tutorial does)."""
    pid_m = tl.program_id(0)
    bh = tl.program_id(1)
    offs_m = pid_m * BLOCK + tl.arange(0, BLOCK)
    offs_d = tl.arange(0, HEAD_DIM)
    base = bh * L * HEAD_DIM
    q = tl.load(Q + base + offs_m[:, None] * HEAD_DIM + offs_d[None, :], mask=offs_m[:, None] < L, other=0.0)
    m_i = tl.full([BLOCK], float("-inf"), tl.float32)
    l_i = tl.zeros([BLOCK], tl.float32)
    acc = tl.zeros([BLOCK, HEAD_DIM], tl.float32)
    if IS_CAUSAL:
        for start in range(0, pid_m * BLOCK, BLOCK):
            m_i, l_i, acc = _one_key_tile(q, K, V, base, offs_m, offs_d, start, L, scale, m_i, l_i, acc, HEAD_DIM, BLOCK, False)
        m_i, l_i, acc = _one_key_tile(q, K, V, base, offs_m, offs_d, pid_m * BLOCK, L, scale, m_i, l_i, acc, HEAD_DIM, BLOCK, True)
    else:
        for start in range(0, L, BLOCK):
            m_i, l_i, acc = _one_key_tile(q, K, V, base, offs_m, offs_d, start, L, scale, m_i, l_i, acc, HEAD_DIM, BLOCK, False)
    tl.store(O + base + offs_m[:, None] * HEAD_DIM + offs_d[None, :], acc / l_i[:, None], mask=offs_m[:, None] < L)
    tl.store(LSE + bh * L + offs_m, m_i + tl.log(l_i), mask=offs_m < L)


def triton_flash_forward(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                         is_causal: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Launch flash_forward_kernel: q, k, v (B, H, L, d) float32, d in (16, 32, 64) -> (out (B, H, L, d), lse (B, H, L))."""
    if q.shape != k.shape or k.shape != v.shape or q.dim() != 4 or q.shape[-1] not in (16, 32, 64):
        raise ValueError(f"q, k, v must share one shape (B, H, L, d) with d in 16, 32, 64; got {q.shape}, {k.shape}, {v.shape}")
    B, H, L, d = q.shape
    device = q.device
    run_on = device if INTERPRET or device.type == "cuda" else torch.device("cuda")   # compiled kernels need a GPU
    q_, k_, v_ = (t.to(run_on, torch.float32).contiguous() for t in (q, k, v))
    out = torch.empty_like(q_)
    lse = torch.empty(B, H, L, dtype=torch.float32, device=run_on)
    grid = (triton.cdiv(L, BLOCK), B * H)
    flash_forward_kernel[grid](q_, k_, v_, out, lse, L, 1.0 / math.sqrt(d), HEAD_DIM=d, BLOCK=BLOCK, IS_CAUSAL=bool(is_causal))
    return out.to(device), lse.to(device)
