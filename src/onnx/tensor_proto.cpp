#include "onnx/tensor_proto.h"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/file_util.h"
#include "core/half.h"

namespace calibra {

namespace fs = std::filesystem;

DType dtype_from_onnx(int t) {
  using P = onnx::TensorProto;
  switch (t) {
    case P::FLOAT: return DType::kF32;
    case P::UINT8: return DType::kU8;
    case P::INT8: return DType::kI8;
    case P::UINT16: return DType::kU16;
    case P::INT16: return DType::kI16;
    case P::INT32: return DType::kI32;
    case P::INT64: return DType::kI64;
    case P::STRING: return DType::kString;
    case P::BOOL: return DType::kBool;
    case P::FLOAT16: return DType::kF16;
    case P::DOUBLE: return DType::kF64;
    case P::UINT32: return DType::kU32;
    case P::UINT64: return DType::kU64;
    case P::BFLOAT16: return DType::kBF16;
    default: return DType::kUndefined;
  }
}

int dtype_to_onnx(DType t) {
  using P = onnx::TensorProto;
  switch (t) {
    case DType::kF32: return P::FLOAT;
    case DType::kU8: return P::UINT8;
    case DType::kI8: return P::INT8;
    case DType::kU16: return P::UINT16;
    case DType::kI16: return P::INT16;
    case DType::kI32: return P::INT32;
    case DType::kI64: return P::INT64;
    case DType::kString: return P::STRING;
    case DType::kBool: return P::BOOL;
    case DType::kF16: return P::FLOAT16;
    case DType::kF64: return P::DOUBLE;
    case DType::kU32: return P::UINT32;
    case DType::kU64: return P::UINT64;
    case DType::kBF16: return P::BFLOAT16;
    case DType::kUndefined: return P::UNDEFINED;
  }
  return P::UNDEFINED;
}

namespace {

// Copies typed repeated fields into `dst` (numel elements of `t`).
template <typename Field, typename Conv>
Status copy_field(const Field& f, int64_t numel, const std::string& what, Conv conv) {
  if (f.size() != numel)
    return Status::invalid_model(what + ": has " + std::to_string(f.size()) +
                                 " values but its shape needs " + std::to_string(numel));
  for (int64_t i = 0; i < numel; ++i) conv(i, f.Get(static_cast<int>(i)));
  return Status::ok();
}

}  // namespace

Status check_external_location(const std::string& location, const std::string& base_dir, const std::string& what) {
  if (location.empty()) return Status::invalid_model(what + ": external data without a location");
  fs::path rel(location);
  if (rel.is_absolute())
    return Status::invalid_model(what + ": external data path '" + location +
                                 "' is absolute; ONNX requires a path relative to the model");
  fs::path base = fs::weakly_canonical(fs::path(base_dir.empty() ? "." : base_dir));
  fs::path full = fs::weakly_canonical(base / rel);
  auto [b_end, f_it] = std::mismatch(base.begin(), base.end(), full.begin(), full.end());
  if (b_end != base.end())
    return Status::invalid_model(what + ": external data path '" + location +
                                 "' points outside the model's folder; refusing to read it");
  return Status::ok();
}

namespace {

Result<std::string> read_external(const onnx::TensorProto& p, const std::string& base_dir,
                                  const std::string& what, size_t expected_bytes) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& kv : p.external_data()) {
    if (kv.key() == "location") location = kv.value();
    else if (kv.key() == "offset") offset = std::atoll(kv.value().c_str());
    else if (kv.key() == "length") length = std::atoll(kv.value().c_str());
  }
  CALIBRA_TRY(check_external_location(location, base_dir, what));
  fs::path base = fs::weakly_canonical(fs::path(base_dir.empty() ? "." : base_dir));
  fs::path full = fs::weakly_canonical(base / fs::path(location));
  if (offset < 0) return Status::invalid_model(what + ": negative external data offset");
  std::error_code ec;
  auto fsize = fs::file_size(full, ec);
  if (ec)
    return Status::not_found(what + ": external data file '" + full.string() +
                             "' is missing; keep it next to the model file");
  if (length < 0) length = static_cast<int64_t>(expected_bytes);
  if (static_cast<size_t>(length) != expected_bytes)
    return Status::invalid_model(what + ": external data length " + std::to_string(length) +
                                 " does not match its shape (" + std::to_string(expected_bytes) +
                                 " bytes)");
  if (static_cast<uint64_t>(offset) + static_cast<uint64_t>(length) > fsize)
    return Status::invalid_model(what + ": external data file '" + full.string() +
                                 "' is too short (truncated?)");
  std::ifstream f(full, std::ios::binary);
  std::string bytes(static_cast<size_t>(length), '\0');
  f.seekg(offset);
  f.read(bytes.data(), length);
  if (!f) return Status::io_error(what + ": could not read external data from " + full.string());
  return bytes;
}

}  // namespace

