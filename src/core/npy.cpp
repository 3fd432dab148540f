#include "core/npy.h"

#include <cstring>

#include "core/file_util.h"

namespace calibra {

namespace {
struct NpyType {
  const char* descr;
  DType dtype;
};
constexpr NpyType kTypes[] = {
    {"<f4", DType::kF32}, {"<f8", DType::kF64}, {"<f2", DType::kF16}, {"<i8", DType::kI64}, {"<i4", DType::kI32},
    {"<i2", DType::kI16}, {"|i1", DType::kI8},  {"|u1", DType::kU8},  {"<u2", DType::kU16}, {"<u4", DType::kU32},
    {"<u8", DType::kU64}, {"|b1", DType::kBool},
};

std::string header_value(const std::string& h, const std::string& key) {
  auto k = h.find("'" + key + "'");
  if (k == std::string::npos) return "";
  auto colon = h.find(':', k);
  if (colon == std::string::npos) return "";
  size_t i = colon + 1;
  while (i < h.size() && h[i] == ' ') ++i;
  if (i >= h.size()) return "";
  if (h[i] == '\'') {
    auto e = h.find('\'', i + 1);
    return e == std::string::npos ? "" : h.substr(i + 1, e - i - 1);
  }
  if (h[i] == '(') {
    auto e = h.find(')', i);
    return e == std::string::npos ? "" : h.substr(i, e - i + 1);
  }
  auto e = h.find_first_of(",}", i);
  return h.substr(i, e - i);
}
}  // namespace

Result<Tensor> parse_npy(const std::string& bytes, const std::string& what) {
  if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0)
    return Status::invalid_argument(what + " is not a .npy file (bad magic)");
  const uint8_t major = static_cast<uint8_t>(bytes[6]);
  size_t hlen, hstart;
  if (major == 1) {
    hlen = static_cast<uint8_t>(bytes[8]) | (static_cast<size_t>(static_cast<uint8_t>(bytes[9])) << 8);
    hstart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return Status::invalid_argument(what + ": truncated .npy header");
    hlen = 0;
    for (int i = 0; i < 4; ++i) hlen |= static_cast<size_t>(static_cast<uint8_t>(bytes[8 + i])) << (8 * i);
    hstart = 12;
  } else {
    return Status::unsupported(what + ": .npy format version " + std::to_string(major) + " is not supported");
  }
  if (hstart + hlen > bytes.size()) return Status::invalid_argument(what + ": truncated .npy header");
  std::string h = bytes.substr(hstart, hlen);
  std::string descr = header_value(h, "descr"), fortran = header_value(h, "fortran_order"),
              shape_s = header_value(h, "shape");
  if (fortran == "True") return Status::unsupported(what + ": Fortran-order arrays are not supported; save with C order");
  DType dt = DType::kUndefined;
  for (const auto& t : kTypes)
    if (descr == t.descr) dt = t.dtype;
  if (descr == "<f4" || descr == "=f4") dt = DType::kF32;
  if (dt == DType::kUndefined)
    return Status::unsupported(what + ": .npy dtype '" + descr + "' is not supported (use little-endian numbers)");
  Shape shape;
  if (shape_s.size() < 2 || shape_s.front() != '(')
    return Status::invalid_argument(what + ": malformed .npy shape");
  std::string inner = shape_s.substr(1, shape_s.size() - 2);
  size_t i = 0;
  while (i < inner.size()) {
    while (i < inner.size() && (inner[i] == ' ' || inner[i] == ',')) ++i;
    if (i >= inner.size()) break;
    size_t j = i;
    while (j < inner.size() && inner[j] >= '0' && inner[j] <= '9') ++j;
    if (j == i) return Status::invalid_argument(what + ": malformed .npy shape '" + shape_s + "'");
    if (j - i > 15) return Status::invalid_argument(what + ": .npy dimension too large");
    shape.push_back(std::stoll(inner.substr(i, j - i)));
    i = j;
  }
  CALIBRA_ASSIGN_OR_RETURN(Tensor t, Tensor::create(dt, shape));
  const size_t data_start = hstart + hlen;
  if (bytes.size() - data_start < t.nbytes())
    return Status::invalid_argument(what + ": .npy data is truncated (" + std::to_string(bytes.size() - data_start) +
                                    " of " + std::to_string(t.nbytes()) + " bytes)");
  if (t.nbytes()) std::memcpy(t.data(), bytes.data() + data_start, t.nbytes());
  return t;
}

Result<Tensor> read_npy(const std::string& path) {
  CALIBRA_ASSIGN_OR_RETURN(std::string bytes, read_file(path));
  return parse_npy(bytes, "'" + path + "'");
}

Status write_npy(const Tensor& t, const std::string& path) {
  const char* descr = nullptr;
  for (const auto& k : kTypes)
    if (k.dtype == t.dtype()) descr = k.descr;
  if (!descr) return Status::unsupported(std::string("cannot write ") + dtype_name(t.dtype()) + " as .npy");
  std::string shape = "(";
  for (size_t i = 0; i < t.rank(); ++i) shape += std::to_string(t.dim(i)) + (t.rank() == 1 || i + 1 < t.rank() ? "," : "");
  shape += ")";
  std::string h = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + h.size() + 1;
  h.append((64 - total % 64) % 64, ' ');
  h += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(1);
  out += static_cast<char>(0);
  out += static_cast<char>(h.size() & 0xff);
  out += static_cast<char>((h.size() >> 8) & 0xff);
  out += h;
  out.append(static_cast<const char*>(t.data()), t.nbytes());
  return write_file(path, out);
}

}  // namespace calibra
