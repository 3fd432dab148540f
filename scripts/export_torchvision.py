#!/usr/bin/python3
"""Export torchvision CNNs with seeded random weights to ONNX, plus reference I/O.

Calibra's accuracy tests and benchmarks need real-world network shapes
(ResNet, MobileNet, SqueezeNet, EfficientNet) but the machines have no network
access for pretrained weights. This script builds the torchvision models with
fixed-seed random weights (no download), makes their BatchNorm layers
non-trivial, exports each to ONNX (opset 13, dynamic batch axis) and saves a
fixed input together with PyTorch's output for it, so that an engine's result
can be checked against PyTorch. The BatchNormalization nodes are kept in the
ONNX graph (torch.onnx would otherwise fold them into the convolutions) so
that the engine's own BN folding is exercised; --fold-bn exports the usual
pre-folded graph instead.

For each model NAME it writes into --out:
  NAME.onnx                  opset 13, input "input" [batch,3,224,224], output "output"
  NAME.input.npy             float32 1x3x224x224, seeded standard normal
  NAME.output.npy            PyTorch's output for NAME.input.npy (float32)
  NAME.input_b2.npy          float32 2x3x224x224 (tests the dynamic batch axis)
  NAME.output_b2.npy         PyTorch's output for NAME.input_b2.npy
and one manifest.json describing every model in the folder (versions, seeds,
shapes, ONNX op counts, output statistics). Models whose five files exist are
skipped unless --force (also after changing --fold-bn).

Run it with Debian's interpreter, where python3-torch / python3-torchvision live:
  /usr/bin/python3 scripts/export_torchvision.py --out .cache/models
"""

import argparse
import datetime
import json
import os
import sys
import time

# Seeds are fixed per model so that every machine exports the same weights and
# inputs; change one only together with anything that pins expected numbers.
MODEL_SEEDS = {
    "resnet18": 1018,
    "resnet50": 1050,
    "mobilenet_v2": 2002,
    "mobilenet_v3_small": 2003,
    "squeezenet1_1": 3011,
    "efficientnet_b0": 4000,
}
OPSET = 13
INPUT_SHAPE = (1, 3, 224, 224)
# BatchNorm statistics are measured on this many random images (see randomize_batchnorm).
CALIB_IMAGES = 8


def parse_args():
    p = argparse.ArgumentParser(
        description="Export seeded random-weight torchvision models to ONNX with reference inputs/outputs.",
        epilog="Example: /usr/bin/python3 scripts/export_torchvision.py --out .cache/models --models resnet18,mobilenet_v2",
    )
    p.add_argument("--out", default=".cache/models", help="output folder (default: .cache/models)")
    p.add_argument(
        "--models",
        default=",".join(MODEL_SEEDS),
        help="comma-separated subset of: %s (default: all)" % ", ".join(MODEL_SEEDS),
    )
    p.add_argument("--force", action="store_true", help="re-export models whose files already exist")
    p.add_argument(
        "--fold-bn",
        action="store_true",
        help="let PyTorch fold BatchNormalization into Conv at export (its default); without it the "
        "BatchNormalization nodes are kept so that the engine's own BN folding is exercised",
    )
    p.add_argument("--list", action="store_true", help="print the known model names and exit")
    return p.parse_args()


def import_deps():
    """Import the heavy dependencies, failing with an actionable message."""
    import importlib

    mods, missing = {}, []
    for mod, pkg in (("numpy", "python3-numpy"), ("torch", "python3-torch"), ("torchvision", "python3-torchvision")):
        try:
            mods[mod] = importlib.import_module(mod)
        except ImportError:
            missing.append(pkg)
    if missing:
        sys.exit("error: %s %s not installed for %s: run scripts/setup-deps.sh, and run this script with "
                 "/usr/bin/python3 (Debian's interpreter; another python3 may be first on PATH)"
                 % (", ".join(missing), "is" if len(missing) == 1 else "are", sys.executable))
    try:
        import onnx
    except ImportError:
        onnx = None  # only used for a structural check and the op counts
    return mods["numpy"], mods["torch"], mods["torchvision"], onnx