Result<Tensor> tensor_from_proto(const onnx::TensorProto& p, const std::string& base_dir,
                                 const std::string& what) {
  DType dt = dtype_from_onnx(p.data_type());
  if (dt == DType::kUndefined)
    return Status::unsupported(what + ": tensor data type " + std::to_string(p.data_type()) +
                               " is not supported");
  if (dt == DType::kString)
    return Status::unsupported(what + ": string tensors are not supported");
  if (p.has_segment()) return Status::unsupported(what + ": segmented tensors are not supported");
  Shape shape(p.dims().begin(), p.dims().end());
  for (int64_t d : shape)
    if (d < 0) return Status::invalid_model(what + ": negative dimension in " + shape_str(shape));
  // The dims come from the file: check them against the data actually present before
  // allocating, so that a small file declaring a huge tensor costs nothing.
  const std::optional<int64_t> elements = elements_within_limit(shape);
  if (!elements) return Tensor::create(dt, shape).status();  // the limit's error
  const int64_t n = *elements;
  const size_t nbytes = static_cast<size_t>(n) * dtype_size(dt);

  if (p.data_location() == onnx::TensorProto::EXTERNAL) {
    CALIBRA_ASSIGN_OR_RETURN(std::string bytes, read_external(p, base_dir, what, nbytes));
    CALIBRA_ASSIGN_OR_RETURN(Tensor t, Tensor::create(dt, shape));
    if (nbytes) std::memcpy(t.data(), bytes.data(), nbytes);
    return t;
  }
  if (p.has_raw_data()) {
    if (p.raw_data().size() != nbytes)
      return Status::invalid_model(what + ": raw data has " + std::to_string(p.raw_data().size()) +
                                   " bytes but shape " + shape_str(shape) + " of " + dtype_name(dt) +
                                   " needs " + std::to_string(nbytes));
    CALIBRA_ASSIGN_OR_RETURN(Tensor t, Tensor::create(dt, shape));
    if (nbytes) std::memcpy(t.data(), p.raw_data().data(), nbytes);
    return t;
  }
  const int64_t values = dt == DType::kF32                          ? p.float_data_size()
                         : dt == DType::kF64                        ? p.double_data_size()
                         : dt == DType::kI64                        ? p.int64_data_size()
                         : dt == DType::kU64 || dt == DType::kU32   ? p.uint64_data_size()
                                                                    : p.int32_data_size();
  if (values != n)
    return Status::invalid_model(what + ": has " + std::to_string(values) + " values but its shape needs " +
                                 std::to_string(n));
  CALIBRA_ASSIGN_OR_RETURN(Tensor t, Tensor::create(dt, shape));
  switch (dt) {
    case DType::kF32: {
      float* d = t.data_as<float>();
      CALIBRA_TRY(copy_field(p.float_data(), n, what, [d](int64_t i, float v) { d[i] = v; }));
      return t;
    }
    case DType::kF64: {
      double* d = t.data_as<double>();
      CALIBRA_TRY(copy_field(p.double_data(), n, what, [d](int64_t i, double v) { d[i] = v; }));
      return t;
    }
    case DType::kI64: {
      int64_t* d = t.data_as<int64_t>();
      CALIBRA_TRY(copy_field(p.int64_data(), n, what, [d](int64_t i, int64_t v) { d[i] = v; }));
      return t;
    }
    case DType::kU64: case DType::kU32: {
      void* d = t.data();
      bool u64 = dt == DType::kU64;
      CALIBRA_TRY(copy_field(p.uint64_data(), n, what, [d, u64](int64_t i, uint64_t v) {
        if (u64) static_cast<uint64_t*>(d)[i] = v;
        else static_cast<uint32_t*>(d)[i] = static_cast<uint32_t>(v);
      }));
      return t;
    }
    case DType::kI32: case DType::kI16: case DType::kU16: case DType::kI8: case DType::kU8:
    case DType::kBool: case DType::kF16: case DType::kBF16: {
      void* d = t.data();
      CALIBRA_TRY(copy_field(p.int32_data(), n, what, [d, dt](int64_t i, int32_t v) {
        switch (dt) {
          case DType::kI32: static_cast<int32_t*>(d)[i] = v; break;
          case DType::kI16: static_cast<int16_t*>(d)[i] = static_cast<int16_t>(v); break;
          case DType::kU16: case DType::kF16: case DType::kBF16:
            static_cast<uint16_t*>(d)[i] = static_cast<uint16_t>(v); break;
          case DType::kI8: static_cast<int8_t*>(d)[i] = static_cast<int8_t>(v); break;
          case DType::kU8: static_cast<uint8_t*>(d)[i] = static_cast<uint8_t>(v); break;
          case DType::kBool: static_cast<uint8_t*>(d)[i] = v != 0; break;
          default: break;
        }
      }));
      return t;
    }
    default: break;
  }
  return Status::unsupported(what + ": cannot read " + dtype_name(dt) + " data");
}

void tensor_to_proto(const Tensor& t, const std::string& name, onnx::TensorProto* p) {
  p->Clear();
  p->set_name(name);
  p->set_data_type(dtype_to_onnx(t.dtype()));
  for (int64_t d : t.shape()) p->add_dims(d);
  p->set_raw_data(t.data(), t.nbytes());
}

Result<Tensor> read_tensor_pb(const std::string& path, std::string* name) {
  CALIBRA_ASSIGN_OR_RETURN(std::string bytes, read_file(path));
  onnx::TensorProto p;
  if (!p.ParseFromString(bytes))
    return Status::invalid_argument("'" + path + "' is not a serialized ONNX TensorProto (parse failed)");
  if (name) *name = p.name();
  std::string dir = fs::path(path).parent_path().string();
  return tensor_from_proto(p, dir, "tensor file '" + path + "'");
}

Status write_tensor_pb(const Tensor& t, const std::string& name, const std::string& path) {
  onnx::TensorProto p;
  tensor_to_proto(t, name, &p);
  std::string bytes;
  if (!p.SerializeToString(&bytes)) return Status::internal("could not serialize tensor " + name);
  return write_file(path, bytes);
}

}  // namespace calibra
