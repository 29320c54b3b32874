// src/core/status.h — the one error type of cassvault.
//
// A LevelDB-style value: success costs nothing (no allocation), failures carry a code chosen by what
// the caller does next, and a message that names its subject first ("vault file:///x: ..."), then the
// detail. Messages never contain secrets. Nothing throws across layers: code that calls throwing
// libraries (yaml-cpp, nlohmann-json) catches at the edge and returns a Status.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace cv {

enum class StatusCode : int {
  kOk = 0,
  kNotFound,            // object, file, backup, keyspace does not exist
  kAlreadyExists,       // create-only write hit an existing object
  kCorruption,          // bytes do not match their checksum / hash / format: never retried
  kInvalidArgument,     // bad input from the user: config, flags, names
  kPermissionDenied,    // identity lacks a permission, or the key is wrong
  kUnauthenticated,     // no usable credentials
  kUnavailable,         // transient: endpoint unreachable, 5xx; retryable
  kResourceExhausted,   // disk full, throttled (429)
  kDeadlineExceeded,    // timed out
  kCancelled,           // stopped by the user or by a sibling's failure
  kFailedPrecondition,  // state is wrong for the operation (node up for offline restore, ...)
  kNotSupported,
  kIOError,
  kInternal,  // a bug
};

class [[nodiscard]] Status {
 public:
  Status() noexcept = default;  // OK
  Status(StatusCode code, std::string_view subject, std::string_view detail = {});

  static Status OK() { return Status(); }
  static Status NotFound(std::string_view s, std::string_view d = {}) {
    return {StatusCode::kNotFound, s, d};
  }
  static Status AlreadyExists(std::string_view s, std::string_view d = {}) {
    return {StatusCode::kAlreadyExists, s, d};
  }
  static Status Corruption(std::string_view s, std::string_view d = {}) {
    return {StatusCode::kCorruption, s, d};
  }
  static Status InvalidArgument(std::string_view s, std::string_view d = {}) {
    return {StatusCode::kInvalidArgument, s, d};
  }
  static Status PermissionDenied(std::string_view s, std::string_view d = {}) {
    return {StatusCode::kPermissionDenied, s, d};
  }
  static Status Unavailable(std::string_view s, std::string_view d = {}) {
    return {StatusCode::kUnavailable, s, d};
  }
  static Status ResourceExhausted(std::string_view s, std::string_view d = {}) {
    return {StatusCode::kResourceExhausted, s, d};
  }
  static Status Cancelled(std::string_view s, std::string_view d = {}) {
    return {StatusCode::kCancelled, s, d};
  }
  static Status FailedPrecondition(std::string_view s, std::string_view d = {}) {
    return {StatusCode::kFailedPrecondition, s, d};
  }
  static Status NotSupported(std::string_view s, std::string_view d = {}) {
    return {StatusCode::kNotSupported, s, d};
  }
  static Status IOError(std::string_view s, std::string_view d = {}) { return {StatusCode::kIOError, s, d}; }
  static Status Internal(std::string_view s, std::string_view d = {}) {
    return {StatusCode::kInternal, s, d};
  }
  // From errno: ENOENT -> NotFound, EEXIST -> AlreadyExists, ENOSPC/EDQUOT -> ResourceExhausted,
  // EACCES/EPERM -> PermissionDenied, everything else -> IOError. Subject is usually the path.
  static Status FromErrno(int err, std::string_view subject, std::string_view what = {});

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  bool IsNotFound() const { return code() == StatusCode::kNotFound; }
  bool IsAlreadyExists() const { return code() == StatusCode::kAlreadyExists; }
  bool IsCorruption() const { return code() == StatusCode::kCorruption; }
  bool IsCancelled() const { return code() == StatusCode::kCancelled; }
  // Transient failures a retry may cure.
  bool IsRetryable() const;

  const std::string& message() const;
  // "Corruption: <message>"
  std::string ToString() const;
  // A copy with more context in front: s.Annotate("backup 2026...") -> "backup 2026...: <message>".
  Status Annotate(std::string_view context) const;

 private:
  struct Rep {
    StatusCode code;
    std::string message;
  };
  std::shared_ptr<const Rep> rep_;  // immutable, so copies may share it
};

std::string_view StatusCodeName(StatusCode code);

}  // namespace cv

// Propagate a failed Status to the caller.
#define CV_RETURN_IF_ERROR(expr)     \
  do {                               \
    ::cv::Status _cv_st = (expr);    \
    if (!_cv_st.ok()) return _cv_st; \
  } while (0)
