#!/usr/bin/python3
"""Train Calibra's model zoo: three small Fashion-MNIST classifiers exported to ONNX.

These are the real (trained) models Calibra's INT8 work is measured on:

  fmnist_resnet       ResNet-style CNN: BasicBlocks (3x3 conv, BN, ReLU, residual add),
                      strided stages with a 1x1 conv + BN downsample path.
  fmnist_mobilenetv2  MobileNetV2-style: inverted residuals (1x1 expand -> 3x3 depthwise
                      -> 1x1 linear project), BN, ReLU6, residual adds when shapes match.
  fmnist_effnet       EfficientNet / MobileNetV3-style: MBConv blocks with depthwise convs
                      and squeeze-and-excitation (GAP -> 1x1 reduce -> SiLU -> 1x1 expand
                      -> Sigmoid/HardSigmoid -> Mul), SiLU body, Hardswish head.

Data: the Debian package dataset-fashion-mnist (gzipped big-endian IDX files), read here
with gzip + numpy. Input normalisation is exactly the one Calibra's C++ preprocessing
reproduces bit for bit, in float32 and in this order:
    x = (float32(pixel) / 255 - 0.2860) / 0.3530

For each model NAME it writes into --out:
  NAME.onnx                   opset 13, input "input" [batch,1,28,28], output "output"
                              [batch,10] logits; BatchNormalization nodes kept
  NAME.json                   how it was made: architecture, params, FLOPs, training
                              recipe, seed, wall time, versions, test accuracy
  NAME.test_predictions.npy   uint8 [10000]: PyTorch's top-1 class per test image
  NAME.usage.json             the model-usage config Calibra reads
and fashion_mnist_classes.txt. Models whose files exist are skipped unless --force.

If build/calibra exists, each exported model is also run by Calibra on the first
--verify-count test images and its predictions are compared with PyTorch's.

Everything is seeded (torch, numpy, random; single-process data pipeline, fixed thread
count) so a rerun on the same software gives the same model.

Run it with Debian's interpreter, where python3-torch / python3-torchvision live:
  /usr/bin/python3 tools/train_zoo.py --out zoo [--models fmnist_resnet,...] [--epochs N]
"""

import argparse
import datetime
import gzip
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    sys.exit("train_zoo.py: error: PyTorch (or numpy) is not installed for this python (%s). "
             "Install the Debian package python3-torch and run this script with /usr/bin/python3." % sys.executable)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA_DIR = "/usr/share/datasets/fashion-mnist"
MEAN = 0.2860
STD = 0.3530
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
USAGE = {
    "task": "classification",
    "preprocessing": {"color": "gray", "resize": {"mode": "none"}, "crop": None, "divide": 255.0,
                      "mean": [MEAN], "std": [STD], "layout": "NCHW"},
    "label_offset": 0,
    "metrics": ["top1", "top5"],
}
THREADS = 2


# ----------------------------------------------------------------------------- data

