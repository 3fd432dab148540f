#include "calibra/evaluate.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include "calibra/session.h"

namespace calibra {

namespace {

struct Batch {
  size_t index = 0;
  Tensor input;
  std::vector<int64_t> labels;
  std::vector<std::string> sources;
  Status status;
};

// Loader threads take batch numbers in turn; the consumer takes them back in order.
class Prefetcher {
 public:
  Prefetcher(const Dataset& data, const PreprocessConfig& pre, const Shape& sample, size_t total, int64_t batch,
             int threads, size_t depth)
      : data_(data), pre_(pre), sample_(sample), total_(total), batch_(batch), depth_(depth) {
    n_batches_ = (total + static_cast<size_t>(batch) - 1) / static_cast<size_t>(batch);
    for (int t = 0; t < std::max(1, threads); ++t) workers_.emplace_back([this] { loop(); });
  }
  ~Prefetcher() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
  }
  // The next batch in order; nullopt after the last.
  std::optional<Batch> next() {
    std::unique_lock<std::mutex> l(mu_);
    if (taken_ == n_batches_) return std::nullopt;
    cv_.wait(l, [&] { return ready_.count(taken_) != 0; });
    Batch b = std::move(ready_[taken_]);
    ready_.erase(taken_++);
    cv_.notify_all();
    return b;
  }

 private:
  void loop() {
    for (;;) {
      size_t k;
      {
        std::unique_lock<std::mutex> l(mu_);
        cv_.wait(l, [&] { return stop_ || (next_ < n_batches_ && next_ < taken_ + depth_); });
        if (stop_ || next_ >= n_batches_) return;
        k = next_++;
      }
      Batch b = make(k);
      {
        std::lock_guard<std::mutex> l(mu_);
        ready_[k] = std::move(b);
      }
      cv_.notify_all();
    }
  }
  Batch make(size_t k) {
    Batch b;
    b.index = k;
    const size_t first = k * static_cast<size_t>(batch_), n = std::min(static_cast<size_t>(batch_), total_ - first);
    Shape shape{static_cast<int64_t>(n)};
    shape.insert(shape.end(), sample_.begin(), sample_.end());
    b.input = Tensor(DType::kF32, shape);
    const int64_t per = shape_numel(sample_);
    for (size_t i = 0; i < n; ++i) {
      auto s = data_.get(first + i);
      if (!s.is_ok()) {
        b.status = s.status();
        return b;
      }
      float* dst = b.input.data_as<float>() + static_cast<int64_t>(i) * per;
      if (s->tensor.defined()) {
        if (s->tensor.numel() != per) {
          b.status = Status::invalid_argument("generated sample has the wrong size");
          return b;
        }
        std::memcpy(dst, s->tensor.data(), static_cast<size_t>(per) * sizeof(float));
      } else {
        Status st = preprocess(s->image, pre_, sample_, dst);
        if (!st.is_ok()) {
          b.status = st.with_context(s->source);
          return b;
        }
      }
      b.labels.push_back(s->label);
      b.sources.push_back(s->source);
    }
    return b;
  }

  const Dataset& data_;
  PreprocessConfig pre_;
  Shape sample_;
  size_t total_;
  int64_t batch_;
  size_t depth_;
  size_t n_batches_ = 0, next_ = 0, taken_ = 0;
  bool stop_ = false;
  std::map<size_t, Batch> ready_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::thread> workers_;
};

}  // namespace

