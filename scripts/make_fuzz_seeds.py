#!/usr/bin/python3
"""Seed corpora for the fuzz harnesses (tests/fuzz/), one folder per target.

    scripts/make_fuzz_seeds.py --out .cache/fuzz/seeds          # full corpora (ignored cache)
    scripts/make_fuzz_seeds.py --out tests/fuzz/seeds --small   # the small committed set

Sources: the ONNX backend test suite (Debian's libonnx-testdata: models and TensorProto
.pb files), the zoo and demo models, and small inputs synthesized here (.npy files of every
dtype and format version, JPEG/PNG variants, IDX and CIFAR files, annotation files, JSON
configs and request bodies, zip/tar archives). Uses Debian's python3-onnx, python3-numpy
and python3-pil (a dependency of python3-torchvision). Deterministic: same files every run.
"""
import argparse
import glob
import gzip
import hashlib
import io
import json
import os
import struct
import sys
import tarfile

import numpy as np

from make_bad_inputs import zipped  # the same deterministic zip writer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTDATA = "/usr/share/libonnx-testdata/data"

# Node tests used for the small committed model/tensor seeds: one per op family.
SMALL_MODELS = [
    "node/test_conv_with_strides_padding", "node/test_gemm_default_single_elem_vector_bias",
    "node/test_maxpool_2d_pads", "node/test_reshape_negative_dim", "node/test_slice",
    "node/test_resize_upsample_scales_linear", "node/test_concat_2d_axis_0",
    "node/test_quantizelinear", "node/test_batchnorm_example", "node/test_gather_0",
    "simple/test_single_relu_model", "node/test_constantofshape_int_zeros",
]


def gz(b):
    # mtime=0: deterministic bytes
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as f:
        f.write(b)
    return out.getvalue()


class Out:
    def __init__(self, root, small):
        self.root, self.small, self.count, self.bytes = root, small, {}, 0

    def put(self, target, name, data, small_ok=True):
        if self.small and not small_ok:
            return
        d = os.path.join(self.root, target)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        self.count[target] = self.count.get(target, 0) + 1
        self.bytes += len(data)


def model_seeds(o):
    if o.small:
        for rel in SMALL_MODELS:
            p = os.path.join(TESTDATA, rel, "model.onnx")
            if os.path.exists(p):
                o.put("model", rel.replace("/", "_") + ".onnx", open(p, "rb").read())
        return
    for p in sorted(glob.glob(TESTDATA + "/*/*/model.onnx")):
        if os.path.getsize(p) <= 256 * 1024:
            rel = os.path.relpath(os.path.dirname(p), TESTDATA).replace("/", "_")
            o.put("model", rel + ".onnx", open(p, "rb").read(), small_ok=False)
    for p in [os.path.join(ROOT, "demo/demo_cnn.onnx")] + sorted(glob.glob(os.path.join(ROOT, "zoo/*.onnx"))):
        if os.path.exists(p):
            o.put("model", os.path.basename(p), open(p, "rb").read(), small_ok=False)


