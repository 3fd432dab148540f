#include "calibra/status.h"

namespace calibra {

const char* status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid argument";
    case StatusCode::kInvalidModel: return "invalid model";
    case StatusCode::kUnsupported: return "unsupported";
    case StatusCode::kNotFound: return "not found";
    case StatusCode::kIoError: return "I/O error";
    case StatusCode::kOutOfRange: return "out of range";
    case StatusCode::kResourceExhausted: return "limit exceeded";
    case StatusCode::kCancelled: return "cancelled";
    case StatusCode::kFailedPrecondition: return "failed precondition";
    case StatusCode::kInternal: return "internal error";
  }
  return "unknown";
}

Status::Status(StatusCode code, std::string message) {
  if (code == StatusCode::kOk) return;
  // One line, always: messages quote file names, node names, file contents and library
  // errors (libarchive, libpng, ...) that may carry line breaks or other control characters,
  // and the CLI prints "calibra: error: <message>".
  for (char& c : message)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  while (!message.empty() && message.back() == ' ') message.pop_back();
  state_ = std::make_shared<State>(State{code, std::move(message)});
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return state_ ? state_->message : kEmpty;
}

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  return std::string(status_code_name(state_->code)) + ": " + state_->message;
}

Status Status::with_context(const std::string& context) const {
  if (is_ok()) return *this;
  return Status(state_->code, context + ": " + state_->message);
}

}  // namespace calibra
