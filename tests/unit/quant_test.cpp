// Calibration pieces on cases with known answers: histogram growth, range algorithms,
// the quantization scheme, the QDQ graph builder; and the whole of `calibrate` on a small
// model: accuracy of the INT8 result, determinism, and every refusal.
#include <onnx/onnx_pb.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "calibra/calibrate.h"
#include "calibra/evaluate.h"
#include "core/cpu.h"
#include "ir/graph.h"
#include "quant/quantize_graph.h"
#include "quant/range.h"
#include "quant/scheme.h"
#include "quant/statistics.h"
#include "testutil.h"

namespace calibra::test {
namespace {

namespace fs = std::filesystem;

TensorStats stats_of(const std::vector<float>& values) {
  StatsCollector c(true);
  Tensor t(DType::kF32, {static_cast<int64_t>(values.size())});
  std::copy(values.begin(), values.end(), t.data_as<float>());
  c.observe("x", t);
  return c.stats().at("x");
}

TEST(Histogram, GrowthKeepsCountsAndLocation) {
  StatsCollector c(true);
  Tensor a(DType::kF32, {1000}), b(DType::kF32, {1000});
  for (int i = 0; i < 1000; ++i) {
    a.data_as<float>()[i] = static_cast<float>(i) / 1000.f;        // [0, 1)
    b.data_as<float>()[i] = static_cast<float>(i) / 1000.f * 7.f;  // [0, 7): forces three doublings
  }
  c.observe("x", a);
  c.observe("x", b);
  const TensorStats& s = c.stats().at("x");
  EXPECT_EQ(s.hist.total(), 2000u);
  EXPECT_GE(s.hist.range(), 7.0);
  EXPECT_LT(s.hist.range(), 16.0);
  // 1143 of the 2000 values lie below 1 (all of the first batch, 1/7 of the second), at a
  // density of 1143 per unit: the median is 1000 / 1143 = 0.875.
  const double median = histogram_quantile(s.hist.bins(), s.hist.bin_width(), -s.hist.range(), 0.5);
  EXPECT_NEAR(median, 0.875, 0.01);
  EXPECT_EQ(s.min, 0.0);
  EXPECT_NEAR(s.max, 6.993, 1e-3);
}

TEST(Statistics, NonFiniteValuesAreSkippedAndCounted) {
  TensorStats s = stats_of({1.f, NAN, -2.f, INFINITY, 0.f});
  EXPECT_EQ(s.non_finite, 2u);
  EXPECT_EQ(s.count, 3u);
  EXPECT_EQ(s.min, -2.0);
  EXPECT_EQ(s.max, 1.0);
  EXPECT_EQ(s.zeros, 1u);
}

// The vectorised histogram puts every value in the bin of the scalar formula
// floor((v + R) * kBins / 2R), zeros included, NaN/Inf left out; odd lengths, values on
// bin edges and next to +-R.
TEST(Histogram, BinsFollowTheFormulaExactly) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-3.f, 3.f);
  std::vector<float> x;
  for (int i = 0; i < 100003; ++i) x.push_back(i % 5 == 0 ? 0.f : u(rng));
  Histogram probe;
  probe.reserve(3.0);
  const double R = probe.range(), w = probe.bin_width();
  for (int b = 0; b < Histogram::kBins; b += 97) x.push_back(static_cast<float>(-R + b * w));  // on edges
  for (float v : {std::nextafter(static_cast<float>(R), 0.f), std::nextafter(static_cast<float>(-R), 0.f), -0.f, NAN,
                  INFINITY, -INFINITY})
    x.push_back(v);
  Histogram h;
  h.add(x.data(), x.size(), 3.0);
  ASSERT_EQ(h.range(), R);
  std::vector<uint64_t> want(static_cast<size_t>(Histogram::kBins), 0);
  for (float v : x) {
    if (!std::isfinite(v)) continue;
    int64_t b = static_cast<int64_t>((static_cast<double>(v) + R) * (static_cast<double>(Histogram::kBins) / (2 * R)));
    ++want[static_cast<size_t>(std::clamp<int64_t>(b, 0, Histogram::kBins - 1))];
  }
  EXPECT_EQ(h.bins(), want);
  EXPECT_EQ(h.total(), x.size() - 3);
}

