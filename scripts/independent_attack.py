#!/usr/bin/env python3
"""Independent robustness check of tfjs LayersModels saved by `jr.io.fileSystem(dir)`, in PyTorch.

Written from the papers only (no code shared with src/attacks/), to cross-check `jr.attacks.evaluate`:
  * APGD (Croce & Hein 2020, "Reliable evaluation of adversarial robustness..."): momentum 0.75, step 2ε halved at
    checkpoints p_0 = 0, p_1 = 0.22, p_{j+1} = p_j + max(p_j - p_{j-1} - 0.03, 0.06) when fewer than 75 % of the
    steps since the last checkpoint raised the loss, or when the step was not halved and the best loss did not rise;
    losses: cross-entropy on logits, margin (CW) max_{j≠y} z_j - z_y, DLR, and the targeted margin z_t - z_y
    for the top-k other classes;
  * Square Attack (Andriushchenko et al. 2020), gradient-free: ℓ∞ as in the paper (stripe init, ±ε squares, size
    schedule p halved at 10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000 of 10000); ℓ2 a random search with the
    same square windows that keeps ‖δ‖₂ = ε (mass of a second window moved into the first).
The network is rebuilt from modelTopology; the final softmax is dropped and the attacks work on the logits.
A sample is robust iff it is classified correctly and every attack fails; every reported adversarial example is
re-checked (norm ≤ ε(1 + 1e-5), inside [0, 1], argmax ≠ label) before it counts.

  /usr/bin/python3 scripts/independent_attack.py <model_dir> --eval <file> --norm linf --eps 0.1 --out result.json
  /usr/bin/python3 scripts/independent_attack.py demo-out/study --study --eval <file> --out demo-out/indep
  /usr/bin/python3 scripts/independent_attack.py <linear_model_dir> --eval <file> --closed-form   # self-check
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

# ----------------------------------------------------------------------------------------------------------------
# Evaluation images


def load_eval(path, limit=None):
    """Evaluation set -> (x float32 [N, D] in [0, 1], y int64 [N], image shape [H, W, C] or None).

    Accepts the study's eval.json {images: number[][], labels: int[], imageShape: [H, W, C]} (docs/STUDY.md), or
    JSON {x: number[][] (flattened pixels), y: int[] or one-hot rows, shape?: [H, W, C]}.
    """
    with open(path) as f:
        data = json.load(f)
    if 'images' in data:
        data = {'x': data['images'], 'y': data['labels'], 'shape': data.get('imageShape')}
    x = np.asarray(data['x'], dtype=np.float32)
    x = x.reshape(x.shape[0], -1)
    y = np.asarray(data['y'])
    if y.ndim == 2:
        y = y.argmax(axis=1)
    y = y.astype(np.int64)
    shape = data.get('shape')
    if limit is not None:
        x, y = x[:limit], y[:limit]
    if x.min() < 0 or x.max() > 1:
        raise ValueError(f'{path}: pixels must lie in [0, 1]; got [{x.min()}, {x.max()}].')
    return x, y, (list(shape) if shape is not None else None)


# ----------------------------------------------------------------------------------------------------------------
# tfjs LayersModel -> PyTorch


def read_tfjs(model_dir):
    """model.json + weight files -> (modelTopology, {weight name: np.float32 array})."""
    with open(os.path.join(model_dir, 'model.json')) as f:
        model = json.load(f)
    weights = {}
    for group in model['weightsManifest']:
        blob = b''.join(open(os.path.join(model_dir, p), 'rb').read() for p in group['paths'])
        offset = 0
        for spec in group['weights']:
            if 'quantization' in spec:
                raise ValueError(f"{spec['name']}: quantized weights are not supported.")
            dtype = {'float32': '<f4', 'int32': '<i4'}[spec.get('dtype', 'float32')]
            count = int(np.prod(spec['shape'])) if spec['shape'] else 1
            arr = np.frombuffer(blob, dtype=dtype, count=count, offset=offset).reshape(spec['shape'])
            weights[spec['name']] = arr.astype(np.float32)
            offset += 4 * count
        if offset != len(blob):
            raise ValueError(f'{model_dir}: weights use {offset} bytes of {len(blob)}.')
    topo = model['modelTopology']
    return topo.get('model_config', topo), weights


def _cls(node):
    return node.get('class_name', node.get('className'))


def _act(name):
    name = (name or 'linear').lower()
    table = {
        'linear': lambda x: x,
        'relu': F.relu,
        'relu6': lambda x: torch.clamp(x, 0, 6),
        'softplus': lambda x: F.softplus(x, beta=1, threshold=30),
        'tanh': torch.tanh,
        'sigmoid': torch.sigmoid,
        'hardsigmoid': lambda x: torch.clamp(0.2 * x + 0.5, 0, 1),
        'softsign': F.softsign,
        'softmax': lambda x: torch.softmax(x, -1),
        'elu': F.elu,
        'selu': F.selu,
        'swish': lambda x: x * torch.sigmoid(x),
        'mish': lambda x: x * torch.tanh(F.softplus(x)),
    }
    if name not in table:
        raise ValueError(f'activation {name!r} is not supported; supported: {sorted(table)}.')
    return table[name]


def _same_pad(size, k, stride, dilation=1):
    """TF 'same' padding (before, after) along one axis: extra pixel goes after."""
    k_eff = (k - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + k_eff - size, 0)
    return total // 2, total - total // 2


class Op:
    """One layer on channels-last tensors. `act` is the fused activation name (Dense, Conv2D, Activation)."""

    def __init__(self, kind, name, fn, act='linear'):
        self.kind, self.name, self.fn, self.act = kind, name, fn, act

    def __call__(self, x):
        return _act(self.act)(self.fn(x))


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


class Builder:
    def __init__(self, weights, dtype):
        self.weights, self.dtype, self.used = weights, dtype, set()
        self.input_shape = None

    def param(self, layer, pname):
        hits = [n for n in self.weights if n == f'{layer}/{pname}' or n.endswith(f'/{layer}/{pname}')]
        if len(hits) != 1:
            raise ValueError(f'weight {layer}/{pname}: {len(hits)} matches in the manifest {sorted(self.weights)}.')
        self.used.add(hits[0])
        return torch.tensor(self.weights[hits[0]], dtype=self.dtype)

    def walk(self, node, ops):
        cls, cfg = _cls(node), node['config']
        if isinstance(cfg, list):  # old Keras Sequential format: config is the layer list
            cfg = {'layers': cfg}
        if self.input_shape is None and cfg.get('batch_input_shape'):
            self.input_shape = list(cfg['batch_input_shape'][1:])
        name = cfg.get('name', cls)
        if cls == 'Sequential':
            for child in cfg['layers']:
                self.walk(child, ops)
        elif cls.endswith('>Regularized') or cls == 'Regularized':
            self.walk(cfg['layer'], ops)  # the wrapper forwards to its inner layer
        elif cls == 'Dense':
            w = self.param(name, 'kernel')
            b = self.param(name, 'bias') if cfg.get('use_bias', True) else None
            ops.append(Op('Dense', name, lambda x, w=w, b=b: x @ w + (b if b is not None else 0), cfg.get('activation')))
        elif cls == 'Conv2D':
            if cfg.get('data_format', 'channels_last') != 'channels_last':
                raise ValueError(f'{name}: only channels_last Conv2D is supported.')
            w = self.param(name, 'kernel').permute(3, 2, 0, 1).contiguous()  # [kh,kw,in,out] -> [out,in,kh,kw]
            b = self.param(name, 'bias') if cfg.get('use_bias', True) else None
            ks, st, dl = _pair(cfg['kernel_size']), _pair(cfg['strides']), _pair(cfg.get('dilation_rate', 1))
            pad = cfg['padding']

            def conv(x, w=w, b=b, ks=ks, st=st, dl=dl, pad=pad):
                x = x.permute(0, 3, 1, 2)
                if pad == 'same':
                    ph, pw = _same_pad(x.shape[2], ks[0], st[0], dl[0]), _same_pad(x.shape[3], ks[1], st[1], dl[1])
                    x = F.pad(x, (pw[0], pw[1], ph[0], ph[1]))
                return F.conv2d(x, w, b, stride=st, dilation=dl).permute(0, 2, 3, 1)

            ops.append(Op('Conv2D', name, conv, cfg.get('activation')))
        elif cls in ('MaxPooling2D', 'AveragePooling2D'):
            ps = _pair(cfg['pool_size'])
            st = _pair(cfg.get('strides') or cfg['pool_size'])
            pad, is_max = cfg['padding'], cls == 'MaxPooling2D'

            def pool(x, ps=ps, st=st, pad=pad, is_max=is_max):
                x = x.permute(0, 3, 1, 2)
                if pad == 'same':
                    ph, pw = _same_pad(x.shape[2], ps[0], st[0]), _same_pad(x.shape[3], ps[1], st[1])
                    p4 = (pw[0], pw[1], ph[0], ph[1])
                    if is_max:
                        y = F.max_pool2d(F.pad(x, p4, value=-math.inf), ps, st)
                    else:  # TF excludes the padding from the mean
                        ones = F.pad(torch.ones_like(x[:1, :1]), p4)
                        y = F.avg_pool2d(F.pad(x, p4), ps, st) / F.avg_pool2d(ones, ps, st)
                else:
                    y = F.max_pool2d(x, ps, st) if is_max else F.avg_pool2d(x, ps, st)
                return y.permute(0, 2, 3, 1)

            ops.append(Op(cls, name, pool))
        elif cls == 'Flatten':
            ops.append(Op(cls, name, lambda x: x.reshape(x.shape[0], -1)))
        elif cls == 'Reshape':
            ts = list(cfg['target_shape'])
            ops.append(Op(cls, name, lambda x, ts=ts: x.reshape([x.shape[0]] + ts)))
        elif cls == 'Activation':
            ops.append(Op(cls, name, lambda x: x, cfg['activation']))
        elif cls == 'Softmax':
            axis = cfg.get('axis', -1)
            axis = axis[0] if isinstance(axis, list) else axis
            ops.append(Op(cls, name, lambda x, a=axis: torch.softmax(x, a)))  # tfjs axis counts the batch axis
        elif cls == 'ReLU':
            ops.append(Op(cls, name, lambda x: F.relu(x) if cfg.get('max_value') is None else torch.clamp(x, 0, cfg['max_value'])))
        elif cls == 'LeakyReLU':
            ops.append(Op(cls, name, lambda x, a=cfg.get('alpha', 0.3): F.leaky_relu(x, a)))
        elif cls == 'ELU':
            ops.append(Op(cls, name, lambda x, a=cfg.get('alpha', 1.0): F.elu(x, a)))
        elif cls == 'BatchNormalization':
            axis = cfg.get('axis', -1)
            mean, var = self.param(name, 'moving_mean'), self.param(name, 'moving_variance')
            gamma = self.param(name, 'gamma') if cfg.get('scale', True) else 1.0
            beta = self.param(name, 'beta') if cfg.get('center', True) else 0.0
            eps = cfg.get('epsilon', 1e-3)
            if axis not in (-1,):
                print(f'warning: {name}: BatchNormalization axis {axis} treated as the last axis', file=sys.stderr)
            ops.append(Op(cls, name, lambda x, m=mean, v=var, g=gamma, b=beta, e=eps: (x - m) / torch.sqrt(v + e) * g + b))
        elif cls in ('Dropout', 'InputLayer', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'SpatialDropout1D',
                     'SpatialDropout2D'):
            pass  # identity at inference
        else:
            raise ValueError(f'layer {name}: class {cls!r} is not supported (functional models are not either).')


def _is_softmax(op):
    return op.kind == 'Softmax' or op.act == 'softmax'


class Net:
    """The rebuilt network: `logits(x)` (final softmax dropped) and `probs(x)` (as saved), x channels-last."""

    def __init__(self, model_dir, dtype=torch.float32):
        topo, weights = read_tfjs(model_dir)
        b = Builder(weights, dtype)
        self.ops = []
        b.walk(topo, self.ops)
        unused = set(weights) - b.used
        if unused:
            raise ValueError(f'{model_dir}: weights not mapped to layers: {sorted(unused)}.')
        self.input_shape, self.dtype = b.input_shape, dtype
        self.dropped = None
        self.logit_ops = list(self.ops)
        if self.ops and _is_softmax(self.ops[-1]):
            last = self.ops[-1]
            self.dropped = f'{last.kind} {last.name}'
            self.logit_ops[-1:] = [] if last.kind in ('Softmax', 'Activation') else [Op(last.kind, last.name, last.fn, 'linear')]

    def _run(self, ops, x):
        x = x.reshape([x.shape[0]] + self.input_shape)
        for op in ops:
            x = op(x)
        return x.reshape(x.shape[0], -1)

    def logits(self, x):
        return self._run(self.logit_ops, x)

    def probs(self, x):
        return self._run(self.ops, x)

    def affine(self):
        """(W [D, K], b [K]) if the logits network is one Dense layer with no activation, else None."""
        ops = [o for o in self.logit_ops if o.kind not in ('Flatten', 'Reshape')]
        if len(ops) != 1 or ops[0].kind != 'Dense' or (ops[0].act or 'linear') != 'linear':
            return None
        d = int(np.prod(self.input_shape))
        eye = torch.eye(d, dtype=self.dtype)
        b = self.logits(torch.zeros(1, d, dtype=self.dtype))[0]
        return (self.logits(eye) - b).detach(), b.detach()


# ----------------------------------------------------------------------------------------------------------------
# Threat model: balls, projections, losses


def norm_of(d, norm):
    d = d.reshape(d.shape[0], -1)
    return d.abs().amax(1) if norm == 'linf' else d.norm(dim=1)


def project(x0, x, norm, eps):
    """Exact Euclidean projection of x onto {x0 + δ : ‖δ‖ ≤ ε} ∩ [0, 1]^D.

    ℓ∞: coordinatewise clip. ℓ2: KKT gives δ = clip(s·v, -x0, 1 - x0), v = x - x0, s = 1/(1 + μ) ∈ (0, 1]; s = 1 if
    that point is inside the ball, else ‖δ(s)‖ = ε. With t_i = bound_i / v_i, ‖δ(s)‖² = C(s) + s² R(s),
    C(s) = Σ_{t_i ≤ s} bound_i², R(s) = Σ_{t_i > s} v_i², and for s' ≥ s ‖δ(s')‖² ≤ C(s) + s'² R(s); so from the lower
    bound s = ε/‖v‖ the iteration s ← √((ε² - C(s)) / R(s)) rises monotonically to the root, exactly once no
    breakpoint is crossed (at most one step per breakpoint).
    """
    v = x - x0
    if norm == 'linf':
        return (x0 + v.clamp(-eps, eps)).clamp(0.0, 1.0)
    lo, hi = -x0, 1 - x0
    shape1 = (-1,) + (1,) * (v.dim() - 1)
    vf = v.reshape(v.shape[0], -1)
    bound = torch.where(vf > 0, hi.reshape(vf.shape), lo.reshape(vf.shape))
    t = torch.where(vf != 0, bound / torch.where(vf != 0, vf, torch.ones_like(vf)), torch.full_like(vf, math.inf))
    v2, b2 = vf * vf, bound * bound
    s = (eps / vf.norm(dim=1).clamp_min(1e-30)).clamp(max=1.0)
    for _ in range(vf.shape[1] + 1):
        clipped = t <= s[:, None]
        C = torch.where(clipped, b2, torch.zeros_like(b2)).sum(1)
        R = torch.where(clipped, torch.zeros_like(v2), v2).sum(1)
        s_new = torch.where(R > 0, ((eps * eps - C).clamp_min(0) / R.clamp_min(1e-30)).sqrt(), torch.ones_like(s))
        s_new = torch.maximum(s_new.clamp(max=1.0), s)
        if bool((s_new == s).all()):
            break
        s = s_new
    return x0 + torch.minimum(torch.maximum(s.reshape(shape1) * v, lo), hi)


def margin(z, y):
    """z_y - max_{j≠y} z_j: negative iff misclassified."""
    zy = z.gather(1, y[:, None])[:, 0]
    other = z.clone()
    other.scatter_(1, y[:, None], -math.inf)
    return zy - other.amax(1)


def make_loss(kind, target=None):
    """Per-sample loss to MAXIMIZE."""
    def ce(z, y):
        return F.cross_entropy(z, y, reduction='none')

    def cw(z, y):
        return -margin(z, y)

    def dlr(z, y):
        s = z.sort(1, descending=True).values
        return -margin(z, y) / (s[:, 0] - s[:, 2] + 1e-12)

    def targeted(z, y):
        return z.gather(1, target[:, None])[:, 0] - z.gather(1, y[:, None])[:, 0]

    return {'ce': ce, 'margin': cw, 'dlr': dlr, 'targeted': targeted}[kind]


class Record:
    """Worst case over attacks: per sample, the lowest margin seen at a verified-feasible point."""

    def __init__(self, net, x, y, norm, eps):
        self.net, self.x, self.y, self.norm, self.eps = net, x, y, norm, eps
        with torch.no_grad():
            z = net.logits(x)
        self.clean_pred = z.argmax(1)
        self.best_margin = margin(z, y)
        self.adv = x.clone()
        self.found_by = [None if m > 0 and p == t else 'clean' for m, p, t in zip(self.best_margin, self.clean_pred, y)]

    def robust_mask(self):
        return torch.tensor([f is None for f in self.found_by])

    def offer(self, idx, xa, name):
        """Candidates xa for samples idx: keep the lowest margin; a success must pass the feasibility re-check."""
        with torch.no_grad():
            z = self.net.logits(xa)
            m = margin(z, self.y[idx])
            dist = norm_of(xa - self.x[idx], self.norm)
            ok = (dist <= self.eps * (1 + 1e-5)) & (xa.reshape(len(idx), -1).amin(1) >= 0) & (xa.reshape(len(idx), -1).amax(1) <= 1)
            if not bool(ok.all()):
                raise AssertionError(f'{name}: infeasible candidate (max dist {dist.max().item()} > {self.eps}).')
            wrong = z.argmax(1) != self.y[idx]
        for k, i in enumerate(idx.tolist()):
            if self.found_by[i] is None and (wrong[k] or m[k] < self.best_margin[i]):
                self.best_margin[i] = m[k]
                self.adv[i] = xa[k]
                if wrong[k]:
                    self.found_by[i] = name


# ----------------------------------------------------------------------------------------------------------------
# APGD


def checkpoints(steps):
    p = [0.0, 0.22]
    while p[-1] < 1:
        p.append(p[-1] + max(p[-1] - p[-2] - 0.03, 0.06))
    return sorted({math.ceil(q * steps) for q in p[1:] if math.ceil(q * steps) < steps} - {0})


def random_start(x, norm, eps, gen):
    if norm == 'linf':
        d = (torch.rand(x.shape, generator=gen, dtype=x.dtype) * 2 - 1) * eps
    else:
        d = torch.randn(x.shape, generator=gen, dtype=x.dtype)
        d = d * (eps / d.reshape(d.shape[0], -1).norm(dim=1)).reshape(-1, *[1] * (d.dim() - 1))
    return project(x, x + d, norm, eps)


def apgd(net, x, y, loss_fn, norm, eps, steps, start, rec, idx, name, rho=0.75, alpha=0.75):
    """One APGD run from `start` on samples idx; offers every iterate's misclassification to `rec`."""
    shape1 = (-1,) + (1,) * (x.dim() - 1)

    def loss_grad(xa):
        xa = xa.detach().requires_grad_(True)
        z = net.logits(xa)
        loss = loss_fn(z, y)
        g, = torch.autograd.grad(loss.sum(), xa)
        return loss.detach(), g.detach(), z.detach()

    def direction(g):
        if norm == 'linf':
            return g.sign()
        return g / g.reshape(g.shape[0], -1).norm(dim=1).clamp_min(1e-12).reshape(shape1)

    eta = torch.full((x.shape[0],), 2.0 * eps, dtype=x.dtype)
    xa = start.clone()
    loss, g, z = loss_grad(xa)
    best_x, best_g, best_loss = xa.clone(), g.clone(), loss.clone()
    found_x, found_m = xa.clone(), margin(z, y)
    x_prev = xa.clone()
    incr = torch.zeros(x.shape[0])
    ckpts, last_ck = checkpoints(steps), 0
    last_best, reduced_last = best_loss.clone(), torch.ones(x.shape[0], dtype=torch.bool)
    for k in range(steps):
        zstep = project(x, xa + eta.reshape(shape1) * direction(g), norm, eps)
        a = alpha if k > 0 else 1.0
        x_new = project(x, xa + a * (zstep - xa) + (1 - a) * (xa - x_prev), norm, eps)
        x_prev, xa = xa, x_new
        new_loss, g, z = loss_grad(xa)
        m = margin(z, y)
        better = m < found_m
        found_x[better], found_m[better] = xa[better], m[better]
        incr += (new_loss > loss).float()
        loss = new_loss
        up = loss > best_loss
        best_x[up], best_g[up], best_loss[up] = xa[up], g[up], loss[up]
        if k + 1 in ckpts:
            h = k + 1 - last_ck
            osc = incr < rho * h
            stall = (~reduced_last) & (best_loss <= last_best)
            red = osc | stall
            eta[red] /= 2
            xa[red], g[red], x_prev[red] = best_x[red], best_g[red], best_x[red]
            incr.zero_()
            reduced_last, last_best, last_ck = red, best_loss.clone(), k + 1
    rec.offer(idx, found_x, name)


