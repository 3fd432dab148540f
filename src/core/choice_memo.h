// Timed decisions (kernel, algorithm or layout by measurement), made once per process per
// key: later plans and sessions reuse the first verdict, so that within a process a choice
// never differs by timing noise between two sessions of one model.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace calibra {

class ChoiceMemo {
 public:
  std::optional<bool> find(const std::string& key) const {
    std::lock_guard<std::mutex> l(mu_);
    auto it = choices_.find(key);
    return it == choices_.end() ? std::nullopt : std::optional<bool>(it->second);
  }
  // Records `value` unless the key was decided meanwhile (by another thread timing the same
  // key); returns the verdict that stands.
  bool remember(const std::string& key, bool value) {
    std::lock_guard<std::mutex> l(mu_);
    return choices_.emplace(key, value).first->second;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, bool> choices_;
};

}  // namespace calibra