// A value observed as the plan keeps it (channel blocks of 8 or 16 with padding lanes
// past C, channels last) gives the statistics of the same value in plain layout: min,
// max, counts and histogram exactly, per-channel sums to float rounding. Padding lanes
// hold garbage that must not count.
TEST(Statistics, BlockedAndChannelsLastViewsMatchPlain) {
  const int64_t N = 3, C = 20, H = 5, W = 7, S = H * W;
  Tensor plain = random_tensor({N, C, H, W}, 21, -2.f, 5.f);
  float* p = plain.data_as<float>();
  for (int64_t i = 0; i < plain.numel(); i += 3) p[i] = 0.f;  // ReLU-like zeros
  p[17] = NAN;
  p[400] = INFINITY;
  auto at = [&](int64_t n, int64_t c, int64_t s) { return p[(n * C + c) * S + s]; };
  StatsCollector ref(true);
  ref.observe("x", plain);
  const TensorStats& want = ref.stats().at("x");
  auto check = [&](const ValueView& v, const std::string& what) {
    StatsCollector c(true);
    c.observe("x", v);
    const TensorStats& got = c.stats().at("x");
    EXPECT_EQ(got.min, want.min) << what;
    EXPECT_EQ(got.max, want.max) << what;
    EXPECT_EQ(got.count, want.count) << what;
    EXPECT_EQ(got.non_finite, want.non_finite) << what;
    EXPECT_EQ(got.zeros, want.zeros) << what;
    EXPECT_EQ(got.hist.range(), want.hist.range()) << what;
    EXPECT_EQ(got.hist.bins(), want.hist.bins()) << what;
    EXPECT_EQ(got.per_channel_count, want.per_channel_count) << what;
    ASSERT_EQ(got.channel_sum.size(), want.channel_sum.size()) << what;
    for (size_t k = 0; k < want.channel_sum.size(); ++k)
      EXPECT_NEAR(got.channel_sum[k], want.channel_sum[k], 1e-4 * (1 + std::abs(want.channel_sum[k]))) << what << " channel " << k;
  };
  for (int64_t k : {8, 16}) {
    const int64_t Cb = (C + k - 1) / k;
    std::vector<float> buf(static_cast<size_t>(N * Cb * S * k), 1e30f);  // padding: garbage
    for (int64_t n = 0; n < N; ++n)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t s = 0; s < S; ++s) buf[static_cast<size_t>(((n * Cb + c / k) * S + s) * k + c % k)] = at(n, c, s);
    check(ValueView{ValueView::Kind::kChannelBlocked, DType::kF32, {N, C, H, W}, buf.data(), k}, "blocked " + std::to_string(k));
    // The batch axis leads: the first two samples alone are the first part of the buffer.
    StatsCollector two(false), two_plain(false);
    two.observe("x", ValueView{ValueView::Kind::kChannelBlocked, DType::kF32, {2, C, H, W}, buf.data(), k});
    two_plain.observe("x", ValueView{ValueView::Kind::kPlain, DType::kF32, {2, C, H, W}, p, 0});
    EXPECT_EQ(two.stats().at("x").count, two_plain.stats().at("x").count);
    EXPECT_EQ(two.stats().at("x").max, two_plain.stats().at("x").max);
  }
  std::vector<float> nhwc(static_cast<size_t>(N * C * S));
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t s = 0; s < S; ++s) nhwc[static_cast<size_t>((n * S + s) * C + c)] = at(n, c, s);
  check(ValueView{ValueView::Kind::kChannelsLast, DType::kF32, {N, C, H, W}, nhwc.data(), 0}, "channels last");
  // A plain [N*S, C] matrix (read as channels last) against the same values one row at a time.
  StatsCollector rows(true), one_by_one(true);
  rows.observe("m", ValueView{ValueView::Kind::kPlain, DType::kF32, {N * S, C}, nhwc.data(), 0});
  for (int64_t r = 0; r < N * S; ++r) {
    Tensor row(DType::kF32, {1, C});
    std::copy_n(nhwc.data() + r * C, C, row.data_as<float>());
    one_by_one.observe("m", row);
  }
  const TensorStats &a = rows.stats().at("m"), &e = one_by_one.stats().at("m");
  EXPECT_EQ(a.min, e.min);
  EXPECT_EQ(a.max, e.max);
  EXPECT_EQ(a.count, e.count);
  EXPECT_EQ(a.zeros, e.zeros);
  EXPECT_EQ(a.non_finite, e.non_finite);
  for (int64_t c = 0; c < C; ++c) EXPECT_NEAR(a.channel_sum[static_cast<size_t>(c)], e.channel_sum[static_cast<size_t>(c)], 1e-3);
}

