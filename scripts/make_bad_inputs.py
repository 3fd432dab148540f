#!/usr/bin/python3
"""The malformed-input corpus: bad models, input files, datasets, configs and archives,
each with the command to run on it and the error it must produce.

    scripts/make_bad_inputs.py [--out .cache/bad_inputs]
    scripts/run_bad_inputs.py --calibra build/calibra --extract build/tests/bad_inputs/calibra_extract_check

Writes OUT/manifest.json: {"cases": [{"id", "tool", "args", "expect", "exit", "why"}]}.
`tool` is "calibra" (the CLI) or "extract" (tests/bad_inputs/extract_check.cpp: the
server's archive extraction, which the CLI does not expose). In `args`, "{dir}" is OUT and
"{src}" the repository. `expect` is a substring of the one-line error ("calibra: error:
..."), `exit` the exit code (1 bad input, 2 bad flags; 0 for the few inputs that are odd but
valid and must simply work). Needs Debian's python3-onnx, python3-numpy and python3-pil.
Deterministic: the same files on every run.
"""
import argparse
import gzip
import io
import json
import os
import random
import shutil
import struct
import sys
import tarfile
import zipfile
import zlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
F = TensorProto.FLOAT


class Corpus:
    def __init__(self, out):
        self.out, self.cases, self.ids = out, [], set()

    def path(self, rel):
        p = os.path.join(self.out, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        return p

    def write(self, rel, data):
        with open(self.path(rel), "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        return "{dir}/" + rel

    def case(self, cid, args, expect, exit=1, why="", tool="calibra", env=None):
        assert cid not in self.ids, cid
        self.ids.add(cid)
        self.cases.append({"id": cid, "tool": tool, "args": args, "expect": expect, "exit": exit, "why": why,
                           "env": env or {}})


# ---------------------------------------------------------------- models

def zipped(entries):
    """A deterministic zip (fixed timestamps) of (name, bytes) entries."""
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            zi = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
    return b.getvalue()


def vi(name, dims, elem=F):
    return helper.make_tensor_value_info(name, elem, dims)


def init(name, arr):
    return numpy_helper.from_array(np.asarray(arr), name)


def model(nodes, inputs, outputs, inits=(), opset=13, ir=8, domains=()):
    g = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    ops = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, 1) for d in domains]
    m = helper.make_model(g, opset_imports=ops, producer_name="bad-inputs")
    m.ir_version = ir
    return m


def conv_model(w=None, b=None, x_dims=(1, 1, 4, 4), opset=13):
    """x -> Conv(3x3, pad 1) -> Relu -> y: the well-formed base that cases break."""
    w = np.linspace(-1, 1, 18, dtype=np.float32).reshape(2, 1, 3, 3) if w is None else w
    inits = [init("w", w)] + ([init("b", b)] if b is not None else [])
    conv = helper.make_node("Conv", ["x", "w"] + (["b"] if b is not None else []), ["c"], name="conv", pads=[1, 1, 1, 1])
    relu = helper.make_node("Relu", ["c"], ["y"], name="relu")
    out_c = w.shape[0] if w.ndim >= 1 else 2
    return model([conv, relu], [vi("x", list(x_dims))], [vi("y", None)], inits, opset=opset)


def ser(m):
    return m.SerializeToString()


def parses(b):
    try:
        onnx.ModelProto().ParseFromString(b)
        return True
    except Exception:
        return False


