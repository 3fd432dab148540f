// Planner, memory plan and sessions: buffer reuse, in-place execution, views, dynamic
// shapes, concurrency, input validation, profiles.
#include <omp.h>

#include <cstring>
#include <map>
#include <set>
#include <thread>

#include "calibra/bench.h"
#include "calibra/profile.h"
#include "core/npy.h"
#include "ir/graph.h"
#include "runtime/executor.h"
#include "runtime/plan.h"
#include "testutil.h"

namespace calibra::test {
namespace {

// A chain of n Conv+Relu blocks with a residual every other block; channels c, size hw.
std::shared_ptr<Model> chain_model(int blocks, int64_t c, int64_t hw, bool dynamic_batch = false) {
  ModelBuilder b(13);
  b.input("x", DType::kF32, {dynamic_batch ? -1 : 1, c, hw, hw});
  std::string cur = "x";
  for (int i = 0; i < blocks; ++i) {
    std::string w = "w" + std::to_string(i), y = "c" + std::to_string(i), r = "r" + std::to_string(i);
    b.initializer(w, random_tensor({c, c, 3, 3}, i, -0.2f, 0.2f));
    b.node("Conv", {cur, w}, {y}, {ais("pads", {1, 1, 1, 1})});
    if (i % 2 == 1) {
      std::string a = "a" + std::to_string(i);
      b.node("Add", {y, "r" + std::to_string(i - 1)}, {a});
      y = a;
    }
    b.node("Relu", {y}, {r});
    cur = r;
  }
  b.node("GlobalAveragePool", {cur}, {"g"}).node("Flatten", {"g"}, {"y"}).output("y");
  return b.load();
}

TEST(MemoryPlan, ArenaStaysNearTheLargestLiveSet) {
  auto m = chain_model(10, 16, 32);
  ASSERT_TRUE(m);
  auto s = Session::create(m);
  auto st = (*s)->plan_stats({random_tensor({1, 16, 32, 32}, 1)});
  ASSERT_TRUE(st.is_ok());
  const size_t act = 16 * 32 * 32 * 4;
  // Without reuse, 10 blocks would need >= 10 activation buffers.
  EXPECT_LE(st->arena_bytes, 4 * act) << st->arena_bytes;
  EXPECT_LE(st->arena_bytes, st->live_peak_bytes * 3 / 2);
  EXPECT_GE(st->arena_bytes, st->live_peak_bytes);
}

TEST(MemoryPlan, OverlappingLifetimesNeverShareBytes) {
  auto m = chain_model(6, 8, 9);
  ASSERT_TRUE(m);
  std::vector<ValueDesc> in{{DType::kF32, {1, 8, 9, 9}, nullptr}};
  auto plan = build_plan(m->graph(), in, PlanOptions{});
  ASSERT_TRUE(plan.is_ok());
  const auto& bufs = (*plan)->buffers;
  for (size_t i = 0; i < bufs.size(); ++i)
    for (size_t j = i + 1; j < bufs.size(); ++j) {
      bool time_overlap = !(bufs[i].last < bufs[j].first || bufs[j].last < bufs[i].first);
      bool space_overlap = bufs[i].offset < bufs[j].offset + bufs[j].bytes && bufs[j].offset < bufs[i].offset + bufs[i].bytes;
      EXPECT_FALSE(time_overlap && space_overlap) << "buffers " << i << " and " << j;
    }
}

TEST(Runtime, ResidualSumRunsInPlaceOrCopiesAndStaysCorrect) {
  // The residual "x" of the fused conv is also read later: in-place must not clobber it.
  ModelBuilder b(13);
  b.input("x", DType::kF32, {1, 8, 6, 6});
  b.initializer("w", random_tensor({8, 8, 3, 3}, 1)).initializer("w2", random_tensor({8, 8, 1, 1}, 2));
  b.node("Conv", {"x", "w2"}, {"h"});
  b.node("Conv", {"h", "w"}, {"c"}, {ais("pads", {1, 1, 1, 1})}).node("Add", {"c", "h"}, {"a"});
  b.node("Mul", {"a", "h"}, {"y"}).output("y");
  auto fused = b.load(true), plain = b.load(false);
  ASSERT_TRUE(fused && plain);
  std::vector<Tensor> in{random_tensor({1, 8, 6, 6}, 3)};
  auto cf = run_both(fused, in), cp = run_both(plain, in);
  EXPECT_LT(nmse(cf.fast[0], cp.ref[0]), 1e-10);
}

// run_observed_views hands values over where the plan keeps them (channel blocks with
// padding for 20 channels); read back by the layout rules of ValueView, every value equals
// what run_observed hands over as plain, and at least one came unconverted.
TEST(Runtime, ObservedViewsHoldThePlainValues) {
  auto m = chain_model(4, 20, 9, true);
  ASSERT_TRUE(m);
  auto s = deterministic_session(m);
  ASSERT_TRUE(s.is_ok());
  std::set<ValueView::Kind> kinds;
  for (int64_t batch : {2, 1}) {  // oneDNN lays batch 1 out otherwise (channels last) on some CPUs
    SCOPED_TRACE("batch " + std::to_string(batch));
    const Tensor x = random_tensor({batch, 20, 9, 9}, 5);
    const std::vector<std::string> watch = {"x", "r0", "r1", "r2", "r3", "g"};
    std::map<std::string, std::vector<float>> plain, decoded;
    auto r = (*s)->run_observed({x}, watch, [&](const std::string& name, const Tensor& t) {
      plain[name].assign(t.data_as<float>(), t.data_as<float>() + t.numel());
    });
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    r = (*s)->run_observed_views({x}, watch, [&](const std::string& name, const ValueView& v) {
      ASSERT_EQ(v.shape.size(), 4u);
      const int64_t N = v.shape[0], C = v.shape[1], S = v.shape[2] * v.shape[3];
      const float* d = static_cast<const float*>(v.data);
      std::vector<float>& out = decoded[name];
      out.resize(static_cast<size_t>(N * C * S));
      kinds.insert(v.kind);
      for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c)
          for (int64_t i = 0; i < S; ++i) {
            int64_t at = (n * C + c) * S + i;
            if (v.kind == ValueView::Kind::kChannelBlocked) {
              const int64_t k = v.block, Cb = (C + k - 1) / k;
              at = ((n * Cb + c / k) * S + i) * k + c % k;
            } else if (v.kind == ValueView::Kind::kChannelsLast) {
              at = (n * S + i) * C + c;
            }
            out[static_cast<size_t>((n * C + c) * S + i)] = d[at];
          }
    });
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    ASSERT_EQ(decoded.size(), watch.size());
    for (const auto& name : watch) EXPECT_EQ(decoded[name], plain[name]) << name;
  }
  EXPECT_GT(kinds.size(), 1u) << "every value came plain: the test checks nothing";
  std::printf("value layouts seen: %s%s%s\n", kinds.count(ValueView::Kind::kPlain) ? "plain " : "",
              kinds.count(ValueView::Kind::kChannelBlocked) ? "channel-blocked " : "",
              kinds.count(ValueView::Kind::kChannelsLast) ? "channels-last" : "");
}

TEST(Runtime, DynamicBatchBuildsOnePlanPerShape) {
  auto m = chain_model(4, 8, 8, true);
  ASSERT_TRUE(m);
  auto s = Session::create(m);
  for (int64_t n : {1, 3, 1, 2}) {
    Tensor x = random_tensor({n, 8, 8, 8}, n);
    auto y = (*s)->run({x});
    ASSERT_TRUE(y.is_ok()) << y.status().to_string();
    EXPECT_EQ((*y)[0].shape(), (Shape{n, 8}));
    // Row k of a batch equals the same sample run alone.
    Tensor one(DType::kF32, {1, 8, 8, 8});
    std::memcpy(one.data(), x.data_as<float>() + (n - 1) * 512, 512 * 4);
    auto y1 = (*s)->run({one});
    ASSERT_TRUE(y1.is_ok());
    for (int k = 0; k < 8; ++k)
      EXPECT_NEAR((*y)[0].data_as<float>()[(n - 1) * 8 + k], (*y1)[0].data_as<float>()[k], 1e-5);
  }
}

TEST(Runtime, ConcurrentRunsGiveIdenticalResults) {
  auto m = chain_model(6, 16, 16);
  ASSERT_TRUE(m);
  SessionOptions so;
  so.threads = 1;
  auto s = Session::create(m, so);
  std::vector<Tensor> inputs;
  std::vector<Tensor> expected;
  for (int i = 0; i < 4; ++i) {
    inputs.push_back(random_tensor({1, 16, 16, 16}, 100 + i));
    expected.push_back((*(*s)->run({inputs.back()}))[0]);
  }
  std::vector<std::thread> ts;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&, t] {
      for (int k = 0; k < 20; ++k) {
        int i = (t + k) % 4;
        auto y = (*s)->run({inputs[static_cast<size_t>(i)]});
        if (!y.is_ok() || std::memcmp((*y)[0].data(), expected[static_cast<size_t>(i)].data(), expected[static_cast<size_t>(i)].nbytes()) != 0)
          ++mismatches;
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(Runtime, InputValidationErrorsNameTheInput) {
  auto m = chain_model(2, 4, 5);
  ASSERT_TRUE(m);
  auto s = Session::create(m);
  auto wrong_shape = (*s)->run({random_tensor({1, 3, 5, 5}, 1)});
  ASSERT_FALSE(wrong_shape.is_ok());
  EXPECT_NE(wrong_shape.status().message().find("'x' has shape [1,3,5,5]"), std::string::npos) << wrong_shape.status().message();
  auto wrong_type = (*s)->run({Tensor(DType::kI64, {1, 4, 5, 5})});
  ASSERT_FALSE(wrong_type.is_ok());
  EXPECT_NE(wrong_type.status().message().find("int64"), std::string::npos);
  auto wrong_count = (*s)->run(std::vector<Tensor>{});
  ASSERT_FALSE(wrong_count.is_ok());
  auto named = (*s)->run_named({{"nope", random_tensor({1, 4, 5, 5}, 1)}});
  ASSERT_FALSE(named.is_ok());
}

TEST(Runtime, ProfileCoversEveryStepAndAddsUpToTheTotal) {
  auto m = chain_model(8, 32, 28);
  ASSERT_TRUE(m);
  auto s = Session::create(m);
  Tensor x = random_tensor({1, 32, 28, 28}, 1);
  (void)(*s)->run({x});
  RunProfile p;
  auto y = (*s)->run_profiled({x}, &p);
  ASSERT_TRUE(y.is_ok());
  ASSERT_FALSE(p.layers.empty());
  double sum = 0;
  int convs = 0;
  for (const auto& l : p.layers) {
    sum += l.ms;
    convs += l.op_type == "Conv";
    EXPECT_FALSE(l.impl.empty());
    EXPECT_EQ(l.precision, "FP32");
  }
  EXPECT_EQ(convs, 8);
  EXPECT_LE(sum, p.total_ms * 1.001);
  EXPECT_GE(sum, p.total_ms * 0.5);  // the rest is input/output copies
}

TEST(Runtime, ReferenceAndFastPathsAgreeOnAChain) {
  auto m = chain_model(6, 12, 10, true);
  auto c = run_both(m, {random_tensor({2, 12, 10, 10}, 5)}, 2);
  ASSERT_EQ(c.fast.size(), 1u);
  EXPECT_LT(nmse(c.fast[0], c.ref[0]), 1e-10);
}

TEST(Benchmark, ReportsLatencyAndThroughput) {
  auto m = chain_model(2, 8, 8, true);
  BenchOptions o;
  o.iterations = 20;
  o.threads = 2;
  o.streams = 2;
  o.batch = 3;
  auto r = run_benchmark(m, o);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_GE(r->iterations, 20);
  EXPECT_GT(r->throughput_fps, 0);
  EXPECT_LE(r->latency_ms.min, r->latency_ms.median);
  EXPECT_LE(r->latency_ms.median, r->latency_ms.p90);
  EXPECT_LE(r->latency_ms.p90, r->latency_ms.p99);
  EXPECT_EQ(r->threads_per_stream, 1);
  o.batch = 0;
  EXPECT_FALSE(run_benchmark(m, o).is_ok());
  // A fixed-batch model refuses another batch, saying which to use.
  auto fixed = chain_model(1, 4, 4);
  o.batch = 2;
  auto bad = run_benchmark(fixed, o);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("--batch 1"), std::string::npos) << bad.status().message();
}

TEST(Benchmark, SettingsAreValidatedWithAdvice) {
  auto m = chain_model(2, 8, 8, true);
  const int cores = omp_get_num_procs();
  auto msg = [&](InferenceSettings s) {
    Status st = validate_settings(s, *m);
    return st.is_ok() ? std::string() : st.message();
  };
  InferenceSettings s;
  EXPECT_EQ(msg(s), "");
  s.streams = cores + 1;
  EXPECT_NE(msg(s).find("use " + std::to_string(cores) + " stream(s) or fewer"), std::string::npos) << msg(s);
  s.streams = 2;
  s.threads = 1;
  EXPECT_NE(msg(s).find("one per stream"), std::string::npos);
  s = {};
  s.threads = cores + 1;
  EXPECT_NE(msg(s).find("cores"), std::string::npos);
  s = {};
  s.batch = 0;
  EXPECT_NE(msg(s).find("at least 1"), std::string::npos);
  s = {};
  s.seconds = -1;
  EXPECT_NE(msg(s), "");
}

TEST(Benchmark, CancellingReturnsCancelled) {
  auto m = chain_model(2, 8, 8, true);
  BenchOptions o;
  o.threads = 1;
  o.seconds = 30;
  int calls = 0;
  o.progress = [&](double) { return ++calls < 2; };
  auto r = run_benchmark(m, o);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);
}

TEST(Benchmark, MergedRoundsPoolLatencies) {
  BenchResult a, b;
  a.batch = b.batch = 2;
  a.iterations = 2, a.duration_s = 1, a.latencies_ms = {1, 3};
  b.iterations = 3, b.duration_s = 2, b.latencies_ms = {2, 4, 5};
  auto m = merge_bench(a, b);
  EXPECT_EQ(m.iterations, 5);
  EXPECT_DOUBLE_EQ(m.throughput_fps, 10.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.latency_ms.median, 3);
  EXPECT_DOUBLE_EQ(m.latency_ms.max, 5);
}

TEST(Sweep, EveryPointMeasuredAndTheSweetSpotRespectsTheBound) {
  auto m = chain_model(2, 8, 8, true);
  SweepOptions o;
  o.base.threads = 1;
  o.base.iterations = 5;
  o.batches = {1, 3};
  size_t last = 0;
  o.progress = [&](size_t done, size_t) {
    last = done;
    return true;
  };
  auto r = run_sweep(m, o);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(r->points.size(), 2u);  // streams 1 only with one thread
  EXPECT_EQ(r->points[1].batch, 3);
  EXPECT_EQ(last, 2u);
  ASSERT_GE(r->best, 0);
  for (const auto& p : r->points) EXPECT_LE(p.throughput_fps, r->points[static_cast<size_t>(r->best)].throughput_fps);
  o.max_latency_ms = 1e-9;  // nothing is that fast
  auto none = run_sweep(m, o);
  ASSERT_TRUE(none.is_ok());
  EXPECT_EQ(none->best, -1);
  // A bad point is refused before anything runs.
  o.streams = {1, 2};
  auto bad = run_sweep(m, o);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("one per stream"), std::string::npos);
  // A fixed-batch model cannot sweep batches.
  SweepOptions f;
  f.base.threads = 1;
  f.base.iterations = 2;
  EXPECT_FALSE(run_sweep(chain_model(1, 4, 4), f).is_ok());
}