def tensor_pb_seeds(o):
    import onnx
    from onnx import helper, numpy_helper, TensorProto
    seen = set()
    files = sorted(glob.glob(TESTDATA + "/node/*/test_data_set_0/*.pb"))
    picked = [os.path.join(TESTDATA, rel, "test_data_set_0/input_0.pb") for rel in SMALL_MODELS] if o.small else files
    for p in picked:
        if not os.path.exists(p) or os.path.getsize(p) > 64 * 1024:
            continue
        b = open(p, "rb").read()
        h = hashlib.sha1(b).hexdigest()
        if h in seen:
            continue
        seen.add(h)
        o.put("tensor_pb", os.path.basename(os.path.dirname(os.path.dirname(p))) + "_" + os.path.basename(p), b)
    # Typed fields instead of raw_data, every dtype the reader knows, external data.
    arrays = {
        "f32": np.arange(6, dtype=np.float32).reshape(2, 3), "f64": np.array([1.5, -2.0]),
        "i64": np.array([[1, -2], [3, 4]], dtype=np.int64), "i32": np.array([7, 8], dtype=np.int32),
        "u8": np.array([0, 255], dtype=np.uint8), "i8": np.array([-128, 127], dtype=np.int8),
        "bool": np.array([True, False]), "f16": np.array([1.0, 2.0], dtype=np.float16),
        "u16": np.array([1, 65535], dtype=np.uint16), "u64": np.array([1, 2], dtype=np.uint64),
        "scalar": np.array(3.0, dtype=np.float32), "empty": np.zeros((0, 4), dtype=np.float32),
    }
    for name, a in arrays.items():
        t = numpy_helper.from_array(a, name)
        o.put("tensor_pb", "raw_" + name + ".pb", t.SerializeToString())
        if a.dtype in (np.float32, np.int64, np.int32, np.float64):
            t2 = helper.make_tensor(name, onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[a.dtype], a.shape, a.flatten().tolist())
            o.put("tensor_pb", "typed_" + name + ".pb", t2.SerializeToString())
    ext = TensorProto(name="ext", data_type=TensorProto.FLOAT, dims=[2])
    ext.data_location = TensorProto.EXTERNAL
    for k, v in (("location", "input.pb"), ("offset", "0"), ("length", "8")):
        e = ext.external_data.add()
        e.key, e.value = k, v
    o.put("tensor_pb", "external_self.pb", ext.SerializeToString())


def npy_seeds(o):
    arrays = [
        np.arange(12, dtype=np.float32).reshape(3, 4), np.array(2.5, dtype=np.float32),
        np.zeros((0, 3), dtype=np.float32), np.arange(5, dtype=np.int64), np.array([1, 2], dtype=np.int32),
        np.array([True, False]), np.array([1, 2], dtype=np.uint8), np.array([-1, 1], dtype=np.int8),
        np.array([1.0, 2.0], dtype=np.float16), np.array([1.0], dtype=np.float64), np.array([7], dtype=np.uint16),
        np.array([7], dtype=np.uint32), np.array([7], dtype=np.uint64), np.array([7], dtype=np.int16),
        np.arange(24, dtype=np.float32).reshape(1, 2, 3, 4), np.arange(4, dtype=">f4"),
        np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)),
    ]
    for i, a in enumerate(arrays):
        for ver in ((1, 0), (2, 0), (3, 0)):
            if ver != (1, 0) and i % 4:
                continue
            buf = io.BytesIO()
            np.lib.format.write_array(buf, a, version=ver, allow_pickle=False)
            o.put("npy", "a%02d_v%d_%s.npy" % (i, ver[0], a.dtype.str.replace("<", "le").replace(">", "be").replace("|", "")), buf.getvalue())


def images():
    """(name, bytes) of small JPEG/PNG variants."""
    from PIL import Image
    w, h = 7, 5
    rgb = Image.frombytes("RGB", (w, h), bytes((i * 37) % 256 for i in range(w * h * 3)))
    out = []

    def save(name, img, fmt, **kw):
        b = io.BytesIO()
        img.save(b, fmt, **kw)
        out.append((name, b.getvalue()))

    save("rgb.png", rgb, "PNG")
    save("gray.png", rgb.convert("L"), "PNG")
    save("rgba.png", rgb.convert("RGBA"), "PNG")
    save("la.png", rgb.convert("LA"), "PNG")
    save("palette.png", rgb.convert("P"), "PNG")
    save("bw.png", rgb.convert("1"), "PNG")
    save("gray16.png", rgb.convert("L").convert("I").point(lambda v: v * 257), "PNG")
    save("interlaced.png", rgb, "PNG", interlace=1)
    pal = rgb.convert("P")
    pal.info["transparency"] = 0
    save("palette_trns.png", pal, "PNG", transparency=0)
    save("rgb.jpg", rgb, "JPEG", quality=90)
    save("gray.jpg", rgb.convert("L"), "JPEG")
    save("progressive.jpg", rgb, "JPEG", progressive=True)
    save("cmyk.jpg", rgb.convert("CMYK"), "JPEG")
    save("subsampled.jpg", rgb.resize((16, 16)), "JPEG", subsampling=2)
    save("big.jpg", rgb.resize((64, 48)), "JPEG")
    return out


