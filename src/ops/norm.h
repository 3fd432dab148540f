#pragma once

#include "ops/op_def.h"

namespace calibra {

Status infer_batchnorm(InferCtx& c);
Status infer_lrn(InferCtx& c);

}  // namespace calibra