# ----------------------------------------------------------------------------------------------------------------
# Square Attack (gradient-free)


def p_schedule(p_init, it, n_iters):
    it = int(it / n_iters * 10000)
    for bound, div in [(10, 1), (50, 2), (200, 4), (500, 8), (1000, 16), (2000, 32), (4000, 64), (6000, 128),
                       (8000, 256)]:
        if it <= bound:
            return p_init / div
    return p_init / 512


def _window_mask(n, H, W, s, gen):
    r = torch.randint(0, H - s + 1, (n,), generator=gen)
    c = torch.randint(0, W - s + 1, (n,), generator=gen)
    rows = torch.arange(H)[None, :]
    cols = torch.arange(W)[None, :]
    mr = (rows >= r[:, None]) & (rows < r[:, None] + s)
    mc = (cols >= c[:, None]) & (cols < c[:, None] + s)
    return (mr[:, :, None] & mc[:, None, :])[..., None]  # [n, H, W, 1]


def square_attack(net, x, y, norm, eps, img, n_iters, p_init, gen, rec, idx):
    """Random search minimizing the margin z_y - max_{j≠y} z_j with square-window updates."""
    n = x.shape[0]
    H, W, C = img
    xi = x.reshape(n, H, W, C)
    dtype = x.dtype

    def marg(xc, yc):
        with torch.no_grad():
            return margin(net.logits(xc.reshape(xc.shape[0], -1)), yc)

    if norm == 'linf':
        stripes = (torch.randint(0, 2, (n, 1, W, C), generator=gen).to(dtype) * 2 - 1) * eps
        xb = (xi + stripes).clamp(0, 1)
    else:
        d = torch.randn((n, H, W, C), generator=gen, dtype=dtype)
        xb = project(xi, xi + d * (eps / d.reshape(n, -1).norm(dim=1)).reshape(-1, 1, 1, 1), norm, eps)
    mb = marg(xb, y)
    for it in range(n_iters):
        act = mb > 0
        if not bool(act.any()):
            break
        p = p_schedule(p_init, it, n_iters)
        s = int(round(math.sqrt(p * H * W)))
        s = min(max(s, 1), H - 1 if H > 1 else 1, W - 1 if W > 1 else 1) if min(H, W) > 1 else 1
        a = act.nonzero()[:, 0]
        xa, x0 = xb[a], xi[a]
        w1 = _window_mask(len(a), H, W, s, gen)
        signs = torch.randint(0, 2, (len(a), 1, 1, C), generator=gen).to(dtype) * 2 - 1
        if norm == 'linf':
            cand = torch.where(w1, (x0 + signs * eps).clamp(0, 1), xa)
        else:
            w2 = _window_mask(len(a), H, W, s, gen) & ~w1
            d = xa - x0
            keep = (~(w1 | w2)).to(dtype)
            rest = (d * keep).reshape(len(a), -1).norm(dim=1)
            budget = (eps ** 2 - rest ** 2).clamp_min(0).sqrt()
            # a centred pyramid of ± sign inside the window, scaled to the freed norm
            bump = torch.where(w1, signs, torch.zeros((), dtype=dtype))
            bump = bump * (1 + torch.rand((len(a), H, W, 1), generator=gen, dtype=dtype))
            bump = bump * (budget / bump.reshape(len(a), -1).norm(dim=1).clamp_min(1e-12)).reshape(-1, 1, 1, 1)
            cand = project(x0, x0 + d * keep + bump, norm, eps)
        mc = marg(cand, y[a])
        better = mc < mb[a]
        xb[a[better]], mb[a[better]] = cand[better], mc[better]
    rec.offer(idx, xb.reshape(x.shape), 'square')