// observe_in_batches: batches of 16 (the last one padded) give what one sample at a time
// gives: same extremes, counts and zeros, per-channel means to rounding; cancellation stops it.
TEST(Statistics, BatchesWithAPaddedTailMatchSingleSamples) {
  ModelBuilder b(13);
  b.input("input", DType::kF32, {-1, 3, 12, 12});
  b.initializer("w1", random_tensor({16, 3, 3, 3}, 31, -0.5f, 0.5f)).initializer("w2", random_tensor({24, 16, 3, 3}, 32, -0.3f, 0.3f));
  b.node("Conv", {"input", "w1"}, {"c1"}, {ais("pads", {1, 1, 1, 1})}).node("Relu", {"c1"}, {"r1"});
  b.node("Conv", {"r1", "w2"}, {"output"}, {ais("pads", {1, 1, 1, 1})}).output("output");
  auto m = b.load();
  auto s = deterministic_session(m);
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  const Shape sample{3, 12, 12};
  const size_t n = 21;
  std::vector<Tensor> samples;
  for (size_t i = 0; i < n; ++i) samples.push_back(random_tensor(sample, 100 + i, -1.f, 2.f));
  auto fill = [&](size_t i, float* dst) {
    std::copy_n(samples[i].data_as<float>(), samples[i].numel(), dst);
    return Status::ok();
  };
  const std::vector<std::string> watch = {"input", "r1", "output"};
  auto collect = [&](size_t batch) {
    StatsCollector c(true);
    size_t batches = 0;
    Status st = observe_in_batches(**s, sample, n, batch, fill, watch, c, [&](size_t) { return ++batches > 0; }, nullptr);
    EXPECT_TRUE(st.is_ok()) << st.to_string();
    EXPECT_EQ(batches, (n + batch - 1) / batch);
    return c.stats();
  };
  const auto one = collect(1), sixteen = collect(16);
  for (const auto& name : watch) {
    SCOPED_TRACE(name);
    const TensorStats &a = one.at(name), &c = sixteen.at(name);
    EXPECT_EQ(c.count, a.count);
    EXPECT_EQ(c.min, a.min);
    EXPECT_EQ(c.max, a.max);
    EXPECT_EQ(c.zeros, a.zeros);
    EXPECT_EQ(c.hist.total(), a.hist.total());
    const auto ma = a.channel_mean(), mc = c.channel_mean();
    ASSERT_EQ(ma.size(), mc.size());
    for (size_t k = 0; k < ma.size(); ++k) EXPECT_NEAR(mc[k], ma[k], 1e-5 * (1 + std::abs(ma[k])));
  }
  StatsCollector c(false);
  Status st = observe_in_batches(**s, sample, n, 4, fill, watch, c, [](size_t done) { return done < 8; }, nullptr);
  EXPECT_EQ(st.code(), StatusCode::kCancelled);
}

