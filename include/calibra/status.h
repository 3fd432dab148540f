// Status and Result<T>: how Calibra reports errors a user can cause.
//
// A user error (malformed model, unsupported op, bad input file) is a value, never a crash.
// Status::ok() carries no allocation; an error carries a code and a one-line message that
// says what is wrong, where, and (when we know it) what to do about it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace calibra {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad user input: flags, shapes, files
  kInvalidModel,     // the model file is not a valid/consistent ONNX model
  kUnsupported,      // valid, but uses something Calibra does not implement
  kNotFound,         // a file or name does not exist
  kIoError,          // reading or writing failed
  kOutOfRange,       // data-dependent value out of range (e.g. Gather index)
  kResourceExhausted,// a configured limit was exceeded
  kCancelled,        // the caller cancelled a long job
  kFailedPrecondition,  // not allowed in the current state (a file in use, a job already finished)
  kInternal,         // our own bug; please report
};

const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message);

  static Status ok() { return Status(); }
  static Status invalid_argument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status invalid_model(std::string m) { return {StatusCode::kInvalidModel, std::move(m)}; }
  static Status unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
  static Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status io_error(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status out_of_range(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
  static Status resource_exhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
  static Status cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
  static Status failed_precondition(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
  static Status internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool is_ok() const { return state_ == nullptr; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return state_ ? state_->code : StatusCode::kOk; }
  const std::string& message() const;
  // "unsupported: ..." style line for logs and CLI output.
  std::string to_string() const;
  // Returns a copy with `context` prefixed to the message ("while loading X: ...").
  Status with_context(const std::string& context) const;

 private:
  struct State {
    StatusCode code;
    std::string message;
  };
  std::shared_ptr<const State> state_;
};

// Either a value or an error Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}                  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}           // NOLINT: implicit by design

  bool is_ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return is_ok(); }
  const Status& status() const {
    static const Status kOk;
    return is_ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace calibra

#define CALIBRA_CONCAT_INNER(a, b) a##b
#define CALIBRA_CONCAT(a, b) CALIBRA_CONCAT_INNER(a, b)

// Returns early with the error when `expr` (a Status) is not ok.
#define CALIBRA_TRY(expr)                         \
  do {                                            \
    ::calibra::Status _calibra_st = (expr);       \
    if (!_calibra_st.is_ok()) return _calibra_st; \
  } while (0)

// `CALIBRA_ASSIGN_OR_RETURN(auto x, make_x());`
#define CALIBRA_ASSIGN_OR_RETURN(lhs, expr) \
  CALIBRA_ASSIGN_OR_RETURN_IMPL(CALIBRA_CONCAT(_calibra_r, __LINE__), lhs, expr)
#define CALIBRA_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.is_ok()) return tmp.status();              \
  lhs = std::move(tmp).value()
