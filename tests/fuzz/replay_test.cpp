// Every fuzz harness on its committed seeds (tests/fuzz/seeds/<target>/) and on every crash
// reproducer found so far (tests/fuzz/reproducers/<target>/), then on a fixed number of
// deterministic mutations of the seeds, so that a regression or a broken harness fails
// `make test` in the normal (gcc) and the ASan+UBSan builds without clang's libFuzzer.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "harness.h"

namespace calibra::fuzz {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> files_in(const fs::path& dir) {
  std::vector<std::string> r;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().filename().string()[0] != '.') r.push_back(e.path().string());
  std::sort(r.begin(), r.end());
  return r;
}

std::string read(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

int run(const Target& t, const std::string& bytes) {
  return t.fn(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

// libFuzzer-like byte mutations: flips, interesting values, erase, insert, duplicate, splice.
std::string mutate(const std::string& in, const std::string& other, std::mt19937_64& rng) {
  std::string s = in;
  const int rounds = 1 + static_cast<int>(rng() % 4);
  for (int r = 0; r < rounds; ++r) {
    auto pos = [&](size_t n) { return n ? static_cast<size_t>(rng() % n) : 0; };
    switch (rng() % 7) {
      case 0: if (!s.empty()) s[pos(s.size())] ^= static_cast<char>(1u << (rng() % 8)); break;
      case 1: {
        static const uint8_t interesting[] = {0, 1, 0x7f, 0x80, 0xff, 0xfe, 0x40, 0x10};
        if (!s.empty()) s[pos(s.size())] = static_cast<char>(interesting[rng() % sizeof interesting]);
        break;
      }
      case 2: if (!s.empty()) s.erase(pos(s.size()), 1 + pos(std::min<size_t>(s.size(), 16))); break;
      case 3: s.insert(pos(s.size() + 1), 1 + pos(8), static_cast<char>(rng())); break;
      case 4: if (!s.empty()) s.resize(pos(s.size())); break;  // truncate
      case 5: if (!s.empty()) { size_t a = pos(s.size()); s.insert(pos(s.size() + 1), s.substr(a, 1 + pos(32))); } break;
      case 6: if (!other.empty()) s = s.substr(0, pos(s.size() + 1)) + other.substr(pos(other.size())); break;
    }
  }
  return s;
}

class FuzzReplay : public ::testing::TestWithParam<Target> {
 protected:
  static void SetUpTestSuite() { init(); }
};

TEST_P(FuzzReplay, SeedsReproducersAndMutations) {
  const Target& t = GetParam();
  const fs::path root = CALIBRA_FUZZ_DIR;
  const auto seeds = files_in(root / "seeds" / t.name);
  const auto repros = files_in(root / "reproducers" / t.name);
  ASSERT_FALSE(seeds.empty()) << "no committed seeds in " << (root / "seeds" / t.name);
  for (const auto& f : seeds) {
    SCOPED_TRACE(f);
    EXPECT_EQ(run(t, read(f)), 0);
  }
  for (const auto& f : repros) {
    SCOPED_TRACE(f);
    EXPECT_EQ(run(t, read(f)), 0);
  }
  // Deterministic mutations (same inputs on every run).
  int n = 150;
  if (const char* e = std::getenv("CALIBRA_FUZZ_REPLAY_MUTATIONS")) n = std::atoi(e);
  uint64_t h = 1469598103934665603ull;  // FNV-1a of the target's name
  for (const char* c = t.name; *c; ++c) h = (h ^ static_cast<uint8_t>(*c)) * 1099511628211ull;
  std::mt19937_64 rng(h);
  std::vector<std::string> corpus;
  for (const auto& f : seeds) corpus.push_back(read(f));
  for (int i = 0; i < n; ++i) {
    const std::string& a = corpus[static_cast<size_t>(rng() % corpus.size())];
    const std::string& b = corpus[static_cast<size_t>(rng() % corpus.size())];
    EXPECT_EQ(run(t, mutate(a, b, rng)), 0) << "mutation " << i;
  }
  std::printf("[ fuzz     ] %s: %zu seeds, %zu reproducers, %d mutations\n", t.name, seeds.size(), repros.size(), n);
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzReplay, ::testing::ValuesIn(targets()),
                         [](const ::testing::TestParamInfo<Target>& i) { return std::string(i.param.name); });

}  // namespace
}  // namespace calibra::fuzz