TEST(Ranges, HandComputedCases) {
  // Uniform on [0, 1): every algorithm keeps (nearly) the whole range.
  std::vector<float> uniform;
  for (int i = 0; i < 100000; ++i) uniform.push_back(static_cast<float>(i) / 100000.f);
  TensorStats u = stats_of(uniform);
  RangeRequest req;
  req.shape = RangeShape::kUnsigned;
  EXPECT_NEAR(range_minmax(u, req).hi, 0.99999, 1e-4);
  req.percentile = 99.0;
  EXPECT_NEAR(range_percentile(u, req).hi, 0.99, 2e-3);
  EXPECT_GT(range_kl(u, req).hi, 0.9);
  EXPECT_GT(range_mse(u, req).hi, 0.9);
  // Mostly in [-1, 1] with a few outliers at 10: clipping algorithms drop the outliers.
  // (With one histogram pass the bins span [-max, max]: an outlier at 100x the bulk would
  // leave the bulk fewer bins than KL has levels, and KL then keeps the full range.)
  std::vector<float> outlier;
  std::mt19937_64 rng(1);
  std::normal_distribution<float> nd(0.f, 0.3f);
  for (int i = 0; i < 100000; ++i) outlier.push_back(std::clamp(nd(rng), -1.f, 1.f));
  for (int i = 0; i < 3; ++i) outlier.push_back(10.f);
  TensorStats o = stats_of(outlier);
  req.shape = RangeShape::kSymmetric;
  req.levels = 254;
  req.percentile = 99.99;
  EXPECT_NEAR(range_minmax(o, req).hi, 10.0, 1e-3);
  EXPECT_LT(range_percentile(o, req).hi, 1.01);
  EXPECT_LT(range_kl(o, req).hi, 2.0);
  // MSE keeps rare outliers when their squared error outweighs the bulk's rounding noise
  // (here T ~ 8.5); what defines it is the lowest expected error among the candidates.
  const Range mse = range_mse(o, req);
  for (auto* f : {&range_minmax, &range_percentile, &range_kl}) {
    Range r = f(o, req);
    EXPECT_LE(quantization_mse(o.hist, mse.lo, mse.hi, req.levels), quantization_mse(o.hist, r.lo, r.hi, req.levels) * 1.0001);
  }
  // auto: the lowest expected error of the four on the histogram.
  auto a = compute_range("auto", o, req);
  ASSERT_TRUE(a.is_ok());
  double best = 1e30;
  for (auto* f : {&range_minmax, &range_percentile, &range_kl, &range_mse}) {
    Range r = f(o, req);
    best = std::min(best, quantization_mse(o.hist, r.lo, r.hi, req.levels));
  }
  EXPECT_DOUBLE_EQ(quantization_mse(o.hist, a->lo, a->hi, req.levels), best);
  EXPECT_EQ(a->algorithm.rfind("auto:", 0), 0u);
  EXPECT_FALSE(compute_range("magic", o, req).is_ok());
}

TEST(Ranges, KlIgnoresTheReluZeroSpike) {
  // 90% exact zeros, the rest uniform on (0, 4]: the zeros must not pull the threshold in.
  std::vector<float> relu(90000, 0.f);
  for (int i = 1; i <= 10000; ++i) relu.push_back(4.f * static_cast<float>(i) / 10000.f);
  RangeRequest req;
  req.shape = RangeShape::kUnsigned;
  EXPECT_GT(range_kl(stats_of(relu), req).hi, 3.0);
}

TEST(Scheme, ParametersFollowTheRules) {
  QuantScheme s;
  s.preset = Preset::kPerformance;
  Range r{-2.0, 1.0, "x"};
  QuantParam sym = activation_param(r, RangeShape::kSymmetric, s);
  EXPECT_EQ(sym.dtype, DType::kI8);
  EXPECT_FLOAT_EQ(sym.s(), 2.f / 127.f);
  EXPECT_EQ(sym.zp(), 0);
  s.u8_sources = true;  // no VNNI: the same grid, as u8 with zero point 128
  QuantParam symu = activation_param(r, RangeShape::kSymmetric, s);
  EXPECT_EQ(symu.dtype, DType::kU8);
  EXPECT_EQ(symu.zp(), 128);
  EXPECT_FLOAT_EQ(symu.s(), sym.s());
  QuantParam uns = activation_param(Range{0, 5.1, "x"}, RangeShape::kUnsigned, s);
  EXPECT_EQ(uns.dtype, DType::kU8);
  EXPECT_FLOAT_EQ(uns.s(), 0.02f);
  QuantParam asym = activation_param(Range{-1.0, 4.1, "x"}, RangeShape::kAsymmetric, s);
  EXPECT_FLOAT_EQ(asym.s(), 0.02f);
  EXPECT_EQ(asym.zp(), 50);
  QuantParam zero = activation_param(Range{0, 0, "x"}, RangeShape::kUnsigned, s);  // constant activations
  EXPECT_GT(zero.s(), 0.f);
  // Mixed preset: asymmetric only when unbalanced.
  s.preset = Preset::kMixed;
  EXPECT_EQ(range_shape(stats_of({-0.1f, 3.f}), s), RangeShape::kAsymmetric);
  EXPECT_EQ(range_shape(stats_of({-2.f, 3.f}), s), RangeShape::kSymmetric);
  EXPECT_EQ(range_shape(stats_of({0.f, 3.f}), s), RangeShape::kUnsigned);
}

