// Data movement: Transpose, Concat, Split, Slice, Gather, Expand, Pad, DepthToSpace,
// SpaceToDepth. All are exact (no arithmetic), so kernels work on any element type.
#pragma once

#include "ops/op_def.h"

namespace calibra {

std::vector<int64_t> transpose_perm(const Node& n, size_t rank);

// Slice resolved per dimension of the input: start, step and count (output size).
struct SliceParams {
  std::vector<int64_t> start, step;
  Shape out;
};
Result<SliceParams> resolve_slice(const Node& n, std::span<const ValueDesc> src);

struct SplitParams {
  int64_t axis = 0;
  std::vector<int64_t> sizes;
};
Result<SplitParams> resolve_split(const Node& n, std::span<const ValueDesc> src, size_t outputs);

struct PadParams {
  std::vector<int64_t> begin, end;  // may be negative (crop)
  std::string mode = "constant";      // constant | reflect | edge
  double value = 0;                   // constant mode, when known at plan time
};
Result<PadParams> resolve_pad(const Node& n, std::span<const ValueDesc> src);

Status infer_transpose(InferCtx& c);
Status infer_concat(InferCtx& c);
Status infer_split(InferCtx& c);
Status infer_slice(InferCtx& c);
Status infer_gather(InferCtx& c);
Status infer_expand(InferCtx& c);
Status infer_pad(InferCtx& c);
Status infer_depth_to_space(InferCtx& c);
Status infer_space_to_depth(InferCtx& c);

}  // namespace calibra