# ----------------------------------------------------------------------------------------------------------------
# Evaluation


def evaluate(net, x, y, norm, eps, args, img, carry=None):
    """Worst case over all attacks at one ε; `carry` holds adversarial points found at a smaller ε (still feasible)."""
    rec = Record(net, x, y, norm, eps)
    if carry is not None:
        todo = torch.tensor([i for i in range(len(y)) if rec.found_by[i] is None and carry.found_by[i] not in (None, 'clean')])
        if len(todo):
            rec.offer(todo, carry.adv[todo], 'smaller-eps')
    gen = torch.Generator().manual_seed(args.seed)
    counts = {'smaller-eps': sum(f == 'smaller-eps' for f in rec.found_by)} if carry is not None else {}

    def pending():
        return torch.tensor([i for i in range(len(y)) if rec.found_by[i] is None], dtype=torch.long)

    def run(name, fn):
        idx = pending()
        if len(idx) == 0:
            return
        t = time.time()
        before = len(idx)
        for s in range(0, len(idx), args.batch):
            fn(idx[s:s + args.batch])
        counts[name] = before - len(pending())
        if args.verbose:
            print(f'    {name}: broke {counts[name]} of {before} ({time.time() - t:.1f} s)', file=sys.stderr)

    n_classes = int(net.logits(x[:1]).shape[1])
    for loss in args.losses:
        if loss == 'dlr' and n_classes < 3:
            continue  # DLR needs the third-largest logit
        for r in range(args.restarts):
            def f(b, loss=loss, r=r):
                start = x[b] if r == 0 else random_start(x[b], norm, eps, gen)
                apgd(net, x[b], y[b], make_loss(loss), norm, eps, args.steps, start, rec, b, f'apgd-{loss}')
            run(f'apgd-{loss}#{r}', f)
    for t in range(n_classes - 1 if args.targets < 0 else min(args.targets, n_classes - 1)):
        def f(b, t=t):
            with torch.no_grad():
                z = net.logits(x[b])
            z.scatter_(1, y[b][:, None], -math.inf)
            target = z.argsort(1, descending=True)[:, t]
            apgd(net, x[b], y[b], make_loss('targeted', target), norm, eps, args.steps, x[b], rec, b, f'apgd-t{t + 1}')
        run(f'apgd-targeted#{t + 1}', f)
    if args.square > 0:
        run('square', lambda b: square_attack(net, x[b], y[b], norm, eps, img, args.square, args.p_init, gen, rec, b))
    return rec, counts