TEST(Scheme, WeightsSevenAndEightBitsPerChannel) {
  Tensor w(DType::kF32, {3, 4});
  for (int i = 0; i < 4; ++i) {
    w.data_as<float>()[i] = static_cast<float>(i) - 1.5f;  // channel 0: max |w| 1.5
    w.data_as<float>()[4 + i] = 0.f;                       // channel 1: all zero
    w.data_as<float>()[8 + i] = 0.01f * static_cast<float>(i);
  }
  for (int bits : {7, 8}) {
    QuantScheme s;
    s.weight_bits = bits;
    auto [q, p] = quantize_weights(w, 0, s);
    const int qmax = bits == 8 ? 127 : 63;
    EXPECT_FLOAT_EQ(p.scale[0], 1.5f / static_cast<float>(qmax));
    EXPECT_FLOAT_EQ(p.scale[1], 1.f);  // all-zero channel
    for (int i = 0; i < 12; ++i) EXPECT_LE(std::abs(q.data_as<int8_t>()[i]), qmax);
    EXPECT_EQ(q.data_as<int8_t>()[0], -qmax);
    Tensor back = dequantize_weights(q, p);
    for (int i = 0; i < 12; ++i) EXPECT_NEAR(back.data_as<float>()[i], w.data_as<float>()[i], p.scale[static_cast<size_t>(i / 4)] / 2 + 1e-7);
  }
  EXPECT_EQ(default_scheme(Preset::kPerformance).weight_bits, cpu_has_vnni() ? 8 : 7);
}

class CalibrateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("calibra_cal_" + std::to_string(getpid()));
    fs::create_directories(dir_);
    const auto tiny = write_tiny_classifier(dir_.string());
    model_ = tiny.model;
    auto m = Model::load(model_);
    auto d = open_dataset(tiny.images);
    ASSERT_TRUE(d.is_ok()) << d.status().to_string();
    data_ = std::move(*d);
    opts_.usage = default_usage(**m, data_->info());
    opts_.subset = 100;
    opts_.threads = 1;
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  std::string model_;
  std::unique_ptr<Dataset> data_;
  CalibrateOptions opts_;
};

TEST_F(CalibrateTest, Int8ModelIsAccurateAndRunsAsInt8) {
  for (const char* alg : {"minmax", "percentile", "kl", "mse", "auto"}) {
    opts_.algorithm = alg;
    auto r = calibrate(model_, *data_, opts_);
    ASSERT_TRUE(r.is_ok()) << alg << ": " << r.status().to_string();
    auto m = Model::load_bytes(r->onnx, "int8");
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    EvalOptions eo;
    eo.threads = 1;
    auto e = evaluate(*m, *data_, opts_.usage, eo);
    ASSERT_TRUE(e.is_ok());
    EXPECT_GE(e->top1, 0.95) << alg;  // the FP32 model scores 1.0 by construction
    int int8_layers = 0;
    for (const auto& l : r->report.layers) int8_layers += l.precision != "FP32";
    EXPECT_GE(int8_layers, 4) << alg;
    // The exported model is standard ONNX: Q/DQ pairs and int8 weights.
    onnx::ModelProto p;
    ASSERT_TRUE(p.ParseFromString(r->onnx));
    int q = 0, dq = 0;
    for (const auto& n : p.graph().node()) q += n.op_type() == "QuantizeLinear", dq += n.op_type() == "DequantizeLinear";
    EXPECT_GE(q, 3);
    EXPECT_GE(dq, q);
  }
}