def model_cases(c):
    base = ser(conv_model())
    good = c.write("model/good.onnx", base)
    demo = open(os.path.join(ROOT, "demo/demo_cnn.onnx"), "rb").read()

    c.case("model/missing", ["info", "{dir}/model/no_such.onnx"], "does not exist", why="wrong path")
    os.makedirs(c.path("model/a_folder.onnx/x"), exist_ok=True)
    c.case("model/folder", ["info", "{dir}/model/a_folder.onnx"], "is a folder, not a file")
    c.case("model/empty", ["info", c.write("model/empty.onnx", b"")], "the file is empty")
    # Truncations that protobuf cannot parse (checked with Python's protobuf).
    n = 0
    for frac in (0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99):
        cut = int(len(demo) * frac)
        while parses(demo[:cut]) and cut > 1:
            cut -= 1
        c.case("model/truncated_%02d" % int(frac * 100), ["info", c.write("model/truncated_%02d.onnx" % int(frac * 100), demo[:cut])],
               "protobuf parsing failed", why="truncated download")
    # Bit flips in the protobuf structure (the flipped file no longer parses).
    rng = random.Random(1234)
    while n < 8:
        b = bytearray(demo)
        pos = rng.randrange(len(b))
        b[pos] ^= 1 << rng.randrange(8)
        if parses(bytes(b)):
            continue
        c.case("model/bitflip_%d" % n, ["info", c.write("model/bitflip_%d.onnx" % n, bytes(b))], "protobuf parsing failed",
               why="bit flip at byte %d" % pos)
        n += 1
    c.case("model/png_as_model", ["info", c.write("model/image.onnx", b"\x89PNG\r\n\x1a\n" + bytes(64))], "not an ONNX model")
    c.case("model/text_as_model", ["info", c.write("model/text.onnx", "ir_version: 8\ngraph { }\n")], "not an ONNX model")
    c.case("model/tensor_as_model", ["info", c.write("model/tensor.onnx", init("t", np.zeros(3, np.float32)).SerializeToString())],
           "not an ONNX model")
    m = onnx.ModelProto()
    m.ir_version = 8
    c.case("model/no_graph", ["info", c.write("model/no_graph.onnx", ser(m))], "no graph or IR version")

    # Structure
    cyc = model([helper.make_node("Relu", ["b"], ["a"], name="n1"), helper.make_node("Relu", ["a"], ["b"], name="n2"),
                 helper.make_node("Add", ["x", "a"], ["y"], name="n3")], [vi("x", [2])], [vi("y", [2])])
    c.case("model/cycle", ["info", c.write("model/cycle.onnx", ser(cyc))], "cycle", why="graph with a cycle")
    self_loop = model([helper.make_node("Add", ["x", "y"], ["y"], name="loop")], [vi("x", [2])], [vi("y", [2])])
    c.case("model/self_loop", ["info", c.write("model/self_loop.onnx", ser(self_loop))], "cycle")
    dang = model([helper.make_node("Add", ["x", "ghost"], ["y"], name="add")], [vi("x", [2])], [vi("y", [2])])
    c.case("model/dangling_input", ["info", c.write("model/dangling.onnx", ser(dang))], "ghost", why="input nobody produces")
    miss = conv_model()
    del miss.graph.initializer[:]
    c.case("model/missing_initializer", ["info", c.write("model/missing_init.onnx", ser(miss))], "'w'",
           why="Conv weight neither input nor initializer")
    dup = model([helper.make_node("Relu", ["x"], ["y"], name="a"), helper.make_node("Neg", ["x"], ["y"], name="b")],
                [vi("x", [2])], [vi("y", [2])])
    c.case("model/duplicate_output", ["info", c.write("model/dup_output.onnx", ser(dup))], "'y'", why="two nodes write y")
    dupin = model([helper.make_node("Relu", ["x"], ["y"])], [vi("x", [2]), vi("x", [2])], [vi("y", [2])])
    c.case("model/duplicate_input", ["info", c.write("model/dup_input.onnx", ser(dupin))], "'x'")
    dupinit = conv_model()
    dupinit.graph.initializer.append(init("w", np.zeros((2, 1, 3, 3), np.float32)))
    c.case("model/duplicate_initializer", ["info", c.write("model/dup_init.onnx", ser(dupinit))], "initializer 'w' is defined twice")
    noout = model([helper.make_node("Relu", ["x"], ["r"])], [vi("x", [2])], [vi("y", [2])])
    c.case("model/output_not_produced", ["info", c.write("model/no_output.onnx", ser(noout))], "'y'")
    noname = conv_model()
    noname.graph.initializer[0].name = ""
    c.case("model/unnamed_initializer", ["info", c.write("model/unnamed_init.onnx", ser(noname))], "an initializer has no name")
    seq = model([helper.make_node("SequenceEmpty", [], ["s"])], [vi("x", [2])],
                [helper.make_tensor_sequence_value_info("s", F, None)])
    c.case("model/sequence_output", ["info", c.write("model/sequence.onnx", ser(seq))], "sequence")
    noshape = model([helper.make_node("Relu", ["x"], ["y"])], [helper.make_tensor_value_info("x", F, None)], [vi("y", None)])
    c.case("model/input_without_shape", ["run", c.write("model/no_input_shape.onnx", ser(noshape))], "ONNX checker: Field 'shape'")

    # Weights: wrong rank, wrong sizes, bad data
    c.case("model/weight_rank_2", ["run", c.write("model/w_rank2.onnx", ser(conv_model(w=np.ones((2, 9), np.float32))))],
           "Conv", why="Conv weight of rank 2")
    c.case("model/weight_rank_5", ["run", c.write("model/w_rank5.onnx", ser(conv_model(w=np.ones((2, 1, 3, 3, 1), np.float32))))],
           "ranks differ", why="crashed ONNX 1.12's shape inference")
    for attr, val in (("strides", [0, 1]), ("dilations", [1, 0])):
        m = conv_model()
        m.graph.node[0].attribute.append(helper.make_attribute(attr, val))
        c.case("model/conv_zero_" + attr, ["run", c.write("model/conv_zero_%s.onnx" % attr, ser(m))], "must be positive",
               why="integer division by zero in ONNX 1.12's shape inference")
    mp = model([helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[0, 0])], [vi("x", [1, 1, 4, 4])], [vi("y", None)])
    c.case("model/maxpool_zero_strides", ["run", c.write("model/maxpool_zero_strides.onnx", ser(mp))], "must be positive")
    huge_pads = conv_model()
    huge_pads.graph.node[0].attribute[0].CopyFrom(helper.make_attribute("pads", [1 << 62] * 4))
    c.case("model/conv_huge_pads", ["run", c.write("model/conv_huge_pads.onnx", ser(huge_pads))], "Conv")
    c.case("model/weight_channels", ["run", c.write("model/w_channels.onnx", ser(conv_model(w=np.ones((2, 3, 3, 3), np.float32))))],
           "Conv", why="weight expects 3 input channels, x has 1")
    c.case("model/bias_size", ["run", c.write("model/bias_size.onnx", ser(conv_model(b=np.ones(5, np.float32))))], "Conv")
    rawbad = conv_model()
    rawbad.graph.initializer[0].raw_data = rawbad.graph.initializer[0].raw_data[:-4]
    c.case("model/over_model_bytes_limit", ["info", "{src}/demo/demo_cnn.onnx"], "raise CALIBRA_MAX_MODEL_BYTES",
           env={"CALIBRA_MAX_MODEL_BYTES": "1000"}, why="a real model over a lowered size limit")
    c.case("model/raw_data_short", ["info", c.write("model/raw_short.onnx", ser(rawbad))], "'w'", why="raw_data 4 bytes short")
    typed = conv_model()
    t = typed.graph.initializer[0]
    t.ClearField("raw_data")
    t.float_data.extend([0.5] * 17)
    c.case("model/float_data_short", ["info", c.write("model/float_short.onnx", ser(typed))], "'w'")
    neg = conv_model()
    neg.graph.initializer[0].dims[0] = -2
    c.case("model/negative_dim", ["info", c.write("model/neg_dim.onnx", ser(neg))], "negative")
    badtype = conv_model()
    badtype.graph.initializer[0].data_type = 99
    c.case("model/unknown_dtype", ["info", c.write("model/bad_dtype.onnx", ser(badtype))], "tensor data type 99 is not supported")
    strw = conv_model()
    strw.graph.initializer[0].CopyFrom(helper.make_tensor("w", TensorProto.STRING, [1], [b"abc"]))
    c.case("model/string_weight", ["info", c.write("model/string_w.onnx", ser(strw))], "string tensors are not supported")

    # Allocation bombs: absurd sizes must be refused before anything is allocated.
    for name, dims, expect in (("init_2e40", [1 << 20, 1 << 20], "exceeds the element limit"),
                               ("init_1e9", [1000, 1000, 1000], "needs 4000000000"),
                               ("init_2e62", [1 << 31, 1 << 31], "exceeds the element limit")):
        bomb = conv_model()
        t = bomb.graph.initializer[0]
        del t.dims[:]
        t.dims.extend(dims)
        c.case("model/bomb_" + name, ["info", c.write("model/bomb_%s.onnx" % name, ser(bomb))], expect,
               why="initializer declares %s elements without the data" % dims)
    big_in = conv_model(x_dims=(100000, 1, 100000, 100000))
    c.case("model/bomb_input_dims", ["run", c.write("model/bomb_input.onnx", ser(big_in))], "exceeds the element limit",
           why="input declared 1e15 elements: run feeds random inputs of that shape")
    c.case("model/bomb_input_dims_info", ["info", "{dir}/model/bomb_input.onnx"], "", exit=0,
           why="info describes the model (the sample run is skipped)")
    huge = conv_model(x_dims=(1 << 40, 1, 4, 4))
    c.case("model/bomb_input_batch", ["run", c.write("model/bomb_batch.onnx", ser(huge))], "exceeds the element limit")
    shape = init("shape", np.array([1 << 20, 1 << 20], np.int64))
    cos = model([helper.make_node("ConstantOfShape", ["shape"], ["z"], value=helper.make_tensor("v", F, [1], [1.0])),
                 helper.make_node("Add", ["x", "z"], ["y"])], [vi("x", [1])], [vi("y", None)], [shape])
    c.case("model/bomb_constant_of_shape", ["run", c.write("model/bomb_cos.onnx", ser(cos))], "exceeds")
    rs = model([helper.make_node("Reshape", ["x", "s"], ["r"]), helper.make_node("Expand", ["r", "e"], ["y"])],
               [vi("x", [1])], [vi("y", None)], [init("s", np.array([1, 1], np.int64)), init("e", np.array([1 << 30, 1 << 30], np.int64))])
    c.case("model/bomb_expand", ["run", c.write("model/bomb_expand.onnx", ser(rs))], "exceeds")
    rz = model([helper.make_node("Resize", ["x", "", "sc"], ["y"], mode="nearest")], [vi("x", [1, 1, 4, 4])], [vi("y", None)],
               [init("sc", np.array([1, 1, 1e6, 1e6], np.float32))])
    c.case("model/bomb_resize", ["run", c.write("model/bomb_resize.onnx", ser(rz))], "exceeds")
    pad = model([helper.make_node("Pad", ["x", "p"], ["y"])], [vi("x", [1, 4])], [vi("y", None)],
                [init("p", np.array([0, 1 << 40, 0, 1 << 40], np.int64))], opset=13)
    c.case("model/bomb_pad", ["run", c.write("model/bomb_pad.onnx", ser(pad))], "exceeds")

    # Opsets and ops
    for op in (18, 99, 1 << 40):
        c.case("model/opset_%d" % op, ["info", c.write("model/opset_%d.onnx" % op, ser(conv_model(opset=op)))],
               "newer than Calibra supports")
    zero = conv_model()
    zero.opset_import[0].version = 0
    c.case("model/opset_0", ["info", c.write("model/opset_0.onnx", ser(zero))], "No Op registered for Conv with domain_version of 0")
    custom = model([helper.make_node("FancyOp", ["x"], ["y"], domain="com.example")], [vi("x", [2])], [vi("y", [2])],
                   domains=["com.example"])
    c.case("model/custom_op", ["run", c.write("model/custom_op.onnx", ser(custom))], "unsupported op")
    unk = model([helper.make_node("NoSuchOp", ["x"], ["y"])], [vi("x", [2])], [vi("y", [2])])
    c.case("model/unknown_op", ["info", c.write("model/unknown_op.onnx", ser(unk))], "NoSuchOp")
    unsup = model([helper.make_node("Det", ["x"], ["y"])], [vi("x", [2, 2])], [vi("y", None)])
    c.case("model/unsupported_op", ["run", c.write("model/unsupported_op.onnx", ser(unsup))], "unsupported op")
    ir = conv_model()
    ir.ir_version = 0
    c.case("model/ir_version_0", ["info", c.write("model/ir0.onnx", ser(ir))], "no graph or IR version")

    # External data
    def ext_model(location, length=72, offset=0):
        m = conv_model()
        t = m.graph.initializer[0]
        t.ClearField("raw_data")
        t.data_location = TensorProto.EXTERNAL
        for k, v in (("location", location), ("offset", str(offset)), ("length", str(length))):
            e = t.external_data.add()
            e.key, e.value = k, v
        return ser(m)

    c.write("model/ext/weights.bin", np.linspace(-1, 1, 18, dtype=np.float32).tobytes())
    c.write("secret.bin", bytes(72))
    c.case("model/ext_ok", ["run", c.write("model/ext/ok.onnx", ext_model("weights.bin"))], "", exit=0)
    c.case("model/ext_dotdot", ["info", c.write("model/ext/dotdot.onnx", ext_model("../../secret.bin"))],
           "points outside the model's folder")
    c.case("model/ext_dotdot_nested", ["info", c.write("model/ext/dotdot2.onnx", ext_model("sub/../../../secret.bin"))],
           "points outside the model's folder")
    c.case("model/ext_absolute", ["info", c.write("model/ext/absolute.onnx", ext_model("/etc/passwd"))], "absolute")
    c.case("model/ext_missing", ["info", c.write("model/ext/missing.onnx", ext_model("nope.bin"))], "doesn't exist")
    c.case("model/ext_short", ["info", c.write("model/ext/short.onnx", ext_model("weights.bin", offset=8))], "too short")
    c.case("model/ext_length", ["info", c.write("model/ext/length.onnx", ext_model("weights.bin", length=10))],
           "does not match its shape")
    c.case("model/ext_negative_offset", ["info", c.write("model/ext/neg_offset.onnx", ext_model("weights.bin", offset=-8))], "negative external data offset")
    c.case("model/ext_huge_offset", ["info", c.write("model/ext/huge_offset.onnx", ext_model("weights.bin", offset=1 << 62))], "is too short")
    c.case("model/ext_folder", ["info", c.write("model/ext/folder.onnx", ext_model("."))], "is missing")

    # Odd but valid: must work
    nan = conv_model(w=np.array([np.nan, np.inf, -np.inf] + [0.5] * 15, np.float32).reshape(2, 1, 3, 3))
    c.case("model/nan_weights_run", ["run", c.write("model/nan_weights.onnx", ser(nan))], "", exit=0,
           why="NaN/Inf weights: runs (NaN outputs)")
    zero_out = conv_model(w=np.zeros((0, 1, 3, 3), np.float32))
    c.case("model/zero_size_weight", ["run", c.write("model/zero_weight.onnx", ser(zero_out))], "", exit=0,
           why="Conv with 0 output channels: an empty output")
    zin = model([helper.make_node("Relu", ["x"], ["y"])], [vi("x", [0, 3])], [vi("y", None)])
    c.case("model/zero_size_input", ["run", c.write("model/zero_input.onnx", ser(zin))], "", exit=0)
    zinit = model([helper.make_node("Concat", ["x", "z"], ["y"], axis=0)], [vi("x", [2, 3])], [vi("y", None)],
                  [init("z", np.zeros((0, 3), np.float32))])
    c.case("model/zero_size_initializer", ["run", c.write("model/zero_init.onnx", ser(zinit))], "", exit=0)
    # NaN/Inf weights cannot be quantized
    c.case("model/nan_weights_calibrate", ["calibrate", "{dir}/model/nan_weights.onnx", "-d", "{dir}/data/calib",
                                           "-o", "{dir}/out/nan_int8.onnx", "--subset", "4"], "NaN", why="INT8 needs finite weights")
    # A model that fails shape inference
    bad_reshape = model([helper.make_node("Reshape", ["x", "s"], ["y"])], [vi("x", [2, 3])], [vi("y", None)],
                        [init("s", np.array([4, 4], np.int64))])
    c.case("model/reshape_mismatch", ["run", c.write("model/reshape_bad.onnx", ser(bad_reshape))], "Reshape")
    mm = model([helper.make_node("MatMul", ["x", "w"], ["y"])], [vi("x", [2, 3])], [vi("y", None)],
               [init("w", np.ones((4, 5), np.float32))])
    c.case("model/matmul_mismatch", ["run", c.write("model/matmul_bad.onnx", ser(mm))], "MatMul")
    dz = model([helper.make_node("Div", ["x", "z"], ["y"])], [vi("x", [2], TensorProto.INT64)], [vi("y", None, TensorProto.INT64)],
               [init("z", np.array([0, 0], np.int64))])
    c.case("model/int_division_by_zero", ["run", c.write("model/div_zero.onnx", ser(dz))], "division by zero")
    gi = model([helper.make_node("Gather", ["d", "x"], ["y"])], [vi("x", [1], TensorProto.INT64)], [vi("y", None)],
               [init("d", np.ones((3,), np.float32))])
    c.case("model/gather_out_of_range", ["run", c.write("model/gather_idx.onnx", ser(gi)), "-i",
                                         "x=" + c.write("model/gather_idx_input.npy", npy(np.array([7], np.int64)))],
           "out of range")
    return good


