// One depthwise convolution in isolation: Calibra's INT8 kernel (kernels/native/dw_int8.h)
// vs oneDNN's FP32 and INT8 kernels on the same shape, ReLU6 fused, run A B C A B C ...
// (the machine is shared: alternating spreads drift over all three), min and median ms.
// oneDNN picks its own layouts (format_tag::any); ours is NHWC u8 -> u8.
//
// Build (after building the library), from the repository root:
//   g++ -O2 -std=c++20 -fopenmp -Isrc -Iinclude bench/dw_int8_layers.cpp build/libcalibra_core.a
//   -ldnnl -o build/dw_int8_layers
// Run (the product's CPU has AVX2 without VNNI):
//   ONEDNN_MAX_CPU_ISA=AVX2 build/dw_int8_layers [CHANNELS SIZE STRIDE [K [THREADS [RUNS]]]]
// Without arguments: MobileNetV2's depthwise shapes, 3x3, 1 thread.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <oneapi/dnnl/dnnl.hpp>
#include <random>
#include <vector>

#include "kernels/native/dw_int8.h"

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

struct Shape {
  int c, size, stride, k;
  int out() const { return (size + 2 * (k / 2) - k) / stride + 1; }
};

struct OneDnnConv {
  dnnl::convolution_forward conv;
  memory src, w, b, dst;
  dnnl::stream strm;
  void run() {
    conv.execute(
        strm,
        {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_BIAS, b}, {DNNL_ARG_DST, dst}});
    strm.wait();
  }
};

OneDnnConv onednn(const Shape& s, bool int8, const dnnl::engine& eng) {
  const memory::dims src{1, s.c, s.size, s.size}, w{s.c, 1, 1, s.k, s.k}, b{s.c},
      dst{1, s.c, s.out(), s.out()};
  const memory::dims strides{s.stride, s.stride}, pad{s.k / 2, s.k / 2};
  memory::desc smd(src, int8 ? dt::u8 : dt::f32, tag::any),
      wmd(w, int8 ? dt::s8 : dt::f32, tag::any), bmd(b, dt::f32, tag::a),
      dmd(dst, int8 ? dt::u8 : dt::f32, tag::any);
  dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference,
                                    dnnl::algorithm::convolution_direct, smd, wmd, bmd, dmd,
                                    strides, pad, pad);
  dnnl::primitive_attr attr;
  dnnl::post_ops po;
  po.append_eltwise(1.f, dnnl::algorithm::eltwise_clip, 0.f, int8 ? 120.f : 6.f);
  attr.set_post_ops(po);
  if (int8) attr.set_output_scales(1 << 1, std::vector<float>(static_cast<size_t>(s.c), 0.004f));
  dnnl::convolution_forward::primitive_desc pd(d, attr, eng);
  return {dnnl::convolution_forward(pd), memory(pd.src_desc(), eng), memory(pd.weights_desc(), eng),
          memory(pd.bias_desc(), eng),   memory(pd.dst_desc(), eng), dnnl::stream(eng)};
}

template <typename F>
double ms(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

void bench(const Shape& s, int threads, int runs) {
  const dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  OneDnnConv f32 = onednn(s, false, eng), q8 = onednn(s, true, eng);
  calibra::native::DwInt8Spec spec;
  spec.channels = s.c;
  spec.in_h = spec.in_w = s.size;
  spec.out_h = spec.out_w = s.out();
  spec.kernel = s.k;
  spec.stride_h = spec.stride_w = s.stride;
  spec.pad_top = spec.pad_left = s.k / 2;
  std::mt19937 rng(1);
  spec.weights.resize(static_cast<size_t>(s.c * s.k * s.k));
  for (auto& w : spec.weights)
    w = static_cast<int8_t>(static_cast<int>(rng() % 127) - 63);  // 7-bit, as without VNNI
  spec.weight_scales.assign(static_cast<size_t>(s.c), 0.01f);
  spec.bias.assign(static_cast<size_t>(s.c), 0.1f);
  spec.src_scale = 0.02f;
  spec.dst_scale = 0.05f;
  spec.act_lo = 0.f, spec.act_hi = 6.f;  // ReLU6
  std::string why;
  auto k = calibra::native::DwInt8Kernel::make(spec, threads, &why);
  if (!k) {
    std::printf("native kernel declined: %s\n", why.c_str());
    return;
  }
  std::vector<uint8_t> src(static_cast<size_t>(s.c * s.size * s.size)),
      dst(static_cast<size_t>(s.c * s.out() * s.out()));
  for (auto& x : src) x = static_cast<uint8_t>(rng());
  std::vector<uint8_t> scratch(k->scratchpad_bytes() + 64);
  void* sp = scratch.data() + (64 - reinterpret_cast<uintptr_t>(scratch.data()) % 64) % 64;
  std::vector<double> t[3];
  for (int i = 0; i < runs; ++i) {
    t[0].push_back(ms([&] { k->compute(src.data(), dst.data(), sp); }));
    t[1].push_back(ms([&] { q8.run(); }));
    t[2].push_back(ms([&] { f32.run(); }));
  }
  for (auto& v : t) std::sort(v.begin(), v.end());
  auto med = [](const std::vector<double>& v) { return v[v.size() / 2]; };
  std::printf("| %dx%dx%d k%d s%d | %.4f / %.4f | %.4f / %.4f | %.4f / %.4f | %.2fx | %.2fx |\n",
              s.c, s.size, s.size, s.k, s.stride, t[0][0], med(t[0]), t[1][0], med(t[1]), t[2][0],
              med(t[2]), med(t[2]) / med(t[0]), med(t[1]) / med(t[0]));
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<Shape> shapes;
  int threads = 1, runs = 300;
  if (argc >= 4) {
    shapes.push_back({std::atoi(argv[1]), std::atoi(argv[2]), std::atoi(argv[3]),
                      argc > 4 ? std::atoi(argv[4]) : 3});
    if (argc > 5) threads = std::atoi(argv[5]);
    if (argc > 6) runs = std::atoi(argv[6]);
  } else {
    shapes = {{32, 112, 1, 3}, {96, 112, 2, 3}, {144, 56, 1, 3}, {144, 56, 2, 3}, {192, 28, 1, 3},
              {192, 28, 2, 3}, {384, 14, 1, 3}, {576, 14, 1, 3}, {576, 14, 2, 3}, {960, 7, 1, 3}};
  }
  omp_set_num_threads(threads);
  std::printf(
      "%d thread(s), %d alternating runs; ms min / median; speed-up = median / native median\n\n",
      threads, runs);
  std::printf(
      "| input (CxHxW) | native INT8 | oneDNN INT8 | oneDNN FP32 | vs FP32 | vs oneDNN INT8 |\n");
  std::printf("|---|---|---|---|---|---|\n");
  for (const Shape& s : shapes) bench(s, threads, runs);
}