TEST_F(CalibrateTest, SameInputsGiveByteIdenticalModels) {
  opts_.algorithm = "kl";
  auto a = calibrate(model_, *data_, opts_);
  auto b = calibrate(model_, *data_, opts_);
  ASSERT_TRUE(a.is_ok() && b.is_ok());
  EXPECT_EQ(a->onnx, b->onnx);
  opts_.seed = 99;  // another subset: (almost surely) other ranges
  auto c = calibrate(model_, *data_, opts_);
  EXPECT_NE(a->onnx, c->onnx);
}

// The speed check with chosen times (CalibrateOptions::layer_ms, candidate_faster): one
// layer slower in INT8 goes back to FP32, saying why, only if the whole model is then
// faster; otherwise everything returns to the all-INT8 state, byte for byte.
TEST_F(CalibrateTest, SpeedCheckKeepsRevertsOnlyIfTheWholeModelGetsFaster) {
  opts_.algorithm = "minmax";
  opts_.speed_check = false;
  auto plain = calibrate(model_, *data_, opts_);
  ASSERT_TRUE(plain.is_ok()) << plain.status().to_string();
  std::string slow;  // the first INT8 compute layer: made "slower" in INT8
  for (const auto& l : plain->report.layers)
    if (l.precision != "FP32" && (l.op == "Conv" || l.op == "Gemm")) {
      slow = l.node;
      break;
    }
  ASSERT_FALSE(slow.empty());
  int candidates = 0;
  bool candidate_has_slow_in_fp32 = false;
  opts_.speed_check = true;
  opts_.layer_ms = [&](const Model& fp32, const Model&) -> Result<std::pair<CalibrateOptions::LayerTimes, CalibrateOptions::LayerTimes>> {
    CalibrateOptions::LayerTimes fp, q;
    for (const auto& n : fp32.graph()->nodes) {
      fp[n->name] = 1.0;
      q[n->name] = n->name == slow ? 2.0 : 0.5;
    }
    return std::make_pair(fp, q);
  };
  for (bool faster : {false, true}) {
    SCOPED_TRACE(faster ? "candidate faster" : "candidate slower");
    opts_.candidate_faster = [&](const Model& candidate, const Model&) -> Result<bool> {
      ++candidates;
      // In the candidate, the slow layer's weights are float again (no DequantizeLinear feeds it).
      candidate_has_slow_in_fp32 = false;
      for (const auto& n : candidate.imported()->nodes)
        if (n->name == slow) {
          candidate_has_slow_in_fp32 = true;
          for (const auto& in : n->inputs)
            for (const auto& m : candidate.imported()->nodes)
              if (m->op_type == "DequantizeLinear" && !m->outputs.empty() && m->outputs[0] == in) candidate_has_slow_in_fp32 = false;
        }
      return faster;
    };
    auto r = calibrate(model_, *data_, opts_);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    EXPECT_TRUE(candidate_has_slow_in_fp32);
    const LayerReport* l = nullptr;
    for (const auto& x : r->report.layers)
      if (x.node == slow) l = &x;
    ASSERT_NE(l, nullptr);
    if (faster) {
      EXPECT_EQ(l->precision, "FP32");
      EXPECT_EQ(l->reason, "INT8 slower on this CPU (2.000 ms vs 1.000 ms in FP32)");
      EXPECT_TRUE(r->report.speed_check_note.empty());
      EXPECT_FALSE(r->onnx == plain->onnx);
    } else {
      EXPECT_NE(l->precision, "FP32");
      EXPECT_NE(r->report.speed_check_note.find("all kept in INT8"), std::string::npos);
      EXPECT_TRUE(r->onnx == plain->onnx) << "not restored to the model without the speed check";
    }
  }
  EXPECT_EQ(candidates, 2);
}