def read_idx(path):
    """Reads a gzipped big-endian IDX file (the MNIST format) into a numpy array."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if raw[0] != 0 or raw[1] != 0:
        raise ValueError("%s: not an IDX file" % path)
    dtype_code, ndim = raw[2], raw[3]
    if dtype_code != 0x08:
        raise ValueError("%s: expected unsigned byte data (0x08), got 0x%02x" % (path, dtype_code))
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError("%s: %d bytes of data for shape %s" % (path, data.size, dims))
    return data.reshape(dims).copy()


def load_fashion_mnist(data_dir):
    def p(name):
        path = os.path.join(data_dir, name)
        if not os.path.exists(path):
            sys.exit("train_zoo.py: error: %s not found; install the Debian package "
                     "dataset-fashion-mnist (or pass --data DIR)" % path)
        return path
    xtr = read_idx(p("train-images-idx3-ubyte.gz"))
    ytr = read_idx(p("train-labels-idx1-ubyte.gz"))
    xte = read_idx(p("t10k-images-idx3-ubyte.gz"))
    yte = read_idx(p("t10k-labels-idx1-ubyte.gz"))
    assert xtr.shape == (60000, 28, 28) and ytr.shape == (60000,)
    assert xte.shape == (10000, 28, 28) and yte.shape == (10000,)
    return xtr, ytr, xte, yte


def normalize(u8):
    """uint8 [N,28,28] or [N,1,28,28] -> float32 [N,1,28,28], exactly as Calibra does it:
    (float32(p) / 255 - 0.2860) / 0.3530, every step in float32."""
    t = torch.from_numpy(np.ascontiguousarray(u8)).float().div(255)
    t = (t - torch.tensor(MEAN, dtype=torch.float32)) / torch.tensor(STD, dtype=torch.float32)
    if t.dim() == 3:
        t = t.unsqueeze(1)
    return t.contiguous()


def normalize_np(u8):
    """The same normalisation in numpy (float32 throughout); used to cross-check."""
    x = u8.astype(np.float32) / np.float32(255.0)
    x = (x - np.float32(MEAN)) / np.float32(STD)
    return x.reshape(-1, 1, 28, 28).astype(np.float32)


def augment(u8, gen, pad=2):
    """Random crop with `pad` pixels of zero padding + random horizontal flip, on a uint8
    batch [N,28,28] (numpy), driven by a seeded numpy Generator."""
    n = u8.shape[0]
    padded = np.zeros((n, 28 + 2 * pad, 28 + 2 * pad), dtype=np.uint8)
    padded[:, pad:pad + 28, pad:pad + 28] = u8
    oy = gen.integers(0, 2 * pad + 1, size=n)
    ox = gen.integers(0, 2 * pad + 1, size=n)
    flip = gen.random(n) < 0.5
    ar = np.arange(28)
    rows = oy[:, None] + ar[None, :]                     # [n,28]
    cols = ox[:, None] + ar[None, :]                     # [n,28]
    cols = np.where(flip[:, None], cols[:, ::-1], cols)  # flip = read columns backwards
    out = padded[np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]]
    return out


# ----------------------------------------------------------------------------- models

def conv_bn(cin, cout, k, stride=1, groups=1):
    return [nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, groups=groups, bias=False),
            nn.BatchNorm2d(cout)]


class BasicBlock(nn.Module):
    """ResNet BasicBlock: conv3x3-BN-ReLU-conv3x3-BN (+ shortcut) -> ReLU. The shortcut is
    a 1x1 conv (with the block's stride) + BN when the shape changes."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False),
                                            nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        s = x if self.downsample is None else self.downsample(x)
        return F.relu(y + s)


class FmnistResNet(nn.Module):
    def __init__(self, widths=(32, 64, 128), blocks=(1, 1, 1)):
        super().__init__()
        self.stem = nn.Sequential(*conv_bn(1, widths[0], 3), nn.ReLU(inplace=True))
        layers = []
        cin = widths[0]
        for i, (w, n) in enumerate(zip(widths, blocks)):
            for j in range(n):
                stride = 2 if (i > 0 and j == 0) else 1
                layers.append(BasicBlock(cin, w, stride))
                cin = w
        self.layers = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, 10)

    def forward(self, x):
        x = self.layers(self.stem(x))
        return self.fc(torch.flatten(self.pool(x), 1))


class InvertedResidual(nn.Module):
    """MobileNetV2 block: [1x1 expand-BN-ReLU6] -> 3x3 depthwise-BN-ReLU6 -> 1x1 project-BN
    (linear), + input when stride 1 and cin == cout."""

    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        layers = []
        if expand != 1:
            layers += conv_bn(cin, hidden, 1) + [nn.ReLU6(inplace=True)]
        layers += conv_bn(hidden, hidden, 3, stride, groups=hidden) + [nn.ReLU6(inplace=True)]
        layers += conv_bn(hidden, cout, 1)
        self.conv = nn.Sequential(*layers)
        self.use_res = stride == 1 and cin == cout

    def forward(self, x):
        y = self.conv(x)
        return x + y if self.use_res else y


