#!/usr/bin/env python3
"""PyTorch peer of bench/sections/peer.ts: the paper's recipe (arXiv 2212.00311) on the same model, same CPU, one thread.

Model: MLP 784-256-256-10, softplus, logits; batch 64; Adam(1e-3); inputs uniform in [0, 1), random labels.

  plain    one step of  CE(f(x), y)
  penalty  one step of  CE(f(x), y) + 0.01 * mean_b ||v_b^T J_b||^2, J_b = d f(x_b) / d x_b (logits' input-Jacobian),
           v_b the top Ritz vector of 8 Lanczos steps on J_b J_b^T (per sample, full re-orthogonalization, twice),
           computed off the tape and held fixed; J J^T q by double backward (J^T q = VJP; J w = d/du <J^T u, w>).

Protocol (so that the bench can interleave rounds with its own steps): one command per line on stdin,
`plain`, `penalty` or `quit`; each answer is one JSON line on stdout, {"ms": <wall ms of the step>} (the step's own
time, measured here, without the pipe). The first line written is {"ready": true, "torch": <version>, ...}.
Exits 3 (with a JSON line {"error": ...}) when torch cannot be imported, so the bench can skip cleanly.

  /usr/bin/python3 bench/torch_peer.py --selftest   # checks the Lanczos vector against an SVD of the exact Jacobian
"""
import json
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except Exception as error:  # noqa: BLE001 — any import failure means "no peer"
    print(json.dumps({"error": f"torch unavailable: {error}"}), flush=True)
    sys.exit(3)

BATCH = 64
WEIGHT = 0.01
LANCZOS_STEPS = 8


def make_model(seed: int = 7) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.Softplus(),
        torch.nn.Linear(256, 256), torch.nn.Softplus(),
        torch.nn.Linear(256, 10),
    )


def gram_operator(model: torch.nn.Module, x: torch.Tensor):
    """q [B, 10] -> J J^T q [B, 10] per sample, by double backward (the graph is built once and reused)."""
    xr = x.detach().requires_grad_(True)
    out = model(xr)
    u = torch.zeros_like(out, requires_grad=True)
    jt_u = torch.autograd.grad(out, xr, u, create_graph=True)[0]  # J^T u, linear in u

    def apply(q: torch.Tensor) -> torch.Tensor:
        jt_q = torch.autograd.grad(out, xr, q, retain_graph=True)[0]
        return torch.autograd.grad(jt_u, u, jt_q, retain_graph=True)[0].detach()

    return apply


def lanczos_top_vector(apply, batch: int, dim: int, steps: int, generator: torch.Generator) -> torch.Tensor:
    """Batched Lanczos (one recurrence per sample), full re-orthogonalization; the top Ritz vector per sample."""
    q = torch.randn(batch, dim, generator=generator)
    q = q / q.norm(dim=1, keepdim=True)
    basis, alphas, betas = [q], [], []
    steps = min(steps, dim)
    for j in range(steps):
        w = apply(basis[j])
        alpha = (w * basis[j]).sum(1)
        w = w - alpha[:, None] * basis[j]
        if j > 0:
            w = w - betas[-1][:, None] * basis[j - 1]
        stacked = torch.stack(basis, 1)  # [B, j+1, d]
        for _ in range(2):
            w = w - (stacked * (stacked * w[:, None, :]).sum(2, keepdim=True)).sum(1)
        beta = w.norm(dim=1)
        alphas.append(alpha)
        if j + 1 < steps:
            betas.append(beta)
            basis.append(w / beta.clamp_min(1e-30)[:, None])
    k = len(alphas)
    t = torch.diag_embed(torch.stack(alphas, 1))
    if k > 1:
        off = torch.diag_embed(torch.stack(betas, 1), offset=1)
        t = t + off + off.transpose(1, 2)
    _, vectors = torch.linalg.eigh(t)  # ascending
    s = vectors[:, :, -1]  # [B, k]
    v = (torch.stack(basis, 1) * s[:, :, None]).sum(1)
    return v / v.norm(dim=1, keepdim=True)


class Peer:
    def __init__(self, seed: int = 11):
        torch.set_num_threads(1)
        self.model = make_model()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        g = torch.Generator().manual_seed(seed)
        self.x = torch.rand(BATCH, 784, generator=g)
        self.y = torch.randint(0, 10, (BATCH,), generator=g)
        self.generator = torch.Generator().manual_seed(seed + 1)

    def plain(self) -> None:
        self.optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(self.model(self.x), self.y).backward()
        self.optimizer.step()

    def penalty_value(self, v: torch.Tensor) -> torch.Tensor:
        """mean_b ||v_b^T J_b||^2 on the tape (create_graph: its weight gradient is a double backward)."""
        xr = self.x.detach().requires_grad_(True)
        out = self.model(xr)
        vt_j = torch.autograd.grad(out, xr, v, create_graph=True)[0]
        return vt_j.pow(2).sum(1).mean(), out

    def penalty(self) -> None:
        apply = gram_operator(self.model, self.x)
        v = lanczos_top_vector(apply, BATCH, 10, LANCZOS_STEPS, self.generator)
        self.optimizer.zero_grad(set_to_none=True)
        p, logits = self.penalty_value(v)
        (F.cross_entropy(logits, self.y) + WEIGHT * p).backward()
        self.optimizer.step()


def selftest() -> None:
    """The Lanczos vector of J J^T against an SVD of the exact per-sample Jacobian (8 of 10 dims: near-exact)."""
    torch.set_num_threads(1)
    peer = Peer()
    apply = gram_operator(peer.model, peer.x)
    v = lanczos_top_vector(apply, BATCH, 10, LANCZOS_STEPS, peer.generator)
    jac = torch.autograd.functional.jacobian(lambda z: peer.model(z).sum(0), peer.x)  # [10, B, 784]
    jac = jac.permute(1, 0, 2)  # [B, 10, 784]
    sigma = torch.linalg.svdvals(jac)[:, 0]
    p = peer.penalty_value(v)[0].item()
    exact = sigma.pow(2).mean().item()
    print(json.dumps({"penalty_lanczos": p, "mean_sigma_max_squared": exact, "rel_error": abs(p - exact) / exact}))
    assert abs(p - exact) / exact < 1e-2  # m = 8 of 10 Lanczos steps, float32


def serve() -> None:
    peer = Peer()
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(), "python": sys.version.split()[0]}), flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "quit" or command == "":
            break
        job = getattr(peer, command, None) if command in ("plain", "penalty") else None
        if job is None:
            print(json.dumps({"error": f"unknown command {command!r}"}), flush=True)
            continue
        t0 = time.perf_counter()
        job()
        print(json.dumps({"ms": (time.perf_counter() - t0) * 1000.0}), flush=True)


if __name__ == "__main__":
    if "--selftest" in sys.argv:
        selftest()
    else:
        serve()