// Statistics run in batches of 16 when the batch dimension is dynamic. A graph that pins
// batch 1 inside (Flatten replaced by Reshape to [1, 8]) makes the batched run fail; the
// calibrator then falls back to one sample at a time. Min/max ranges do not depend on the
// batching, so both models must give the same observed ranges.
TEST_F(CalibrateTest, GraphsPinningBatchOneFallBackToSingleSamples) {
  onnx::ModelProto p;
  {
    std::ifstream f(model_, std::ios::binary);
    ASSERT_TRUE(p.ParseFromIstream(&f));
  }
  auto* g = p.mutable_graph();
  for (auto& n : *g->mutable_node())
    if (n.op_type() == "Flatten") {
      n.set_op_type("Reshape");
      n.clear_attribute();
      n.add_input("pinned_shape");
    }
  auto* shape = g->add_initializer();
  shape->set_name("pinned_shape");
  shape->set_data_type(onnx::TensorProto::INT64);
  shape->add_dims(2);
  shape->add_int64_data(1);
  shape->add_int64_data(8);
  const std::string pinned = (dir_ / "pinned.onnx").string();
  {
    std::ofstream f(pinned, std::ios::binary);
    ASSERT_TRUE(p.SerializeToOstream(&f));
  }
  opts_.algorithm = "minmax";
  auto a = calibrate(model_, *data_, opts_);
  auto b = calibrate(pinned, *data_, opts_);
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();
  ASSERT_TRUE(b.is_ok()) << b.status().to_string();
  std::map<std::string, TensorReport> by_name;
  for (const auto& t : a->report.tensors) by_name[t.name] = t;
  int compared = 0;
  for (const auto& t : b->report.tensors) {
    auto it = by_name.find(t.name);
    if (it == by_name.end()) continue;
    EXPECT_EQ(t.min, it->second.min) << t.name;
    EXPECT_EQ(t.max, it->second.max) << t.name;
    ++compared;
  }
  EXPECT_GE(compared, 4);
}

// Numerical edge cases end to end: a quantized conv whose input is constant (zero range), a
// weight channel of zeros, and NaN in the activations a quantized conv sees (Sqrt of
// negatives): calibration succeeds, skips and counts the NaN, and every scale is finite.
TEST_F(CalibrateTest, ZeroRangesZeroChannelsAndNanActivations) {
  ModelBuilder b(13);
  b.input("input", DType::kF32, {-1, 1, 12, 12});
  Tensor zero(DType::kF32, {1});
  zero.data_as<float>()[0] = 0.f;
  Tensor wz = random_tensor({4, 1, 3, 3}, 11, -0.5f, 0.5f);
  for (int k = 0; k < 9; ++k) wz.data_as<float>()[9 + k] = 0.f;  // output channel 1: all zero
  b.initializer("zero", zero).initializer("wa", random_tensor({4, 1, 3, 3}, 12)).initializer("wz", wz);
  b.initializer("wc", random_tensor({4, 4, 3, 3}, 13));
  b.node("Mul", {"input", "zero"}, {"z"}).node("Conv", {"z", "wa"}, {"a"}, {ais("pads", {1, 1, 1, 1})});
  b.node("Conv", {"input", "wz"}, {"bz"}, {ais("pads", {1, 1, 1, 1})}).node("Sqrt", {"bz"}, {"nan"});
  b.node("Conv", {"nan", "wc"}, {"c"}, {ais("pads", {1, 1, 1, 1})}).node("Add", {"a", "c"}, {"s"});
  b.node("GlobalAveragePool", {"s"}, {"g"}).node("Flatten", {"g"}, {"output"}).output("output");
  const std::string path = (dir_ / "edge.onnx").string();
  fs::copy_file(b.save(), path, fs::copy_options::overwrite_existing);
  opts_.speed_check = false;  // a timing verdict must not change what is checked here
  for (const char* alg : {"minmax", "percentile", "kl", "mse"}) {
    opts_.algorithm = alg;
    auto r = calibrate(path, *data_, opts_);
    ASSERT_TRUE(r.is_ok()) << alg << ": " << r.status().to_string();
    EXPECT_GT(r->report.non_finite_skipped, 0u) << alg;
    // The conv reading only NaN stays FP32 and says why; the conv on a constant input and
    // the one with a zero weight channel are quantized.
    int nan_fp32 = 0, quantized = 0;
    for (const auto& l : r->report.layers) {
      nan_fp32 += l.precision == "FP32" && l.reason.find("no finite values") != std::string::npos;
      quantized += l.op == "Conv" && l.precision != "FP32";
    }
    EXPECT_GE(nan_fp32, 1) << alg;
    EXPECT_EQ(quantized, 2) << alg;
    for (const auto& t : r->report.tensors) {
      EXPECT_TRUE(std::isfinite(t.scale) && t.scale > 0) << alg << " " << t.name << " scale " << t.scale;
      EXPECT_TRUE(std::isfinite(t.lo) && std::isfinite(t.hi)) << alg << " " << t.name;
    }
    auto m = Model::load_bytes(r->onnx, "edge int8");
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    auto s = Session::create(*m, SessionOptions{});
    ASSERT_TRUE(s.is_ok());
    Tensor x = random_tensor({1, 1, 12, 12}, 3);
    auto y = (*s)->run({x});
    ASSERT_TRUE(y.is_ok()) << y.status().to_string();
  }
}