# ---------------------------------------------------------------- input files

def npy(a, version=(1, 0)):
    b = io.BytesIO()
    np.lib.format.write_array(b, a, version=version, allow_pickle=False)
    return b.getvalue()


def npy_header(header, data=b"", major=1):
    h = header.encode()
    if major == 1:
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h + data
    return b"\x93NUMPY" + bytes([major, 0]) + struct.pack("<I", len(h)) + h + data


def input_cases(c, good):
    x = np.ones((1, 1, 4, 4), np.float32)
    ok = npy(x)

    def run(cid, rel, data, expect, why=""):
        c.case("input/" + cid, ["run", good, "-i", "x=" + c.write("input/" + rel, data)], expect, why=why)

    c.case("input/npy_ok", ["run", good, "-i", "x=" + c.write("input/ok.npy", ok)], "", exit=0)
    run("npy_empty", "empty.npy", b"", "is not a .npy file")
    run("npy_bad_magic", "magic.npy", b"\x93NUMPX" + ok[6:], "is not a .npy file")
    run("npy_text", "text.npy", "1 2 3\n", "is not a .npy file")
    run("npy_truncated_9", "trunc_9.npy", ok[:9], "is not a .npy file")
    for cut in (20, 60, len(ok) - 1):
        run("npy_truncated_%d" % cut, "trunc_%d.npy" % cut, ok[:cut], "truncated")
    run("npy_header_len_huge", "hlen.npy", b"\x93NUMPY\x01\x00\xff\xff" + ok[10:], "truncated")
    run("npy_v2_header_len_huge", "hlen2.npy", b"\x93NUMPY\x02\x00\xff\xff\xff\xff" + ok[10:], "truncated")
    run("npy_version_9", "v9.npy", b"\x93NUMPY\x09\x00" + ok[8:], "format version")
    run("npy_big_endian", "be.npy", npy(x.astype(">f4")), "not supported")
    run("npy_complex", "complex.npy", npy(np.ones((1, 1, 4, 4), np.complex64)), "not supported")
    run("npy_object", "object.npy", npy_header("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", bytes(8)),
        "not supported")
    run("npy_fortran", "fortran.npy", npy(np.asfortranarray(np.ones((1, 2, 4, 4), np.float32))), "Fortran")
    run("npy_shape_garbage", "shape.npy", npy_header("{'descr': '<f4', 'fortran_order': False, 'shape': (1, x, 4), }", bytes(64)),
        "malformed .npy shape")
    run("npy_shape_missing", "noshape.npy", npy_header("{'descr': '<f4', 'fortran_order': False}", bytes(64)),
        "malformed .npy shape")
    run("npy_shape_negative", "negshape.npy", npy_header("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 4), }", bytes(64)),
        "malformed .npy shape")
    run("npy_bomb", "bomb.npy", npy_header("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 100000), }"),
        "exceeds the element limit", why="header promises 1e15 elements")
    run("npy_bomb_digits", "bomb2.npy", npy_header("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }"),
        "too large")
    run("npy_wrong_shape", "wrong_shape.npy", npy(np.ones((1, 1, 5, 5), np.float32)), "has shape")
    run("npy_wrong_dtype", "wrong_dtype.npy", npy(np.ones((1, 1, 4, 4), np.int64)), "is int64 but the model expects float32")
    run("npy_scalar", "scalar.npy", npy(np.float32(1)), "has shape")
    run("npy_zero_size", "zero.npy", npy(np.ones((0, 1, 4, 4), np.float32)), "has shape")
    run("input_txt", "x.txt", "1 2 3", "must be .npy or .pb")
    c.case("input/missing_file", ["run", good, "-i", "x={dir}/input/nope.npy"], "does not exist")
    c.case("input/wrong_name", ["run", good, "-i", "nosuch=" + c.write("input/ok2.npy", ok)], "has no input named", exit=2)

    t = numpy_helper.from_array(x, "x")
    c.case("input/pb_ok", ["run", good, "-i", "x=" + c.write("input/ok.pb", t.SerializeToString())], "", exit=0)
    run("pb_garbage", "garbage.pb", bytes(range(256)) * 4, "not a serialized ONNX TensorProto")
    tb = t.SerializeToString()
    run("pb_truncated", "trunc.pb", tb[:len(tb) // 2], "is not a serialized ONNX TensorProto")
    short = numpy_helper.from_array(x, "x")
    short.raw_data = short.raw_data[:-4]
    run("pb_raw_short", "raw_short.pb", short.SerializeToString(), "raw data has")
    neg = numpy_helper.from_array(x, "x")
    neg.dims[0] = -1
    run("pb_negative_dim", "neg.pb", neg.SerializeToString(), "negative dimension")
    bomb = TensorProto(name="x", data_type=F, dims=[100000, 100000, 100000])
    run("pb_bomb", "bomb.pb", bomb.SerializeToString(), "exceeds the element limit")
    bomb2 = TensorProto(name="x", data_type=F, dims=[1000, 1000, 1000])
    run("pb_bomb_1e9", "bomb_1e9.pb", bomb2.SerializeToString(), "has 0 values but its shape needs 1000000000",
        why="1e9 elements (under the default limit) without data: refused before allocating 4 GB")
    st = helper.make_tensor("x", TensorProto.STRING, [1], [b"a"])
    run("pb_string", "string.pb", st.SerializeToString(), "string tensors are not supported")
    und = TensorProto(name="x", data_type=0, dims=[1])
    run("pb_undefined_dtype", "undef.pb", und.SerializeToString(), "data type 0 is not supported")
    ext = TensorProto(name="x", data_type=F, dims=[1, 1, 4, 4])
    ext.data_location = TensorProto.EXTERNAL
    e = ext.external_data.add()
    e.key, e.value = "location", "../secret.bin"
    run("pb_external_dotdot", "ext_dotdot.pb", ext.SerializeToString(), "points outside")
    e.value = "/etc/passwd"
    run("pb_external_absolute", "ext_abs.pb", ext.SerializeToString(), "absolute")
    i64 = numpy_helper.from_array(np.ones((1, 1, 4, 4), np.int64), "x")
    run("pb_wrong_dtype", "i64.pb", i64.SerializeToString(), "is int64 but the model expects float32")


# ---------------------------------------------------------------- datasets

def be32(v):
    return struct.pack(">I", v)


def gz(b):
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as f:
        f.write(b)
    return out.getvalue()


def png_bytes(w, h, gray=True, rows=None):
    """A PNG written by hand (so that it can lie): IHDR says w x h; rows default to all zeros."""
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0 if gray else 2, 0, 0, 0)
    if rows is None:
        comp = zlib.compressobj(9)
        line = b"\x00" + bytes(w * (1 if gray else 3))
        data = b"".join(comp.compress(line) for _ in range(h)) + comp.flush()
    else:
        data = zlib.compress(rows)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def pil_image(w, h, fmt, mode="L"):
    from PIL import Image
    img = Image.frombytes(mode, (w, h), bytes((i * 37) % 256 for i in range(w * h * len(mode))))
    b = io.BytesIO()
    img.save(b, fmt)
    return b.getvalue()


def dataset_cases(c):
    fm = "{src}/zoo/fmnist_resnet.onnx"   # [batch,1,28,28] -> 10 classes
    cfg = c.write("data/gray28.usage.json", json.dumps({"preprocessing": {"color": "gray", "resize": {"mode": "exact", "height": 28, "width": 28}}}))

    def ev(cid, spec, expect, extra=(), exit=1, why="", env=None):
        c.case("dataset/" + cid, ["eval", fm, "-d", spec, "-c", cfg] + list(extra), expect, exit=exit, why=why, env=env)

    # A good folder used by several cases (and by the calibrate cases).
    png = pil_image(28, 28, "PNG")
    for i in range(4):
        c.write("data/calib/img%d.png" % i, png)
    c.write("data/calib/val.txt", "".join("img%d.png %d\n" % (i, i) for i in range(4)))
    ev("folder_ok", "{dir}/data/calib", "", exit=0)

    # IDX
    def idx(n, r, cl, body=None):
        return be32(0x803) + be32(n) + be32(r) + be32(cl) + (bytes(n * r * cl) if body is None else body)

    lab = lambda n, labels=None: be32(0x801) + be32(n) + bytes(labels if labels is not None else [i % 10 for i in range(n)])
    c.write("data/idx_ok/t-images-idx3-ubyte", idx(5, 28, 28))
    c.write("data/idx_ok/t-labels-idx1-ubyte", lab(5))
    ev("idx_ok", "{dir}/data/idx_ok/t-images-idx3-ubyte", "", exit=0)
    ev("idx_bad_magic", c.write("data/idx_magic/a-images-idx3-ubyte", be32(0x802) + idx(1, 28, 28)[4:]), "does not start with the IDX magic")
    ev("idx_truncated", c.write("data/idx_trunc/a-images-idx3-ubyte", idx(5, 28, 28)[:-100]), "truncated?")
    ev("idx_count_lies", c.write("data/idx_count/a-images-idx3-ubyte", idx(1 << 31, 28, 28, bytes(784))), "header promises")
    ev("idx_huge_image", c.write("data/idx_huge/a-images-idx3-ubyte", idx(1, 1 << 20, 1 << 20, b"")), "bad image size")
    ev("idx_zero_rows", c.write("data/idx_zero/a-images-idx3-ubyte", idx(1, 0, 28, b"")), "bad image size")
    ev("idx_empty", c.write("data/idx_none/a-images-idx3-ubyte", idx(0, 28, 28)), "holds no images")
    ev("idx_short_file", c.write("data/idx_short/a-images-idx3-ubyte", b"\x00\x00\x08"), "does not start with the IDX magic")
    c.write("data/idx_lab/a-images-idx3-ubyte", idx(5, 28, 28))
    c.write("data/idx_lab/a-labels-idx1-ubyte", lab(4))
    ev("idx_label_count", "{dir}/data/idx_lab/a-images-idx3-ubyte", "4 labels for 5 images")
    c.write("data/idx_labmagic/a-images-idx3-ubyte", idx(5, 28, 28))
    c.write("data/idx_labmagic/a-labels-idx1-ubyte", be32(0x803) + lab(5)[4:])
    ev("idx_label_magic", "{dir}/data/idx_labmagic/a-images-idx3-ubyte", "does not start with the IDX magic 0x00000801")
    c.write("data/idx_range/a-images-idx3-ubyte", idx(5, 28, 28))
    c.write("data/idx_range/a-labels-idx1-ubyte", lab(5, [0, 1, 2, 200, 3]))
    ev("idx_label_out_of_range", "{dir}/data/idx_range/a-images-idx3-ubyte", "classes but the dataset has",
       why="label 200 for a 10-class model")
    g = gz(idx(5, 28, 28))
    ev("idx_gz_truncated", c.write("data/idx_gz/a-images-idx3-ubyte.gz", g[:len(g) // 2]), "truncated or corrupt gzip")
    bad = bytearray(g)
    bad[len(bad) // 2] ^= 0xff
    ev("idx_gz_corrupt", c.write("data/idx_gzc/a-images-idx3-ubyte.gz", bytes(bad)), "corrupt")
    ev("idx_gz_not_gzip_tail", c.write("data/idx_gzt/a-images-idx3-ubyte.gz", g + b"garbage"), "", exit=0,
       why="trailing garbage after the gzip stream is ignored, as gzip -d does")
    zeros = gz(bytes(64 << 20))
    ev("idx_gz_bomb", c.write("data/idx_bomb/a-images-idx3-ubyte.gz", zeros), "does not start with the IDX magic",
       why="64 MiB of zeros in %d KiB: read, then refused" % (len(zeros) >> 10))
    ev("idx_labels_missing", "idx:{dir}/data/idx_ok/t-images-idx3-ubyte,{dir}/data/idx_ok/none", "does not exist")

    # CIFAR
    rec = lambda label: bytes([label]) + bytes(3072)
    ev("cifar_size", c.write("data/cifar/size.bin", rec(1) + b"xy"), "is not a CIFAR binary batch")
    ev("cifar_label", c.write("data/cifar/label.bin", rec(1) + rec(10)), "out of range for CIFAR-10")
    ev("cifar_empty", c.write("data/cifar/empty.bin", b""), "is not a CIFAR binary batch")
    ev("cifar_png", c.write("data/cifar/image.bin", png), "is not a CIFAR binary batch")
    os.makedirs(c.path("data/cifar_none/x"), exist_ok=True)
    ev("cifar_no_batches", "cifar:{dir}/data/cifar_none", "no CIFAR test batches")
    c.write("data/cifar_mixed/data_batch_1.bin", rec(1))
    c.write("data/cifar_mixed/data_batch_2.bin", bytes([1, 2]) + bytes(3072))
    ev("cifar_mixed", "cifar:{dir}/data/cifar_mixed:train", "mixes CIFAR-10 and CIFAR-100")
    ev("cifar_missing", "cifar:{dir}/data/cifar/none.bin", "does not exist")
    ev("cifar_gz_truncated", c.write("data/cifar/trunc.bin", gz(rec(1) * 3)[:-20]), "truncated or corrupt gzip")

    # Folders and annotation files
    def folder(cid, files, expect, why="", extra=(), exit=1, env=None):
        d = "data/" + cid
        for name, data in files.items():
            c.write(d + "/" + name, data)
        if not files:
            os.makedirs(c.path(d), exist_ok=True)
        ev("folder_" + cid, "{dir}/" + d, expect, extra=extra, exit=exit, why=why, env=env)

    folder("val_bad_line", {"a.png": png, "val.txt": "a.png\n"}, "line 1: expected 'FILE LABEL'")
    folder("val_extra_field", {"a.png": png, "val.txt": "a.png 1 2\n"}, "expected 'FILE LABEL'")
    folder("val_negative_label", {"a.png": png, "val.txt": "a.png -3\n"}, "is not a non-negative integer")
    folder("val_label_text", {"a.png": png, "val.txt": "a.png cat\n"}, "is not a non-negative integer")
    folder("val_label_huge", {"a.png": png, "val.txt": "a.png 99999999999999999999\n"}, "is not a non-negative integer")
    folder("val_label_range", {"a.png": png, "val.txt": "a.png 10\n"}, "classes but the dataset has",
           why="label 10 for a 10-class model")
    folder("val_labels_txt_range", {"a.png": png, "labels.txt": "a\nb\n", "val.txt": "a.png 2\n"},
           "out of range (labels.txt lists 2 classes)")
    folder("val_dotdot", {"a.png": png, "val.txt": "../calib/img0.png 1\n"}, "points outside the dataset folder")
    folder("val_dotdot_deep", {"a.png": png, "val.txt": "sub/../../../../etc/passwd 1\n"}, "points outside the dataset folder")
    folder("val_absolute", {"a.png": png, "val.txt": "/etc/passwd 1\n"}, "is an absolute path")
    folder("val_missing_file", {"a.png": png, "val.txt": "a.png 1\nb.png 2\n"}, "file 'b.png' does not exist")
    folder("val_empty", {"a.png": png, "val.txt": "# nothing\n\n"}, "lists no images")
    folder("val_binary", {"a.png": png, "val.txt": bytes(range(256))}, "expected 'FILE LABEL'")
    folder("val_points_to_folder", {"a.png": png, "sub/x.png": png, "val.txt": "sub 1\n"}, "is a folder, not a file")
    folder("not_an_image", {"a.jpg": b"GIF89a" + bytes(40)}, "not a JPEG or PNG image")
    folder("gif_named_png", {"a.png": pil_image(4, 4, "GIF")}, "not a JPEG or PNG image")
    folder("empty_image", {"a.png": b""}, "not a JPEG or PNG image")
    folder("no_images", {"readme.txt": "hi"}, "has no .jpg/.jpeg/.png images")
    folder("empty", {}, "has no .jpg/.jpeg/.png images")
    folder("png_lies_size", {"a.png": png_bytes(100000, 100000, rows=b"\x00" * 10)}, "larger than the pixel limit",
           why="IHDR claims 1e10 pixels")
    folder("png_lies_size_2", {"a.png": png_bytes(1 << 30, 1, rows=b"\x00" * 10)}, "larger than the pixel limit",
           why="IHDR claims 2^30 x 1")
    folder("over_pixel_env_limit", {"a.png": png}, "CALIBRA_MAX_IMAGE_PIXELS raises it", env={"CALIBRA_MAX_IMAGE_PIXELS": "100"},
           why="a real image over a lowered limit")
    folder("png_truncated", {"a.png": png[:len(png) // 2]}, "unreadable PNG")
    folder("png_wide_truncated", {"a.png": png_bytes(16000, 16000, rows=b"\x00" * 100)}, "unreadable PNG",
           why="header within the pixel limit, data missing: decoding fails")
    folder("png_bad_crc", {"a.png": png[:-5] + bytes([png[-5] ^ 0xff]) + png[-4:]}, "unreadable PNG")
    jpg = pil_image(28, 28, "JPEG")
    folder("jpeg_truncated_header", {"a.jpg": jpg[:20]}, "unreadable JPEG")
    folder("jpeg_garbage_after_soi", {"a.jpg": b"\xff\xd8\xff" + bytes(100)}, "unreadable JPEG")
    folder("jpeg_lies_size", {"a.jpg": jpg_with_size(jpg, 60000, 60000)}, "larger than the pixel limit")
    folder("mixed_sizes_no_resize", {"a.png": png, "b.png": pil_image(20, 20, "PNG"), "val.txt": "a.png 0\nb.png 1\n"}, "",
           exit=0, why="the usage config resizes: mixed sizes are fine")
    folder("classes_missing_folder", {"cat/a.png": png, "labels.txt": "cat\ndog\n"}, "names class folder 'dog'")
    folder("skip_bad_all_bad", {"a.png": b"junk", "b.png": b"junk"}, "no readable images", extra=["--skip-bad"])
    folder("skip_bad_some_bad", {"a.png": png, "b.png": b"junk"}, "", extra=["--skip-bad"], exit=0)
    ev("spec_missing", "{dir}/data/nope", "does not exist")
    ev("spec_unknown_file", c.write("data/what.txt", "hello"), "cannot tell what dataset")
    ev("spec_fashion_split", "fashion-mnist:validation", "unknown Fashion-MNIST split")
    ev("spec_generated_bad", "generated:-5", "generated:N needs a positive count")
    ev("spec_empty", "", "empty dataset spec")
    ev("annotation_missing", "folder:{dir}/data/calib:nope.txt", "annotation file")
    c.case("dataset/calibrate_generated", ["calibrate", "{src}/zoo/fmnist_resnet.onnx", "-d", "generated:10", "-o",
                                           "{dir}/out/g.onnx"], "a generated dataset cannot be used for INT8 calibration")
    c.case("dataset/calibrate_bad_subset", ["calibrate", "{src}/zoo/fmnist_resnet.onnx", "-d", "{dir}/data/calib", "-o",
                                            "{dir}/out/s.onnx", "--subset", "-3"], "--subset must be a positive count", exit=2)


def jpg_with_size(jpg, w, h):
    """Rewrites the SOF0 frame size of a baseline JPEG."""
    b = bytearray(jpg)
    i = 2
    while i < len(b) - 9:
        if b[i] == 0xFF and b[i + 1] in (0xC0, 0xC1, 0xC2):
            b[i + 5:i + 7] = struct.pack(">H", h)
            b[i + 7:i + 9] = struct.pack(">H", w)
            return bytes(b)
        seg = struct.unpack(">H", b[i + 2:i + 4])[0]
        i += 2 + seg
    raise ValueError("no SOF marker")


# ---------------------------------------------------------------- configs

def config_cases(c, good):
    fm = "{src}/zoo/fmnist_resnet.onnx"

    def usage(cid, text, expect, why=""):
        c.case("config/usage_" + cid, ["eval", fm, "-d", "{dir}/data/calib", "-c", c.write("config/usage_%s.json" % cid, text)],
               expect, why=why)

    usage("not_json", "{preprocessing: }", "is not valid JSON")
    usage("empty", "", "is not valid JSON")
    usage("number_overflow", '{"label_offset": 1e400}', "is not valid JSON", why="nlohmann throws out_of_range for 1e400")
    usage("array", "[1, 2]", "must be a JSON object")
    usage("unknown_field", '{"preprocesing": {}}', "unknown field 'preprocesing'")
    usage("wrong_type", '{"preprocessing": {"mean": "0.5"}}', "preprocessing.mean: has the wrong type")
    usage("resize_bomb", '{"preprocessing": {"color": "gray", "resize": {"mode": "exact", "height": 100000, "width": 100000}}}',
          "exceeds the tensor element limit", why="a 1e10-pixel resize target")
    usage("shorter_bomb", '{"preprocessing": {"color": "gray", "resize": {"mode": "shorter", "size": 4611686018427387904}}}',
          "exceeds the tensor element limit", why="size * width overflows int64")
    usage("divide_zero", '{"preprocessing": {"color": "gray", "divide": 0}}', "divide must be positive")
    usage("label_offset", '{"preprocessing": {"color": "gray"}, "label_offset": 5000}', "label_offset must be 0..1000")
    usage("label_offset_float", '{"label_offset": 1e300}', "label_offset: the number is out of range",
          why="was a float -> int64 conversion out of range (UB)")
    usage("mean_float_overflow", '{"preprocessing": {"color": "gray", "mean": [1e300]}}', "preprocessing.mean: the number is out of range",
          why="was a double -> float conversion out of range (UB)")
    usage("resize_height_float", '{"preprocessing": {"resize": {"mode": "exact", "height": 1e30, "width": 28}}}',
          "preprocessing.resize.height: the number is out of range")
    usage("color", '{"preprocessing": {"color": "cmyk"}}', "color is 'cmyk'")
    usage("layout", '{"preprocessing": {"color": "gray", "layout": "CHWN"}}', "layout must be NCHW or NHWC")
    usage("interpolation", '{"preprocessing": {"resize": {"mode": "exact", "height": 28, "width": 28, "interpolation": "cubic"}}}',
          "bilinear or nearest")
    usage("crop_too_big", '{"preprocessing": {"color": "gray", "resize": {"mode": "exact", "height": 28, "width": 28}, '
                          '"crop": {"height": 64, "width": 64}}}', "does not fit")
    usage("mean_count", '{"preprocessing": {"color": "gray", "mean": [1, 2]}}', "mean has 2 values for 1 channels")
    usage("std_zero", '{"preprocessing": {"color": "gray", "std": [0]}}', "std values must be non-zero")
    usage("task", '{"task": "detection"}', "task 'detection' is not supported")
    usage("deep_nesting", "[" * 400000 + "]" * 400000, "must be a JSON object", why="400000 nested arrays")
    usage("too_big", '{"task": "' + "x" * (1 << 20) + '"}', "larger than the limit")

    def settings(cid, text, expect, why="", exit=1):
        c.case("config/settings_" + cid, ["bench", good, "-n", "3", "--settings", c.write("config/settings_%s.json" % cid, text)],
               expect, why=why, exit=exit)

    settings("not_json", "{batch: 1}", "is not valid JSON")
    settings("unknown", '{"batches": 4}', "unknown field 'batches'")
    settings("wrong_type", '{"batch": "4"}', "batch: has the wrong type")
    settings("negative_batch", '{"batch": -1}', "batch must be at least 1")
    settings("threads", '{"threads": 1000}', "more than this machine's")
    settings("streams", '{"streams": 0}', "streams must be at least 1")
    settings("threads_float_huge", '{"threads": 1e30}', "threads: the number is out of range", why="was a float -> int conversion out of range (UB)")
    settings("batch_int_huge", '{"batch": 18446744073709551615}', "batch: the number is out of range")
    c.case("config/settings_batch_bomb", ["bench", c.write("config/dynamic.onnx", ser(conv_model(x_dims=("N", 1, 4, 4)))), "-n", "3",
                                          "--settings", c.write("config/settings_batch_bomb.json", '{"batch": 1000000000000}')],
           "exceed the element limit", why="random inputs of 1e12 x 16 floats")
    settings("fixed_batch", '{"batch": 2}', "fixed batch of 1")
    settings("overflow", '{"iterations": 1e400}', "is not valid JSON")


# ---------------------------------------------------------------- CLI misuse

def cli_cases(c, good):
    c.case("cli/unknown_command", ["frobnicate"], "unknown command 'frobnicate'", exit=2)
    c.case("cli/no_model", ["info"], "MODEL is required", exit=2)
    c.case("cli/bad_threads", ["run", good, "-t", "-4"], "--threads", exit=2)
    c.case("cli/bad_batch", ["run", good, "-b", "0"], "--batch", exit=2)
    c.case("cli/input_form", ["run", "{src}/tests/fuzz/seeds/model/node_test_concat_2d_axis_0.onnx", "-i", "x.npy"],
           "needs the form NAME=FILE", exit=2)


# ---------------------------------------------------------------- archives

def archive_cases(c):
    png = pil_image(8, 8, "PNG")

    def tar(entries, mode="w", members=()):
        b = io.BytesIO()
        with tarfile.open(fileobj=b, mode=mode, format=tarfile.GNU_FORMAT) as t:
            for name, data in entries:
                ti = tarfile.TarInfo(name)
                ti.size, ti.mtime = len(data), 0
                t.addfile(ti, io.BytesIO(data))
            for ti in members:
                t.addfile(ti)
        return b.getvalue()

    def ex(cid, rel, data, expect, extra=(), exit=1, why=""):
        c.case("archive/" + cid, [c.write("archive/" + rel, data)] + list(extra), expect, exit=exit, why=why, tool="extract")

    good = [("ds/val.txt", b"a.png 0\n"), ("ds/a.png", png)]
    ex("ok_tar_gz", "ok.tar.gz", tar(good, "w:gz"), "", exit=0)
    ex("ok_zip", "ok.zip", zipped(good), "", exit=0)
    ex("dotdot_tar", "dotdot.tar", tar([("ds/../../evil.txt", b"x")]), "has a '..' component")
    ex("dotdot_zip", "dotdot.zip", zipped([("../evil.txt", b"x")]), "has a '..' component")
    ex("dotdot_backslash_zip", "dotdot_bs.zip", zipped([("ds\\..\\..\\evil.txt", b"x")]), "has a '..' component")
    ex("absolute_tar", "absolute.tar", tar([("/tmp/calibra-evil.txt", b"x")]), "")
    ex("absolute_zip", "absolute.zip", zipped([("/tmp/calibra-evil.txt", b"x")]), "")
    sym = tarfile.TarInfo("ds/link.png")
    sym.type, sym.linkname = tarfile.SYMTYPE, "/etc/passwd"
    ex("symlink", "symlink.tar", tar(good, members=[sym]), "is a link")
    hard = tarfile.TarInfo("ds/hard.png")
    hard.type, hard.linkname = tarfile.LNKTYPE, "ds/a.png"
    ex("hardlink", "hardlink.tar", tar(good, members=[hard]), "is a link")
    dev = tarfile.TarInfo("ds/dev")
    dev.type, dev.devmajor, dev.devminor = tarfile.CHRTYPE, 1, 3
    ex("device", "device.tar", tar(good, members=[dev]), "is not a regular file or folder")
    fifo = tarfile.TarInfo("ds/fifo")
    fifo.type = tarfile.FIFOTYPE
    ex("fifo", "fifo.tar", tar(good, members=[fifo]), "is not a regular file or folder")
    ex("duplicate_entry", "dup.tar", tar(good + [("ds/a.png", png)]), "appears twice")
    ok = tar(good, "w:gz")
    ex("truncated_tar_gz", "trunc.tar.gz", ok[:len(ok) // 2], "")
    ex("corrupt_zip", "corrupt.zip", zipped(good)[:40] + bytes(200), "")
    ex("not_an_archive", "image.zip", png, "not a readable zip or tar archive")
    ex("empty_file", "empty.tar", b"", "")
    ex("bomb_bytes", "bomb.tar.gz", tar([("ds/zeros.bin", bytes(80 << 20))], "w:gz"), "expands to more than",
       extra=["--max-mb", "64"], why="80 MiB of zeros; limit 64 MiB")
    ex("bomb_entries", "many.tar", tar([("ds/f%d" % i, b"") for i in range(300)]), "has more than 200 entries",
       extra=["--max-entries", "200"])
    ex("bomb_zip", "bomb.zip", zipped([("ds/zeros%d.bin" % i, bytes(20 << 20)) for i in range(4)]), "expands to more than",
       extra=["--max-mb", "64"])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, ".cache/bad_inputs"))
    a = ap.parse_args()
    if os.path.isdir(a.out):
        shutil.rmtree(a.out)
    os.makedirs(a.out)
    c = Corpus(a.out)
    good = model_cases(c)
    input_cases(c, good)
    dataset_cases(c)
    config_cases(c, good)
    cli_cases(c, good)
    archive_cases(c)
    os.makedirs(c.path("out/x"), exist_ok=True)
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump({"cases": c.cases}, f, indent=1)
    print("bad inputs: %d cases in %s" % (len(c.cases), a.out))


if __name__ == "__main__":
    sys.exit(main())