class FmnistMobileNetV2(nn.Module):
    # (expand t, channels c, repeats n, first stride s), as in the MobileNetV2 paper
    CFG = [(1, 16, 1, 1), (4, 24, 2, 2), (4, 32, 2, 1), (4, 64, 3, 2), (4, 96, 1, 1)]

    def __init__(self, stem=16, head=256, cfg=None, dropout=0.1):
        super().__init__()
        cfg = cfg or self.CFG
        self.stem = nn.Sequential(*conv_bn(1, stem, 3), nn.ReLU6(inplace=True))
        blocks = []
        cin = stem
        for t, c, n, s in cfg:
            for i in range(n):
                blocks.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Sequential(*conv_bn(cin, head, 1), nn.ReLU6(inplace=True))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(head, 10)

    def forward(self, x):
        x = self.head(self.blocks(self.stem(x)))
        return self.fc(self.dropout(torch.flatten(self.pool(x), 1)))


class SqueezeExcite(nn.Module):
    """GAP -> 1x1 conv reduce -> act -> 1x1 conv expand -> gate -> x * gate."""

    def __init__(self, ch, reduced, act, gate):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.reduce = nn.Conv2d(ch, reduced, 1, bias=True)
        self.act = act()
        self.expand = nn.Conv2d(reduced, ch, 1, bias=True)
        self.gate = gate()

    def forward(self, x):
        s = self.gate(self.expand(self.act(self.reduce(self.pool(x)))))
        return x * s


class MBConv(nn.Module):
    """EfficientNet / MobileNetV3 block: [1x1 expand-BN-act] -> kxk depthwise-BN-act -> SE
    -> 1x1 project-BN, + input when stride 1 and cin == cout."""

    def __init__(self, cin, cout, k, stride, expand, act, se_gate, se_ratio=0.25):
        super().__init__()
        hidden = cin * expand
        layers = []
        if expand != 1:
            layers += conv_bn(cin, hidden, 1) + [act()]
        layers += conv_bn(hidden, hidden, k, stride, groups=hidden) + [act()]
        layers.append(SqueezeExcite(hidden, max(8, int(cin * se_ratio)), act, se_gate))
        layers += conv_bn(hidden, cout, 1)
        self.conv = nn.Sequential(*layers)
        self.use_res = stride == 1 and cin == cout

    def forward(self, x):
        y = self.conv(x)
        return x + y if self.use_res else y


class FmnistEffNet(nn.Module):
    # (expand, channels, repeats, first stride, kernel, activation, SE gate)
    CFG = [(1, 16, 1, 1, 3, "silu", "sigmoid"),
           (4, 24, 2, 2, 3, "silu", "sigmoid"),
           (4, 40, 2, 2, 5, "silu", "sigmoid"),
           (4, 64, 2, 1, 3, "hswish", "hsigmoid")]
    ACTS = {"silu": nn.SiLU, "hswish": nn.Hardswish, "relu": nn.ReLU}
    GATES = {"sigmoid": nn.Sigmoid, "hsigmoid": nn.Hardsigmoid}

    def __init__(self, stem=16, head=256, cfg=None, dropout=0.1):
        super().__init__()
        cfg = cfg or self.CFG
        self.stem = nn.Sequential(*conv_bn(1, stem, 3), nn.SiLU())
        blocks = []
        cin = stem
        for t, c, n, s, k, act, gate in cfg:
            for i in range(n):
                blocks.append(MBConv(cin, c, k, s if i == 0 else 1, t, self.ACTS[act], self.GATES[gate]))
                cin = c
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Sequential(*conv_bn(cin, head, 1), nn.Hardswish())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(head, 10)

    def forward(self, x):
        x = self.head(self.blocks(self.stem(x)))
        return self.fc(self.dropout(torch.flatten(self.pool(x), 1)))


