// Evaluates one node on known tensors with its shape rule and reference kernel. Used for
// constant folding at load time (passes) and at plan time (shape computations).
#pragma once

#include <vector>

#include "ops/op_def.h"

namespace calibra {

// `src[i]` may be nullptr for absent optional inputs. Returns one tensor per node output.
Result<std::vector<Tensor>> evaluate_node(const Node& n, const std::vector<const Tensor*>& src);

}  // namespace calibra