// The per-layer medians add up to the median total (the executor's gaps between steps are
// small): within 25%, a bound loose enough for a loaded CI machine, tight enough to catch a
// layer that is not timed or is timed twice. Shares, precisions and summaries are consistent.
TEST(Profile, LayerTimesAddUpToTheTotal) {
  auto m = chain_model(3, 32, 32);  // 3 steps: one untimed step would miss ~33%
  SessionOptions so;
  so.threads = 1;
  auto p = profile_model(m, random_inputs(*m, 1), so, 15);
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  ASSERT_FALSE(p->rows.empty());
  EXPECT_NEAR(p->layers_ms, p->total_ms, 0.25 * p->total_ms);
  EXPECT_GT(p->unprofiled_ms, 0);
  double shares = 0, by_prec = 0;
  int computed = 0;
  for (const auto& r : p->rows) {
    shares += r.share;
    EXPECT_FALSE(r.layer.impl.empty()) << r.layer.name;
    EXPECT_EQ(r.layer.precision, "FP32");
    computed += r.layer.op_type != "Reorder";
  }
  for (const auto& [k, ms] : p->by_precision) by_prec += ms;
  EXPECT_NEAR(shares, p->layers_ms / p->total_ms, 1e-9);
  EXPECT_NEAR(by_prec, p->layers_ms, 1e-9);
  EXPECT_EQ(p->layers_by_precision.at("FP32"), computed);
  EXPECT_FALSE(profile_model(m, random_inputs(*m, 1), so, 0).is_ok());
}