def image_seeds(o):
    for name, b in images():
        o.put("image", name, b)


def be32(v):
    return struct.pack(">I", v)


def idx_pair(n, rows, cols, labels=True, gzipped=False, nclass=10):
    imgs = be32(0x803) + be32(n) + be32(rows) + be32(cols) + bytes((i * 7) % 256 for i in range(n * rows * cols))
    labs = (be32(0x801) + be32(n) + bytes(i % nclass for i in range(n))) if labels else b""
    if gzipped:
        imgs, labs = gz(imgs), (gz(labs) if labs else b"")
    return struct.pack("<H", len(imgs)) + imgs + labs


def idx_seeds(o):
    o.put("idx", "plain_labels", idx_pair(3, 4, 4))
    o.put("idx", "plain_nolabels", idx_pair(2, 3, 5, labels=False))
    o.put("idx", "gz_labels", idx_pair(4, 6, 6, gzipped=True))
    o.put("idx", "one_image", idx_pair(1, 1, 1))
    o.put("idx", "many_classes", idx_pair(20, 2, 2, nclass=256))


def cifar_seeds(o):
    rec10 = lambda lab: bytes([lab]) + bytes((i * 3) % 256 for i in range(3072))
    rec100 = lambda c, f: bytes([c, f]) + bytes((i * 5) % 256 for i in range(3072))
    o.put("cifar", "cifar10_2", rec10(3) + rec10(9))
    o.put("cifar", "cifar100_2", rec100(1, 42) + rec100(19, 99))
    o.put("cifar", "cifar10_gz", gz(rec10(0) + rec10(1) + rec10(2)))


def annotation_seeds(o):
    # byte 0: bit 0 = labels.txt present, bit 1 = skip_bad; then val.txt
    for flags, text in [
        (0, "a.png 0\nb.jpg 1\nsub/c.png 2\n"), (1, "a.png 0\r\nb.jpg 2\r\n"),
        (0, "# comment\n\na.png 5\n"), (2, "a.png 0\nmissing.png 1\nnot_an_image.jpg 1\n"),
        (3, "sub/../a.png 1\n./b.jpg 0\n"), (0, "a.png 0 extra\n"), (0, "../outside.png 0\n"),
        (0, "/etc/passwd 0\n"), (1, "a.png 3\n"), (0, "a.png -1\nb.jpg x\n"), (0, "a.png\t1\n"),
    ]:
        o.put("annotation", "val_%d_%s" % (flags, hashlib.sha1(text.encode()).hexdigest()[:8]), bytes([flags]) + text.encode())


def usage_seeds(o):
    for p in sorted(glob.glob(os.path.join(ROOT, "zoo/*.usage.json"))):
        o.put("usage_json", os.path.basename(p), open(p, "rb").read())
    variants = [
        {"preprocessing": {"color": "rgb", "resize": {"mode": "exact", "height": 8, "width": 8}, "mean": [0.5, 0.5, 0.5], "std": [0.25]}},
        {"preprocessing": {"color": "bgr", "resize": {"mode": "shorter", "size": 10, "interpolation": "nearest"},
                           "crop": {"height": 8, "width": 8}, "layout": "NCHW", "divide": 1.0}},
        {"task": "classification", "label_offset": 1, "metrics": ["top1"]},
        {"preprocessing": {"color": "rgb", "layout": "NHWC"}},
        {"preprocessing": {"resize": {"mode": "exact", "height": 100000, "width": 100000}}},
        {"preprocessing": {"resize": {"mode": "shorter", "size": 4611686018427387904}}},
        {"label_offset": 1e400}, {"preprocessing": {"divide": 0}}, {}, [], "x",
    ]
    for i, v in enumerate(variants):
        o.put("usage_json", "v%02d.json" % i, json.dumps(v).encode().replace(b"Infinity", b"1e400"))


