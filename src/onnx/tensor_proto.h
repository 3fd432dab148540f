// Conversion between ONNX TensorProto and Tensor, including external data files.
#pragma once

#include <string>

#include "calibra/status.h"
#include "calibra/tensor.h"

namespace onnx {
class TensorProto;
}

namespace calibra {

// ONNX TensorProto.DataType <-> DType. Unknown types map to kUndefined.
DType dtype_from_onnx(int onnx_type);
int dtype_to_onnx(DType t);

// An external data location must be relative and stay inside the model's folder.
Status check_external_location(const std::string& location, const std::string& base_dir, const std::string& what);

// Reads a TensorProto. `base_dir` resolves external data (which must stay inside it).
// `what` names the tensor in error messages ("initializer 'conv1.weight'").
Result<Tensor> tensor_from_proto(const onnx::TensorProto& p, const std::string& base_dir,
                                 const std::string& what);
// Writes a Tensor as a TensorProto with raw_data.
void tensor_to_proto(const Tensor& t, const std::string& name, onnx::TensorProto* p);

// Reads/writes a serialised TensorProto file (.pb), as the ONNX backend tests use.
Result<Tensor> read_tensor_pb(const std::string& path, std::string* name = nullptr);
Status write_tensor_pb(const Tensor& t, const std::string& name, const std::string& path);

}  // namespace calibra
