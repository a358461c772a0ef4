BLOCK = 16   # query rows per program and keys per tile: the smallest tile tl.dot accepts


@triton.jit
def flash_forward_kernel(Q, K, V, O, LSE, L, scale, HEAD_DIM: tl.constexpr, BLOCK: tl.constexpr, IS_CAUSAL: tl.constexpr):
    """One program: BLOCK query rows of one (batch, head) slice. Q, K, V, O (B*H, L, HEAD_DIM); LSE (B*H, L) fp32."""
    pid_m = tl.program_id(0)                          # which query tile
    bh = tl.program_id(1)                             # which (batch, head) slice
    offs_m = pid_m * BLOCK + tl.arange(0, BLOCK)      # this tile's query rows
    offs_d = tl.arange(0, HEAD_DIM)
    base = bh * L * HEAD_DIM
    q = tl.load(Q + base + offs_m[:, None] * HEAD_DIM + offs_d[None, :], mask=offs_m[:, None] < L, other=0.0)
    m_i = tl.full([BLOCK], float("-inf"), tl.float32)     # running max of each row
    l_i = tl.zeros([BLOCK], tl.float32)                    # running sum of exp(s - m_i)
    acc = tl.zeros([BLOCK, HEAD_DIM], tl.float32)          # running sum of exp(s - m_i) v
    end = L
    if IS_CAUSAL:
        end = tl.minimum(L, (pid_m + 1) * BLOCK)           # no key tile after the last query row
    for start in range(0, end, BLOCK):
        offs_n = start + tl.arange(0, BLOCK)
        k = tl.load(K + base + offs_n[:, None] * HEAD_DIM + offs_d[None, :], mask=offs_n[:, None] < L, other=0.0)
        v = tl.load(V + base + offs_n[:, None] * HEAD_DIM + offs_d[None, :], mask=offs_n[:, None] < L, other=0.0)
        s = tl.dot(q, tl.trans(k)) * scale                 # (BLOCK, BLOCK), fp32
        valid = offs_n[None, :] < L
        if IS_CAUSAL:
            valid = valid
        s = tl.where(valid, s, float("-inf"))
        m_new = tl.maximum(m_i, tl.max(s, 1))
        p = tl.exp(s - m_new[:, None])
        alpha = tl.exp(m_i - m_new)                        # rescales what was summed under the old max
        l_i = l_i * alpha + tl.sum(p, 1)
        acc = acc * alpha[:, None] + tl.dot(p, v)
        m_i = m_new
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