# Per-model recipe. Seeds are fixed per model: change one only together with the zoo files.
MODELS = {
    "fmnist_resnet": dict(
        build=lambda: FmnistResNet(widths=(16, 32, 64), blocks=(2, 2, 2)),
        description="ResNet-style CNN: 3x3 stem, three stages of BasicBlocks (3x3 conv-BN-ReLU, "
                    "3x3 conv-BN, residual add, ReLU); stages 2 and 3 start with a stride-2 block "
                    "whose shortcut is a 1x1 conv (stride 2) + BN; global average pool; linear.",
        seed=2101, epochs=15, lr=0.1, wd=5e-4, batch=128, label_smoothing=0.0),
    "fmnist_mobilenetv2": dict(
        build=lambda: FmnistMobileNetV2(),
        description="MobileNetV2-style: 3x3 stem (BN, ReLU6); inverted residual blocks "
                    "(1x1 expand-BN-ReLU6 -> 3x3 depthwise-BN-ReLU6 -> 1x1 linear project-BN, "
                    "residual add when stride 1 and channels match); 1x1 head conv-BN-ReLU6; "
                    "global average pool; dropout; linear.",
        seed=2102, epochs=15, lr=0.1, wd=4e-4, batch=128, label_smoothing=0.0),
    "fmnist_effnet": dict(
        build=lambda: FmnistEffNet(),
        description="EfficientNet/MobileNetV3-style: 3x3 stem (BN, SiLU); MBConv blocks "
                    "(1x1 expand-BN-act -> kxk depthwise-BN-act -> squeeze-and-excitation "
                    "[GAP -> 1x1 conv reduce -> act -> 1x1 conv expand -> Sigmoid or HardSigmoid "
                    "-> Mul] -> 1x1 linear project-BN, residual add when shapes match), SiLU in "
                    "the first stages and Hardswish + HardSigmoid gates in the last; 1x1 head "
                    "conv-BN-Hardswish; global average pool; dropout; linear.",
        seed=2103, epochs=15, lr=0.1, wd=4e-4, batch=128, label_smoothing=0.0),
}


# ----------------------------------------------------------------------------- analysis

def layer_summary(model):
    """Per-layer table (conv/linear: shapes, params, MACs per sample) via forward hooks,
    plus totals. FLOPs are counted as 2 * MACs of Conv/Linear layers only."""
    rows = []
    hooks = []

    def hook(name):
        def f(mod, inp, out):
            x = inp[0]
            if isinstance(mod, nn.Conv2d):
                macs = out[0].numel() * (mod.in_channels // mod.groups) * mod.kernel_size[0] * mod.kernel_size[1]
                kind = "dwconv" if mod.groups == mod.in_channels and mod.groups > 1 else "conv"
                rows.append({"name": name, "type": kind,
                             "in": list(x.shape[1:]), "out": list(out.shape[1:]),
                             "kernel": list(mod.kernel_size), "stride": list(mod.stride),
                             "groups": mod.groups,
                             "params": sum(p.numel() for p in mod.parameters(recurse=False)),
                             "macs": int(macs)})
            elif isinstance(mod, nn.Linear):
                rows.append({"name": name, "type": "linear", "in": list(x.shape[1:]),
                             "out": list(out.shape[1:]),
                             "params": sum(p.numel() for p in mod.parameters(recurse=False)),
                             "macs": int(mod.in_features * mod.out_features)})
        return f

    for name, mod in model.named_modules():
        if isinstance(mod, (nn.Conv2d, nn.Linear)):
            hooks.append(mod.register_forward_hook(hook(name)))
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 1, 28, 28))
    model.train(was_training)
    for h in hooks:
        h.remove()
    counts = {}
    for m in model.modules():
        n = type(m).__name__
        if n in ("Conv2d", "BatchNorm2d", "Linear", "ReLU", "ReLU6", "SiLU", "Hardswish",
                 "Hardsigmoid", "Sigmoid", "AdaptiveAvgPool2d", "Dropout", "BasicBlock",
                 "InvertedResidual", "MBConv", "SqueezeExcite"):
            counts[n] = counts.get(n, 0) + 1
    macs = sum(r["macs"] for r in rows)
    return rows, counts, macs


def onnx_op_histogram(path):
    import onnx
    m = onnx.load(path)
    hist = {}
    for n in m.graph.node:
        hist[n.op_type] = hist.get(n.op_type, 0) + 1
    return dict(sorted(hist.items()))


# ----------------------------------------------------------------------------- train / eval

def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@torch.no_grad()
def predict(model, x, batch=1000):
    """Returns float32 logits [N,10] of the eval-mode network."""
    model.eval()
    outs = []
    for i in range(0, x.shape[0], batch):
        outs.append(model(x[i:i + batch]))
    return torch.cat(outs).float()


def topk_correct(logits, y, k):
    top = logits.topk(k, dim=1).indices
    return int((top == y[:, None]).any(dim=1).sum())


