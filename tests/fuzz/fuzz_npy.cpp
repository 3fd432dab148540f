// A NumPy .npy file (`calibra run -i x=FILE.npy`), through the in-memory parser.
#include "core/npy.h"
#include "harness.h"

namespace calibra::fuzz::npy {

int fuzz_one(const uint8_t* data, size_t size) {
  init();
  auto t = parse_npy(std::string(reinterpret_cast<const char*>(data), size), "'fuzz.npy'");
  if (!t.is_ok()) {
    check_status(t.status(), "parse_npy");
    return 0;
  }
  if (t->numel() > max_tensor_elements()) fuzz_fail("parse_npy: a tensor above the element limit");
  // What we read must be what we write back.
  const std::string out = scratch_dir() + "/roundtrip.npy";
  Status w = write_npy(*t, out);
  if (!w.is_ok()) {
    check_status(w, "write_npy");
    return 0;
  }
  auto back = read_npy(out);
  if (!back.is_ok()) fuzz_fail("write_npy output does not read back: " + back.status().message());
  if (back->shape() != t->shape() || back->dtype() != t->dtype()) fuzz_fail("write_npy/read_npy round trip changed the tensor");
  return 0;
}

}  // namespace calibra::fuzz::npy