def image_shape(net, eval_shape, d):
    if eval_shape is not None and int(np.prod(eval_shape)) == d:
        return [int(v) for v in (list(eval_shape) + [1])[:3]] if len(eval_shape) == 2 else [int(v) for v in eval_shape]
    if net.input_shape and len(net.input_shape) == 3:
        return net.input_shape
    r = int(round(math.sqrt(d)))
    return [r, r, 1] if r * r == d else [d, 1, 1]


def linear_exact(net, x, y, norm, eps):
    """Closed form for an affine classifier z = xW + b: per sample (robust ignoring [0,1], robust with [0,1]).

    Without the box: robust iff min_j (z_y - z_j)/‖w_y - w_j‖_q > ε, q = 1 for ℓ∞, 2 for ℓ2.
    With the box: max a·δ over {‖δ‖ ≤ ε, -x ≤ δ ≤ 1-x}, a = w_j - w_y: ℓ∞ coordinatewise; ℓ2 δ = clip(t·a) with
    t found by bisection so that ‖δ‖₂ = ε (or t → ∞ if the box binds first). Robust iff gain < z_y - z_j ∀ j≠y.
    Also returns the exact distance without the box and the exact lowest margin min_j (z_y - z_j - gain_j) in the box.
    """
    W, b = (v.double() for v in net.affine())
    X = x.reshape(x.shape[0], -1).double()
    Z = X @ W + b
    n, K = Z.shape
    free, boxed, dist, best = [], [], [], []
    lo, hi = -X, 1 - X
    for i in range(n):
        yi = int(y[i])
        ok_free, ok_box, dmin, mmin = bool(Z[i].argmax() == yi), bool(Z[i].argmax() == yi), math.inf, math.inf
        for j in range(K):
            if j == yi:
                continue
            a = W[:, j] - W[:, yi]
            gap = float(Z[i, yi] - Z[i, j])
            dj = gap / float(a.abs().sum() if norm == 'linf' else a.norm())
            dmin = min(dmin, dj)
            if norm == 'linf':
                gain = float(torch.where(a > 0, a * torch.clamp(hi[i], max=eps), a * torch.clamp(lo[i], min=-eps)).sum())
            else:
                def delta(t):
                    return torch.minimum(torch.maximum(t * a, lo[i]), hi[i])
                if float(delta(1e12).norm()) <= eps:
                    gain = float(a @ delta(1e12))
                else:
                    t0, t1 = 0.0, 1.0
                    while float(delta(t1).norm()) < eps:
                        t1 *= 2
                    for _ in range(100):
                        tm = (t0 + t1) / 2
                        t0, t1 = (tm, t1) if float(delta(tm).norm()) < eps else (t0, tm)
                    gain = float(a @ delta(t0))
            ok_box = ok_box and gain < gap
            mmin = min(mmin, gap - gain)
        ok_free = ok_free and dmin > eps
        free.append(ok_free)
        boxed.append(ok_box)
        dist.append(dmin)
        best.append(mmin)
    return np.array(free), np.array(boxed), np.array(dist), np.array(best)