Result<EvalResult> evaluate(std::shared_ptr<const Model> model, const Dataset& data, const ModelUsage& usage,
                            const EvalOptions& opts) {
  if (opts.batch < 1) return Status::invalid_argument("batch must be at least 1");
  CALIBRA_TRY(validate_usage(usage, *model, data.info()));
  CALIBRA_ASSIGN_OR_RETURN(Shape sample, sample_shape(usage, *model));
  const TensorSpec& in = model->inputs()[0];
  if (in.dims[0] >= 0 && in.dims[0] != opts.batch)
    return Status::invalid_argument("the model's input has a fixed batch of " + std::to_string(in.dims[0]) +
                                    "; use --batch " + std::to_string(in.dims[0]));
  if (data.info().generated && shape_numel(data.info().generated ? sample : Shape{}) <= 0)
    return Status::invalid_argument("generated dataset without a shape");
  const size_t total = opts.limit ? std::min(opts.limit, data.size()) : data.size();
  if (total == 0) return Status::invalid_argument("the dataset is empty");
  if (in.dims[0] >= 0 && total % static_cast<size_t>(opts.batch) != 0)
    return Status::invalid_argument("the model has a fixed batch of " + std::to_string(in.dims[0]) + " but " +
                                    std::to_string(total) + " samples do not fill the last batch; use --limit");
  SessionOptions so;
  so.threads = opts.threads;
  so.use_dnnl = opts.use_dnnl;
  CALIBRA_ASSIGN_OR_RETURN(auto session, Session::create(model, so));

  EvalResult r;
  r.usage = usage;
  r.dataset = data.info();
  r.annotated = data.info().annotated;
  const auto t0 = std::chrono::steady_clock::now();
  auto last_report = t0;
  Prefetcher pf(data, usage.preprocessing, sample, total, opts.batch, opts.loader_threads, opts.queue_batches);
  while (auto b = pf.next()) {
    if (!b->status.is_ok()) return b->status;
    CALIBRA_ASSIGN_OR_RETURN(auto out, session->run({b->input}));
    const Tensor& y = out[0];
    const int64_t n = y.dim(0), k = y.numel() / std::max<int64_t>(n, 1);
    if (y.dtype() != DType::kF32 || n != b->input.dim(0))
      return Status::invalid_argument("the model's first output " + shape_str(y.shape()) + " is not [batch, classes]");
    if (r.classes == 0) {
      r.classes = k;
      if (r.annotated && data.info().num_classes + usage.label_offset > k)
        return Status::invalid_argument("the model predicts " + std::to_string(k) + " classes but the dataset has " +
                                        std::to_string(data.info().num_classes) + " (label_offset " +
                                        std::to_string(usage.label_offset) + "); check label_offset in the model usage config");
    }
    for (int64_t i = 0; i < n; ++i) {
      const float* row = y.data_as<float>() + i * k;
      // Top-5 by value; ties go to the lower class index (as a stable sort / argmax would).
      std::vector<int32_t> idx(static_cast<size_t>(k));
      for (int32_t c = 0; c < k; ++c) idx[static_cast<size_t>(c)] = c;
      const size_t top = std::min<size_t>(5, idx.size());
      std::partial_sort(idx.begin(), idx.begin() + static_cast<long>(top), idx.end(), [&](int32_t a, int32_t c) {
        return row[a] > row[c] || (row[a] == row[c] && a < c);
      });
      const int32_t pred = idx[0] - static_cast<int32_t>(usage.label_offset);
      r.predictions.push_back(pred);
      r.sources.push_back(b->sources[static_cast<size_t>(i)]);
      if (opts.keep_outputs) r.outputs.insert(r.outputs.end(), row, row + k);
      const int64_t label = b->labels[static_cast<size_t>(i)];
      r.labels.push_back(label);
      if (r.annotated && label >= 0) {
        const int32_t want = static_cast<int32_t>(label + usage.label_offset);
        if (idx[0] == want) ++r.correct_top1;
        for (size_t t = 0; t < top; ++t)
          if (idx[t] == want) ++r.correct_top5;
      }
    }
    r.samples += static_cast<size_t>(n);
    auto now = std::chrono::steady_clock::now();
    if (opts.progress && (now - last_report > std::chrono::milliseconds(250) || r.samples == total)) {
      last_report = now;
      if (!opts.progress(r.samples, total, std::chrono::duration<double>(now - t0).count()))
        return Status::cancelled("evaluation cancelled after " + std::to_string(r.samples) + " samples");
    }
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.samples_per_second = r.seconds > 0 ? static_cast<double>(r.samples) / r.seconds : 0;
  if (r.annotated && r.samples) {
    r.top1 = static_cast<double>(r.correct_top1) / static_cast<double>(r.samples);
    r.top5 = static_cast<double>(r.correct_top5) / static_cast<double>(r.samples);
  }
  return r;
}

}  // namespace calibra