TEST(LatencyStats, NearestRankPercentiles) {
  std::vector<double> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i);
  auto s = latency_stats(v);
  EXPECT_EQ(s.min, 1);
  EXPECT_EQ(s.max, 100);
  EXPECT_EQ(s.median, 50.5);
  EXPECT_EQ(s.p90, 90);
  EXPECT_EQ(s.p99, 99);
}

TEST(Npy, RoundTripAndErrors) {
  std::string p = "/tmp/calibra_npy_" + std::to_string(getpid()) + ".npy";
  for (DType t : {DType::kF32, DType::kI64, DType::kU8, DType::kBool, DType::kF64}) {
    Tensor x(t, {2, 3, 1});
    for (size_t i = 0; i < x.nbytes(); ++i) static_cast<uint8_t*>(x.data())[i] = static_cast<uint8_t>(i % 2);
    ASSERT_TRUE(write_npy(x, p).is_ok());
    auto y = read_npy(p);
    ASSERT_TRUE(y.is_ok()) << y.status().to_string();
    EXPECT_EQ(y->shape(), x.shape());
    EXPECT_EQ(y->dtype(), t);
    EXPECT_EQ(0, std::memcmp(x.data(), y->data(), x.nbytes()));
  }
  Tensor scalar(DType::kF32, {});
  ASSERT_TRUE(write_npy(scalar, p).is_ok());
  EXPECT_EQ(read_npy(p)->rank(), 0u);
  EXPECT_FALSE(parse_npy("garbage", "g").is_ok());
  // A valid header promising 100 floats, followed by no data.
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (100,), }\n";
  std::string truncated = std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(header.size()) + '\0' + header;
  auto t = parse_npy(truncated, "t");
  ASSERT_FALSE(t.is_ok());
  EXPECT_NE(t.status().message().find("truncated"), std::string::npos) << t.status().message();
  std::remove(p.c_str());
}

}  // namespace
}  // namespace calibra::test