def run_model(model_dir, args, eval_path):
    dtype = torch.float64 if args.double else torch.float32
    net = Net(model_dir, dtype)
    xs, ys, shape = load_eval(eval_path, args.limit)
    x, y = torch.tensor(xs, dtype=dtype), torch.tensor(ys)
    img = image_shape(net, shape, x.shape[1])
    out = {'model': model_dir, 'eval': eval_path, 'samples': len(y), 'dropped_softmax': net.dropped,
           'attack': {k: getattr(args, k) for k in ('losses', 'restarts', 'steps', 'targets', 'square', 'p_init', 'seed')},
           'results': []}
    with torch.no_grad():
        pred = net.logits(x).argmax(1)
    out['clean_accuracy'] = float((pred == y).float().mean())
    print(f'{model_dir}: {len(y)} samples, clean {100 * out["clean_accuracy"]:.2f} %, softmax dropped: {net.dropped}', file=sys.stderr)
    for norm in args.norms:
        carry = None
        for eps in sorted(args.eps_for[norm]):
            t = time.time()
            rec, counts = evaluate(net, x, y, norm, eps, args, img, carry)
            carry = rec
            robust = rec.robust_mask()
            res = {'norm': norm, 'eps': eps, 'robust_accuracy': float(robust.float().mean()), 'broken_by': counts,
                   'seconds': round(time.time() - t, 2),
                   'per_sample': [{'index': i, 'label': int(y[i]), 'clean_pred': int(rec.clean_pred[i]),
                                   'robust': bool(robust[i]), 'found_by': rec.found_by[i],
                                   'min_margin': float(rec.best_margin[i])} for i in range(len(y))]}
            if args.closed_form:
                if net.affine() is None:
                    raise ValueError('--closed-form needs a model whose logits are one Dense layer without activation.')
                free, boxed, dist, best = linear_exact(net, x, y, norm, eps)
                att = robust.numpy()
                excess = np.array([float(rec.best_margin[i]) - best[i] for i in range(len(y)) if att[i]])
                res['closed_form'] = {
                    'robust_accuracy_no_box': float(free.mean()), 'robust_accuracy_box': float(boxed.mean()),
                    'attack_robust_but_exact_broken': int((att & ~boxed).sum()),
                    'attack_broken_but_exact_robust': int((~att & boxed).sum()),
                    'box_changes_answer': int((free != boxed).sum()),
                    'robust_margin_excess_max': float(excess.max()) if len(excess) else 0.0,
                    'robust_margin_excess_mean': float(excess.mean()) if len(excess) else 0.0,
                    'exact_distance_within_2pct_of_eps': int((np.abs(dist - eps) < 0.02 * eps).sum())}
                for i, s in enumerate(res['per_sample']):
                    s['exact_robust_box'], s['exact_distance_no_box'] = bool(boxed[i]), float(dist[i])
            out['results'].append(res)
            cf = res.get('closed_form')
            print(f'  {norm} eps={eps}: robust {100 * res["robust_accuracy"]:.2f} %  {counts}  {res["seconds"]} s'
                  + (f'  | exact(box) {100 * cf["robust_accuracy_box"]:.2f} %, exact(no box) {100 * cf["robust_accuracy_no_box"]:.2f} %,'
                     f' attack-missed {cf["attack_robust_but_exact_broken"]}, impossible {cf["attack_broken_but_exact_robust"]},'
                     f' margin excess max {cf["robust_margin_excess_max"]:.2e}' if cf else ''),
                  file=sys.stderr)
    return out