TEST_F(CalibrateTest, AccuracyAwareModeMeetsTheBound) {
  opts_.max_drop = 0.0;
  opts_.validation_subset = 200;
  opts_.weight_bits = 7;
  auto r = calibrate(model_, *data_, opts_);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_TRUE(r->report.fp32_top1 && r->report.int8_top1);
  EXPECT_GE(*r->report.int8_top1, *r->report.fp32_top1);
  EXPECT_FALSE(r->report.accuracy_steps.empty());
}

TEST_F(CalibrateTest, IgnoredLayersStayFp32WithTheReason) {
  opts_.ignore = {"Gemm"};
  auto r = calibrate(model_, *data_, opts_);
  ASSERT_TRUE(r.is_ok());
  for (const auto& l : r->report.layers)
    if (l.op == "Gemm") {
      EXPECT_EQ(l.precision, "FP32");
      EXPECT_NE(l.reason.find("--ignore"), std::string::npos);
    }
  opts_.ignore = {"NoSuchLayer"};
  auto bad = calibrate(model_, *data_, opts_);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("NoSuchLayer"), std::string::npos);
}

TEST_F(CalibrateTest, Refusals) {
  auto expect = [](const Result<CalibrationResult>& r, const std::string& needle) {
    ASSERT_FALSE(r.is_ok());
    EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
  };
  // Generated dataset.
  DatasetOptions go;
  go.generated_shape = {1, 12, 12};
  auto gen = open_dataset("generated:50", go);
  expect(calibrate(model_, **gen, opts_), "generated dataset cannot be used");
  // Accuracy-aware without labels: the same images as a plain folder would do; use IDX without labels.
  fs::copy_file(dir_ / "d-images-idx3-ubyte", dir_ / "nolabel-images-idx3-ubyte");
  auto unl = open_dataset("idx:" + (dir_ / "nolabel-images-idx3-ubyte").string());
  ASSERT_TRUE(unl.is_ok());
  CalibrateOptions aa = opts_;
  aa.max_drop = 0.5;
  expect(calibrate(model_, **unl, aa), "needs an annotated dataset");
  // An already quantized model.
  auto first = calibrate(model_, *data_, opts_);
  ASSERT_TRUE(first.is_ok());
  std::ofstream((dir_ / "q.onnx").string(), std::ios::binary) << first->onnx;
  expect(calibrate((dir_ / "q.onnx").string(), *data_, opts_), "the model is INT8 (QDQ)");
  // No quantizable layer.
  ModelBuilder nb(13);
  nb.input("input", DType::kF32, {-1, 1, 12, 12}).node("Relu", {"input"}, {"output"}).output("output");
  std::string p = nb.save();
  expect(calibrate(p, *data_, opts_), "no layer Calibra can quantize");
  fs::remove(p);
  // A dataset that cannot feed the model: RGB usage for a gray model.
  CalibrateOptions rgb = opts_;
  rgb.usage.preprocessing.color = "rgb";
  expect(calibrate(model_, *data_, rgb), "color is 'rgb'");
}

}  // namespace
}  // namespace calibra::test