def settings_seeds(o):
    for i, v in enumerate([
        {"batch": 1, "threads": 0, "streams": 1, "seconds": 5, "iterations": 0, "warmup": 2},
        {"batch": 4, "threads": 1}, {"iterations": 100}, {"streams": 2, "threads": 2}, {"batch": -1},
        {"threads": 1e30}, {"batch": 9223372036854775807}, {"seconds": "5"}, {"bogus": 1}, [],
    ]):
        o.put("settings_json", "s%02d.json" % i, json.dumps(v).encode())


def workbench_seeds(o):
    bodies = [
        (0, {"model_id": 1, "dataset_id": 1}), (0, {"model_id": 1, "dataset_id": 2, "name": "p", "settings": {"batch": 2}}),
        (0, {"model_id": 1, "dataset_id": 1, "usage": {"preprocessing": {"color": "rgb"}}}),
        (1, {"preprocessing": {"color": "rgb", "mean": [0.5], "std": [0.5]}}), (1, {"label_offset": 2}),
        (2, {"batch": 2, "threads": 1}), (2, {"streams": 1, "iterations": 10}),
        (3, {}), (3, {"method": "accuracy_aware", "max_drop": 1.0, "subset": 10}),
        (3, {"algorithm": "kl", "preset": "mixed", "subset_percent": 50, "settings": {"batch": 1}}),
        (3, {"dataset_id": 2}), (4, {"batches": [1, 2], "streams": [1], "seconds": 0.5, "max_latency_ms": 3}),
        (5, {"project_a": 1, "project_b": 2, "limit": 5}), (6, {"generated": 10, "name": "g"}),
        (6, {"spec": "generated:5"}),
    ]
    for i, (ep, b) in enumerate(bodies):
        o.put("workbench", "b%02d_ep%d.json" % (i, ep), bytes([ep]) + json.dumps(b).encode())


def archive_seeds(o):
    imgs = dict(images())
    files = [("data/val.txt", b"a.png 0\nb.jpg 1\n"), ("data/a.png", imgs["gray.png"]), ("data/b.jpg", imgs["rgb.jpg"])]

    def tar(mode, entries, extra=None):
        b = io.BytesIO()
        with tarfile.open(fileobj=b, mode=mode) as t:
            for name, data in entries:
                ti = tarfile.TarInfo(name)
                ti.size, ti.mtime = len(data), 0
                t.addfile(ti, io.BytesIO(data))
            if extra:
                extra(t)
        return b.getvalue()

    def symlink(t):
        ti = tarfile.TarInfo("data/link.png")
        ti.type, ti.linkname = tarfile.SYMTYPE, "/etc/passwd"
        t.addfile(ti)

    o.put("archive", "dataset.tar", tar("w", files))
    o.put("archive", "dataset.tar.gz", tar("w:gz", files))
    o.put("archive", "dataset.tar.bz2", tar("w:bz2", files))
    o.put("archive", "dataset.tar.xz", tar("w:xz", files))
    o.put("archive", "dataset.zip", zipped(files))
    o.put("archive", "dotdot.tar", tar("w", [("data/../../evil.txt", b"x")]))
    o.put("archive", "absolute.zip", zipped([("/tmp/evil.txt", b"x")]))
    o.put("archive", "symlink.tar", tar("w", files[:1], symlink))
    o.put("archive", "macosx.zip", zipped(files[:1] + [("__MACOSX/data/._a.png", b"junk")]))
    o.put("archive", "zeros.tar.gz", tar("w:gz", [("data/zeros.bin", bytes(1 << 20))]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--small", action="store_true", help="only the small set committed in tests/fuzz/seeds")
    a = ap.parse_args()
    o = Out(a.out, a.small)
    for f in (model_seeds, tensor_pb_seeds, npy_seeds, image_seeds, idx_seeds, cifar_seeds, annotation_seeds,
              usage_seeds, settings_seeds, workbench_seeds, archive_seeds):
        f(o)
    print("seeds: %s in %s (%.0f KiB)" % (", ".join("%s %d" % kv for kv in sorted(o.count.items())), a.out, o.bytes / 1024))


if __name__ == "__main__":
    sys.exit(main())