def find_eval(model_dir, root, names):
    d = os.path.abspath(model_dir)
    root = os.path.abspath(root)
    while True:
        for n in names:
            if os.path.isfile(os.path.join(d, n)):
                return os.path.join(d, n)
        if d == root or os.path.dirname(d) == d:
            return None
        d = os.path.dirname(d)


def study(args):
    root = args.path
    dirs = sorted(dp for dp, _, files in os.walk(root) if 'model.json' in files)
    os.makedirs(args.out, exist_ok=True)
    rows = []
    for md in dirs:
        ev = args.eval or find_eval(md, root, args.eval_names)
        if ev is None:
            print(f'{md}: no evaluation file ({args.eval_names}); skipped', file=sys.stderr)
            continue
        res = run_model(md, args, ev)
        rel = os.path.relpath(md, root)
        with open(os.path.join(args.out, rel.replace(os.sep, '__') + '.json'), 'w') as f:
            json.dump(res, f)
        parts = rel.split(os.sep)
        rows.append({'path': rel, 'arm': parts[0] if len(parts) > 0 else '', 'weight': parts[1] if len(parts) > 1 else '',
                     'seed': parts[2] if len(parts) > 2 else '', 'clean': res['clean_accuracy'],
                     **{f'{r["norm"]} {r["eps"]}': r['robust_accuracy'] for r in res['results']}})
    cols = [c for c in (rows[0].keys() if rows else []) if c not in ('path', 'arm', 'weight', 'seed')]
    lines = ['| arm | weight | seed | ' + ' | '.join(f'{c} %' for c in cols) + ' |', '|' + '---|' * (3 + len(cols))]
    lines += [f'| {r["arm"]} | {r["weight"]} | {r["seed"]} | ' + ' | '.join(f'{100 * r[c]:.1f}' for c in cols) + ' |' for r in rows]
    groups = {}
    for r in rows:
        groups.setdefault((r['arm'], r['weight']), []).append(r)
    lines += ['', '| arm | weight | seeds | ' + ' | '.join(f'{c} % (mean ± sd)' for c in cols) + ' |', '|' + '---|' * (3 + len(cols))]
    for (arm, w), rs in groups.items():
        cells = [f'{100 * np.mean([r[c] for r in rs]):.1f} ± {100 * np.std([r[c] for r in rs], ddof=1 if len(rs) > 1 else 0):.1f}' for c in cols]
        lines.append(f'| {arm} | {w} | {len(rs)} | ' + ' | '.join(cells) + ' |')
    with open(os.path.join(args.out, 'summary.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    with open(os.path.join(args.out, 'summary.json'), 'w') as f:
        json.dump({'attack': {k: getattr(args, k) for k in ('losses', 'restarts', 'steps', 'targets', 'square', 'seed')},
                   'rows': rows}, f, indent=1)
    print('\n'.join(lines))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('path', help='model directory (model.json + weights.bin), or a study folder with --study')
    ap.add_argument('--study', action='store_true', help='walk <path>/<arm>/<weight>/<seed>/ and write a summary')
    ap.add_argument('--eval', help='evaluation JSON {x, y, shape}; in --study mode default: the nearest --eval-names file')
    ap.add_argument('--eval-names', default='eval.json,eval-images.json', help='file names searched in --study mode')
    ap.add_argument('--norm', default='both', choices=['linf', 'l2', 'both'])
    ap.add_argument('--eps', help='comma list; default linf 0.1,0.2 and l2 1.0,1.5')
    ap.add_argument('--limit', type=int, help='first N evaluation samples')
    ap.add_argument('--losses', default='ce,margin,dlr', help='APGD losses among ce, margin, dlr')
    ap.add_argument('--restarts', type=int, default=5)
    ap.add_argument('--steps', type=int, default=100)
    ap.add_argument('--targets', type=int, default=-1,
                    help='targeted-margin APGD runs on the top-k other classes (-1: all K-1, multi-targeted)')
    ap.add_argument('--square', type=int, default=1000, help='Square Attack queries (0: off)')
    ap.add_argument('--p-init', type=float, default=0.3)
    ap.add_argument('--batch', type=int, default=1000)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--double', action='store_true', help='float64 network (tfjs computes in float32)')
    ap.add_argument('--closed-form', action='store_true', help='also the exact answer for an affine model')
    ap.add_argument('--compare', help='JSON {pred: number[][]}: max |torch - tfjs| of the saved (softmax) outputs')
    ap.add_argument('--out', help='result JSON (single model) or output folder (--study)')
    ap.add_argument('--verbose', action='store_true')
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    args.losses = [s for s in args.losses.split(',') if s]
    args.eval_names = args.eval_names.split(',')
    args.norms = ['linf', 'l2'] if args.norm == 'both' else [args.norm]
    defaults = {'linf': [0.1, 0.2], 'l2': [1.0, 1.5]}
    if args.eps:
        if len(args.norms) > 1:
            ap.error('--eps needs --norm linf or --norm l2')
        defaults[args.norms[0]] = [float(e) for e in args.eps.split(',')]
    args.eps_for = defaults
    if args.study:
        if not args.out:
            ap.error('--study needs --out <folder>')
        return study(args)
    if args.compare:
        net = Net(args.path, torch.float64 if args.double else torch.float32)
        xs, _, _ = load_eval(args.eval, args.limit)
        with open(args.compare) as f:
            ref = np.asarray(json.load(f)['pred'])[:len(xs)]
        with torch.no_grad():
            got = net.probs(torch.tensor(xs, dtype=net.dtype)).double().numpy()
        print(json.dumps({'model': args.path, 'max_abs_diff': float(np.abs(got - ref).max()),
                          'argmax_agree': float((got.argmax(1) == ref.argmax(1)).mean()), 'dropped_softmax': net.dropped}))
        return
    if not args.eval:
        ap.error('--eval is required')
    res = run_model(args.path, args, args.eval)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(res, f)
    print(json.dumps({'model': res['model'], 'clean_accuracy': res['clean_accuracy'],
                      'robust': {f'{r["norm"]} {r["eps"]}': r['robust_accuracy'] for r in res['results']},
                      **({'closed_form': {f'{r["norm"]} {r["eps"]}': r['closed_form'] for r in res['results']}} if args.closed_form else {})}))


if __name__ == '__main__':
    main()
