#!/usr/bin/env python3
"""Writes the hand-made ONNX inputs of the robustness corpus (inputs/onnx/*.onnx) with a tiny
protobuf encoder, so that no onnx package is needed. Field numbers are ONNX's (docs/onnx/onnx.proto).
Run from this folder: python3 make-onnx.py"""
import struct

def varint(n):
    out = b""
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F; n >>= 7
        if n: out += bytes([b | 0x80])
        else: return out + bytes([b])

def key(field, wire): return varint((field << 3) | wire)
def vi(field, n): return key(field, 0) + varint(n)
def ld(field, data):
    if isinstance(data, str): data = data.encode()
    return key(field, 2) + varint(len(data)) + data
def f32(field, x): return key(field, 5) + struct.pack("<f", x)

def value_info(name, dims):
    shape = b"".join(ld(1, vi(1, d)) for d in dims)
    tensor = vi(1, 1) + ld(2, shape)            # elem_type FLOAT, shape
    return ld(1, name) + ld(2, ld(1, tensor))   # name, type.tensor_type

def model(graph, opset=17):
    return vi(1, 8) + ld(2, "robustness") + ld(7, graph) + ld(8, ld(1, "") + vi(2, opset))

def node(op, inputs, outputs, name, attrs=b""):
    return b"".join(ld(1, i) for i in inputs) + b"".join(ld(2, o) for o in outputs) + ld(3, name) + ld(4, op) + attrs

def int64_tensor(name, values):
    return vi(1, len(values)) + vi(2, 7) + b"".join(vi(7, v) for v in values) + ld(8, name)

def float_tensor(name, values):
    return vi(1, len(values)) + vi(2, 1) + b"".join(f32(4, v) for v in values) + ld(8, name)

# A graph with no nodes, inputs or outputs.
open("inputs/onnx/empty-graph.onnx", "wb").write(model(ld(2, "empty")))
# Reshape of a 4-element tensor to [1, 2^62, 2^62]: the element count overflows Int64.
g = (ld(1, node("Reshape", ["x", "shape"], ["y"], "reshape")) + ld(2, "huge-reshape")
     + ld(5, int64_tensor("shape", [1, 1 << 62, 1 << 62])) + ld(11, value_info("x", [1, 4])) + ld(12, value_info("y", [1, 4])))
open("inputs/onnx/reshape-2e62.onnx", "wb").write(model(g))
# Resize of a feature map by 1e30 in height and width.
g = (ld(1, node("Resize", ["x", "", "scales"], ["y"], "resize")) + ld(2, "huge-resize")
     + ld(5, float_tensor("scales", [1, 1, 1e30, 1e30])) + ld(11, value_info("x", [1, 3, 8, 8])) + ld(12, value_info("y", [1, 3, 8, 8])))
open("inputs/onnx/resize-1e30.onnx", "wb").write(model(g))
# Not an ONNX model at all.
open("inputs/onnx/not-protobuf.onnx", "wb").write(b"\xff\xff\xff\xff this is not protobuf " * 8)
# A Conv whose 7×7 kernel does not fit its 4×4 input: the message must name the ONNX attribute
# (attribute.kernel_shape), not Duet's own key.
g = (ld(1, node("Conv", ["x", "w"], ["y"], "conv")) + ld(2, "big-kernel")
     + ld(5, float_tensor("w", [0.0] * (8 * 3 * 7 * 7))[:0] + vi(1, 8) + vi(1, 3) + vi(1, 7) + vi(1, 7) + vi(2, 1) + ld(8, "w"))
     + ld(11, value_info("x", [1, 3, 4, 4])) + ld(12, value_info("y", [1, 8, 1, 1])))
open("inputs/onnx/conv-kernel-larger-than-input.onnx", "wb").write(model(g))
