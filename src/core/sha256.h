// SHA-256 (FIPS 180-4), for checksums of stored files.
#pragma once

#include <cstdint>
#include <string>

namespace calibra {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t n);
  std::string hex();  // finishes; the object is spent afterwards

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t fill_ = 0;
  uint64_t bits_ = 0;
};

}  // namespace calibra