def train_model(name, cfg, data, epochs, log):
    xtr, ytr, xte, yte = data
    seed = cfg["seed"]
    set_seed(seed)
    model = cfg["build"]()
    # channels_last makes oneDNN's CPU training kernels 1.5-2x faster here (depthwise most).
    model = model.to(memory_format=torch.channels_last)
    gen = np.random.default_rng(seed)
    batch = cfg["batch"]
    steps_per_epoch = xtr.shape[0] // batch           # drop the last partial batch
    total = steps_per_epoch * epochs
    decay, no_decay = [], []
    for pname, p in model.named_parameters():
        (no_decay if p.dim() <= 1 else decay).append(p)   # no weight decay on BN / biases
    opt = torch.optim.SGD([{"params": decay, "weight_decay": cfg["wd"]},
                           {"params": no_decay, "weight_decay": 0.0}],
                          lr=cfg["lr"], momentum=0.9, nesterov=True)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg["lr"], total_steps=total,
                                                pct_start=0.15, anneal_strategy="cos",
                                                div_factor=10.0, final_div_factor=100.0)
    crit = nn.CrossEntropyLoss(label_smoothing=cfg["label_smoothing"])
    x_test = normalize(xte)
    y_test = torch.from_numpy(yte.astype(np.int64))
    ytr_t = torch.from_numpy(ytr.astype(np.int64))
    history = []
    # Flush denormal floats during training only, as a precaution: denormals in gradients can
    # slow x86 float math badly (measured gain here was small, ~5-10%). It changes training
    # numerics, so keep it for reproducibility. Final evaluation runs with IEEE denormals.
    torch.set_flush_denormal(True)
    t0 = time.time()
    for ep in range(epochs):
        model.train()
        perm = gen.permutation(xtr.shape[0])
        loss_sum, correct, seen = 0.0, 0, 0
        te = time.time()
        for s in range(steps_per_epoch):
            idx = perm[s * batch:(s + 1) * batch]
            xb = normalize(augment(xtr[idx], gen)).contiguous(memory_format=torch.channels_last)
            yb = ytr_t[idx]
            out = model(xb)
            loss = crit(out, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += float(loss) * len(idx)
            correct += int((out.argmax(1) == yb).sum())
            seen += len(idx)
        train_time = time.time() - te
        acc = topk_correct(predict(model, x_test), y_test, 1) / len(yte)
        history.append({"epoch": ep + 1, "train_loss": round(loss_sum / seen, 5),
                        "train_top1": round(correct / seen, 5), "test_top1": round(acc, 5),
                        "epoch_seconds": round(train_time, 1)})
        log("  %s epoch %2d/%d  loss %.4f  train %.4f  test %.4f  (%.0f s, lr %.4g)"
            % (name, ep + 1, epochs, loss_sum / seen, correct / seen, acc, train_time,
               sched.get_last_lr()[0]))
    wall = time.time() - t0
    torch.set_flush_denormal(False)
    model = model.to(memory_format=torch.contiguous_format).eval()
    return model, history, wall, dict(steps_per_epoch=steps_per_epoch, total_steps=total)


def export_onnx(model, path):
    import onnx
    model.eval()
    x = torch.zeros(1, 1, 28, 28)
    # PRESERVE keeps BatchNormalization nodes (in inference form, since the model is in eval
    # mode); torch warns about constant folding in that mode, which does not apply in eval.
    warnings.filterwarnings("ignore", message=".*constant folding be turned off.*")
    torch.onnx.export(model, x, path, opset_version=13, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=True)
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    return m


def verify_with_calibra(calibra, onnx_path, x, torch_logits, log):
    """Runs the ONNX model with Calibra on x (float32 [N,1,28,28]) and compares with PyTorch."""
    tmp = tempfile.mkdtemp(prefix="train_zoo_")
    try:
        xin = os.path.join(tmp, "x.npy")
        np.save(xin, x.numpy().astype(np.float32))
        outdir = os.path.join(tmp, "out")
        cmd = [calibra, "run", onnx_path, "-i", "input=" + xin, "-o", outdir]
        t0 = time.time()
        r = subprocess.run(cmd, capture_output=True, text=True)
        secs = time.time() - t0
        if r.returncode != 0:
            log("  calibra run failed (exit %d): %s" % (r.returncode, r.stderr.strip()))
            return {"status": "calibra failed", "exit_code": r.returncode, "stderr": r.stderr.strip()[-2000:]}
        got = np.load(os.path.join(outdir, "output.npy"))
        ref = torch_logits.numpy()
        if got.shape != ref.shape:
            return {"status": "shape mismatch", "calibra_shape": list(got.shape), "torch_shape": list(ref.shape)}
        diff = np.abs(got.astype(np.float64) - ref.astype(np.float64))
        differ = int((got.argmax(1) != ref.argmax(1)).sum())
        res = {"status": "ok", "images": int(x.shape[0]), "top1_predictions_differing": differ,
               "max_abs_logit_diff": float(diff.max()), "mean_abs_logit_diff": float(diff.mean()),
               "calibra_seconds": round(secs, 2), "command": "calibra run MODEL -i input=X.npy -o DIR"}
        log("  calibra vs PyTorch on %d test images: %d top-1 predictions differ, max |logit diff| %.3g"
            % (x.shape[0], differ, diff.max()))
        return res
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def versions():
    import onnx
    v = {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__,
         "onnx": onnx.__version__}
    try:
        import torchvision
        v["torchvision"] = torchvision.__version__
    except ImportError:
        v["torchvision"] = None
    return v


def outputs_for(out, name):
    return [os.path.join(out, name + s) for s in (".onnx", ".json", ".test_predictions.npy", ".usage.json")]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="zoo", help="output folder (default: zoo)")
    ap.add_argument("--models", default=",".join(MODELS), help="comma-separated subset of: " + ", ".join(MODELS))
    ap.add_argument("--epochs", type=int, default=None, help="override every model's epoch count")
    ap.add_argument("--force", action="store_true", help="retrain models whose files already exist")
    ap.add_argument("--data", default=DATA_DIR, help="folder with the Fashion-MNIST .gz IDX files")
    ap.add_argument("--calibra", default=os.path.join(REPO, "build", "calibra"),
                    help="Calibra binary for the post-export check (skipped if missing)")
    ap.add_argument("--verify-count", type=int, default=1000, help="test images for the Calibra check")
    ap.add_argument("--limit-train", type=int, default=None,
                    help="train on only the first N training images (smoke tests; not for the zoo)")
    args = ap.parse_args()

    names = [n.strip() for n in args.models.split(",") if n.strip()]
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        ap.error("unknown model(s) %s; choose from %s" % (", ".join(unknown), ", ".join(MODELS)))
    if args.epochs is not None and args.epochs < 1:
        ap.error("--epochs must be >= 1")
    try:
        import onnx  # noqa: F401
    except ImportError:
        sys.exit("train_zoo.py: error: the onnx python package is missing; install python3-onnx")

    torch.set_num_threads(THREADS)
    torch.use_deterministic_algorithms(True)
    os.makedirs(args.out, exist_ok=True)

    def log(msg):
        print(msg, flush=True)

    with open(os.path.join(args.out, "fashion_mnist_classes.txt"), "w") as f:
        f.write("\n".join(CLASSES) + "\n")

    data = load_fashion_mnist(args.data)
    if args.limit_train:
        data = (data[0][:args.limit_train], data[1][:args.limit_train], data[2], data[3])
    xte, yte = data[2], data[3]
    x_test = normalize(xte)
    assert np.array_equal(x_test.numpy(), normalize_np(xte)), "torch and numpy normalisation differ"
    y_test = torch.from_numpy(yte.astype(np.int64))

    for name in names:
        paths = outputs_for(args.out, name)
        if all(os.path.exists(p) for p in paths) and not args.force:
            log("%s: exists in %s, skipping (use --force to retrain)" % (name, args.out))
            continue
        cfg = MODELS[name]
        epochs = args.epochs or cfg["epochs"]
        log("%s: training %d epochs (seed %d, %d threads)" % (name, epochs, cfg["seed"], THREADS))
        started = datetime.datetime.now(datetime.timezone.utc)
        model, history, wall, steps = train_model(name, cfg, data, epochs, log)
        rows, counts, macs = layer_summary(model)
        params = sum(p.numel() for p in model.parameters())

        onnx_path, json_path, pred_path, usage_path = paths
        export_onnx(model, onnx_path)
        size = os.path.getsize(onnx_path)

        logits = predict(model, x_test)
        pred = logits.argmax(1)
        top1 = topk_correct(logits, y_test, 1)
        top5 = topk_correct(logits, y_test, 5)
        np.save(pred_path, pred.numpy().astype(np.uint8))
        with open(usage_path, "w") as f:
            json.dump(USAGE, f, indent=2)
            f.write("\n")
        log("  %s: test top-1 %.4f (%d/10000), top-5 %.4f, %d params, ONNX %d bytes, %.0f s training"
            % (name, top1 / 1e4, top1, top5 / 1e4, params, size, wall))

        if os.path.exists(args.calibra):
            n = min(args.verify_count, x_test.shape[0])
            check = verify_with_calibra(args.calibra, onnx_path, x_test[:n], logits[:n], log)
        else:
            log("  note: %s not found; skipping the Calibra-vs-PyTorch check" % args.calibra)
            check = {"status": "skipped: calibra binary not found"}

        rec = {
            "name": name,
            "description": cfg["description"],
            "task": "classification",
            "dataset": {"name": "Fashion-MNIST", "source": args.data, "train_images": int(data[0].shape[0]),
                        "test_images": int(xte.shape[0]), "classes_file": "fashion_mnist_classes.txt"},
            "input": {"name": "input", "shape": ["batch", 1, 28, 28], "dtype": "float32",
                      "normalisation": "x = (float32(pixel) / 255 - 0.2860) / 0.3530 (float32, in this order)"},
            "output": {"name": "output", "shape": ["batch", 10], "meaning": "logits (no softmax)"},
            "architecture": {
                "class": type(model).__name__,
                "module_counts": counts,
                "layers": rows,
                "parameters": params,
                "macs_per_sample": int(macs),
                "flops_per_sample_estimate": int(2 * macs),
                "flops_note": "2 x MACs of Conv and Linear layers; BN, activations, adds, SE multiplies not counted",
            },
            "parameters": params,
            "onnx": {"file": os.path.basename(onnx_path), "bytes": size, "opset": 13,
                     "dynamic_batch": True, "batchnorm_kept": True, "do_constant_folding": True,
                     "op_histogram": onnx_op_histogram(onnx_path)},
            "onnx_file_bytes": size,
            "training": {
                "epochs": epochs, "batch_size": cfg["batch"], "steps_per_epoch": steps["steps_per_epoch"],
                "total_steps": steps["total_steps"],
                "optimizer": "SGD momentum 0.9 nesterov, weight decay %g on conv/linear weights only" % cfg["wd"],
                "schedule": "OneCycleLR max_lr %g, pct_start 0.15, cosine, div_factor 10, final_div_factor 100, stepped per batch" % cfg["lr"],
                "loss": "cross entropy" + (", label smoothing %g" % cfg["label_smoothing"] if cfg["label_smoothing"] else ""),
                "augmentation": "random crop 28x28 from the image zero-padded by 2 px (uint8), random horizontal flip p=0.5",
                "seed": cfg["seed"],
                "seeding": "random.seed, numpy.random.seed, torch.manual_seed = seed; numpy default_rng(seed) for shuffling and augmentation; single-process data pipeline; torch.use_deterministic_algorithms(True)",
                "threads": THREADS,
                "wall_time_seconds": round(wall, 1),
                "started_utc": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "host": {"cpus": os.cpu_count(), "machine": platform.machine()},
                "history": history,
            },
            "versions": versions(),
            "evaluation": {"what": "PyTorch float32, eval-mode network that was exported, full 10k test set",
                           "test_top1": round(top1 / 1e4, 4), "test_top5": round(top5 / 1e4, 4),
                           "test_correct_top1": top1, "test_correct_top5": top5},
            "test_top1": round(top1 / 1e4, 4),
            "test_top5": round(top5 / 1e4, 4),
            "test_correct_top1": top1,
            "test_predictions_file": os.path.basename(pred_path),
            "usage_file": os.path.basename(usage_path),
            "calibra_check": check,
            "regenerate": "/usr/bin/python3 tools/train_zoo.py --out zoo --models %s --force" % name,
        }
        with open(json_path, "w") as f:
            json.dump(rec, f, indent=2)
            f.write("\n")
        log("  wrote %s" % ", ".join(os.path.basename(p) for p in paths))


if __name__ == "__main__":
    main()