def file_names(out, name):
    return {
        "onnx": os.path.join(out, name + ".onnx"),
        "input": os.path.join(out, name + ".input.npy"),
        "output": os.path.join(out, name + ".output.npy"),
        "input_b2": os.path.join(out, name + ".input_b2.npy"),
        "output_b2": os.path.join(out, name + ".output_b2.npy"),
    }


def randomize_batchnorm(torch, model, gen):
    """Give every BatchNorm layer non-trivial, seeded parameters and statistics.

    torchvision initialises BN to gamma=1, beta=0, mean=0, var=1, which turns BN
    folding into a no-op and hides bugs in it. Purely random statistics, however,
    let activations grow layer after layer in deep networks (ResNet-50 output
    would be in the thousands). So:
      1. gamma ~ U(0.5, 1.5), beta ~ N(0, 0.1^2)         (random affine)
      2. running mean/var measured on random images, BN layers in train mode with
         a cumulative average (momentum=None): keeps each layer's output normalized
      3. then jitter them: mean += N(0, 0.1^2)*std, var *= U(0.7, 1.4)  (positive)
    so the folded scale and shift are different for every channel.
    """
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    with torch.no_grad():
        for bn in bns:
            c = bn.num_features
            bn.weight.copy_(torch.rand(c, generator=gen) + 0.5)
            bn.bias.copy_(torch.randn(c, generator=gen) * 0.1)
            bn.reset_running_stats()
            bn.momentum = None  # cumulative moving average over the calibration batches
        # Only the BN layers in train mode: dropout / stochastic depth stay off.
        model.eval()
        for bn in bns:
            bn.train()
        for _ in range(2):
            x = torch.randn((CALIB_IMAGES // 2,) + INPUT_SHAPE[1:], generator=gen)
            model(x)
        model.eval()
        for bn in bns:
            c = bn.num_features
            std = torch.sqrt(bn.running_var + bn.eps)
            bn.running_mean.add_(torch.randn(c, generator=gen) * 0.1 * std)
            bn.running_var.mul_(torch.rand(c, generator=gen) * 0.7 + 0.7)
            bn.running_var.clamp_(min=1e-3)
            bn.momentum = 0.1
    return len(bns)


def check_sane(np, name, out):
    """Refuse outputs that are NaN/Inf, exploding, or collapsed to a constant."""
    if not np.all(np.isfinite(out)):
        raise RuntimeError("%s: output has NaN/Inf" % name)
    amax = float(np.abs(out).max())
    std = float(out.std())
    if amax > 1e4:
        raise RuntimeError("%s: output explodes (max |y| = %g)" % (name, amax))
    if std < 1e-6:
        raise RuntimeError("%s: output is (nearly) constant (std = %g)" % (name, std))
    return amax, std


def save_npy(np, path, array):
    """Write atomically, so an interrupted run never leaves a file that looks complete."""
    tmp = path + ".tmp.npy"
    np.save(tmp, np.ascontiguousarray(array, dtype=np.float32))
    os.replace(tmp, path)


def export_one(np, torch, torchvision, onnx, name, seed, files, fold_bn):
    t0 = time.time()
    torch.manual_seed(seed)
    builder = getattr(torchvision.models, name)
    model = builder(weights=None)  # random init, no download
    gen = torch.Generator().manual_seed(seed + 1)
    n_bn = randomize_batchnorm(torch, model, gen)
    model.eval()

    rng = np.random.RandomState(seed)
    x1 = rng.standard_normal(INPUT_SHAPE).astype(np.float32)
    x2 = rng.standard_normal((2,) + INPUT_SHAPE[1:]).astype(np.float32)
    with torch.no_grad():
        y1 = model(torch.from_numpy(x1)).numpy()
        y2 = model(torch.from_numpy(x2)).numpy()
    amax, std = check_sane(np, name, y1)
    check_sane(np, name + " (batch 2)", y2)

    tmp_onnx = files["onnx"] + ".tmp"
    with torch.no_grad():
        torch.onnx.export(
            model,
            torch.from_numpy(x1),
            tmp_onnx,
            opset_version=OPSET,
            input_names=["input"],
            output_names=["output"],
            dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
            do_constant_folding=True,
            # torch.onnx's default (EVAL) folds Conv+BatchNormalization itself, so
            # the ONNX file would never reach the engine's BN folding. PRESERVE on
            # a model in eval mode exports inference-mode BatchNormalization nodes.
            training=torch.onnx.TrainingMode.EVAL if fold_bn else torch.onnx.TrainingMode.PRESERVE,
        )
    op_counts = None
    if onnx is not None:
        proto = onnx.load(tmp_onnx)
        onnx.checker.check_model(proto)
        op_counts = {}
        for node in proto.graph.node:
            op_counts[node.op_type] = op_counts.get(node.op_type, 0) + 1

    save_npy(np, files["input"], x1)
    save_npy(np, files["output"], y1)
    save_npy(np, files["input_b2"], x2)
    save_npy(np, files["output_b2"], y2)
    os.replace(tmp_onnx, files["onnx"])  # last: the .onnx marks a complete export

    return {
        "seed": seed,
        "input_seed": seed,
        "batchnorm_layers": n_bn,
        "parameters": int(sum(p.numel() for p in model.parameters())),
        "input_shape": list(x1.shape),
        "output_shape": list(y1.shape),
        "output_b2_shape": list(y2.shape),
        "output_max_abs": amax,
        "output_std": std,
        "batchnorm_in_onnx": not fold_bn,
        "onnx_ops": op_counts,
        "export_seconds": round(time.time() - t0, 1),
    }


def main():
    args = parse_args()
    if args.list:
        print("\n".join(MODEL_SEEDS))
        return 0
    names = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in names if m not in MODEL_SEEDS]
    if unknown:
        sys.exit("error: unknown model(s) %s; known: %s" % (", ".join(unknown), ", ".join(MODEL_SEEDS)))

    np, torch, torchvision, onnx = import_deps()
    torch.set_num_threads(2)  # the machines have 2 cores
    os.makedirs(args.out, exist_ok=True)

    # The manifest describes everything in the folder: keep entries of models not
    # re-exported this time.
    manifest_path = os.path.join(args.out, "manifest.json")
    manifest = {"models": {}}
    if os.path.exists(manifest_path):
        try:
            with open(manifest_path) as f:
                manifest = json.load(f)
        except (OSError, ValueError):
            manifest = {"models": {}}
    manifest.setdefault("models", {})

    failed = []
    for name in names:
        files = file_names(args.out, name)
        if not args.force and all(os.path.exists(p) for p in files.values()):
            print("%-20s exists, skipped (--force to re-export)" % name)
            continue
        print("%-20s exporting ..." % name, flush=True)
        try:
            entry = export_one(np, torch, torchvision, onnx, name, MODEL_SEEDS[name], files, args.fold_bn)
        except Exception as e:  # report and go on with the other models
            print("%-20s FAILED: %s" % (name, e), file=sys.stderr)
            failed.append(name)
            continue
        entry["files"] = {k: os.path.basename(v) for k, v in files.items()}
        manifest["models"][name] = entry
        print("%-20s done in %.1f s (output max|y| %.3g, std %.3g)"
              % (name, entry["export_seconds"], entry["output_max_abs"], entry["output_std"]))

    manifest.update({
        "generator": "scripts/export_torchvision.py",
        "updated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "onnx": onnx.__version__ if onnx is not None else None,
        "numpy": np.__version__,
        "opset": OPSET,
        "input_name": "input",
        "output_name": "output",
        "dynamic_axes": {"input": [0], "output": [0]},
        "seeds": {k: MODEL_SEEDS[k] for k in sorted(manifest["models"])},
        "batchnorm": "gamma~U(0.5,1.5), beta~N(0,0.01); running stats measured on %d random images, "
                     "then mean+=N(0,0.01)*std, var*=U(0.7,1.4)" % CALIB_IMAGES,
    })
    tmp = manifest_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, manifest_path)

    if failed:
        print("error: export failed for: %s" % ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
