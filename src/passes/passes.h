// Graph passes, each small and tested on its own (tests/unit/passes_test.cpp).
// optimize_graph() runs them in the order that makes each one's result visible to the next.
#pragma once

#include "ir/graph.h"

namespace calibra {

// remove_identity -> fold_constants -> fold_batchnorm -> fuse_residual_add ->
// fuse_activations -> fuse_qdq -> remove_dead_nodes -> topological sort.
Status optimize_graph(Graph& g);

// The same without residual fusion and QDQ fusion: the graph calibration observes and
// quantizes.
Status optimize_for_quantization(Graph& g);

// Identity, and Dropout in inference (mask unused), disappear: readers read the source.
Status remove_identity(Graph& g);
// Nodes whose inputs are all constants become constants (reference kernels compute them),
// including Shape of statically shaped values, so exporter shape chains fold away.
Status fold_constants(Graph& g);
// Nodes whose outputs nobody reads, and constants nobody reads, are removed.
Status remove_dead_nodes(Graph& g);
// Conv -> BatchNormalization: the BN's scale/shift folded into the Conv's weights and bias.
Status fold_batchnorm(Graph& g);
// Conv -> Add(conv_out, residual) of equal shapes: the Add becomes the Conv's sum post-op.
Status fuse_residual_add(Graph& g);
// Conv/ConvTranspose/Gemm/MatMul/Add -> activation: the activation becomes a post-op.
// Also recognises x * Sigmoid(x) (Swish/SiLU) and x * HardSigmoid(x, 1/6, 1/2) (HardSwish).
Status fuse_activations(Graph& g);
// DequantizeLinear -> op -> QuantizeLinear patterns become INT8 nodes (Node::quant); see
// fuse_qdq.cpp for the patterns. QDQ models from any tool run as real INT8.
Status fuse_qdq(Graph& g);

}  // namespace calibra
