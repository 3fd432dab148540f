// A serialised ONNX TensorProto file (`calibra run -i x=FILE.pb`), read from a file so that
// external data locations resolve against its folder as they do for real inputs.
#include "harness.h"
#include "onnx/tensor_proto.h"

namespace calibra::fuzz::tensor_pb {

int fuzz_one(const uint8_t* data, size_t size) {
  init();
  const std::string path = write_scratch("input.pb", data, size);
  std::string name;
  auto t = read_tensor_pb(path, &name);
  if (!t.is_ok()) {
    check_status(t.status(), "read_tensor_pb");
    return 0;
  }
  if (t->nbytes() != static_cast<size_t>(t->numel()) * dtype_size(t->dtype()))
    fuzz_fail("read_tensor_pb: tensor size does not match its shape");
  return 0;
}

}  // namespace calibra::fuzz::tensor_pb
