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
    pass


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
    s = q_ @ k_.transpose(-2, -1) / math.sqrt(d)
    if is_causal:
        s = s.masked_fill(torch.ones(L, L, dtype=torch.bool).triu(1), float("-inf"))
    lse = torch.logsumexp(s, -1)
    return (torch.exp(s - lse[..., None]) @ v_).to(device), lse.to(device)
