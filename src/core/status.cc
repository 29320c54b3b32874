#include "core/status.h"

#include <cerrno>
#include <cstring>

namespace cv {

Status::Status(StatusCode code, std::string_view subject, std::string_view detail) {
  if (code == StatusCode::kOk) return;
  std::string msg(subject);
  if (!detail.empty()) {
    if (!msg.empty()) msg += ": ";
    msg += detail;
  }
  rep_ = std::make_shared<const Rep>(Rep{code, std::move(msg)});
}

Status Status::FromErrno(int err, std::string_view subject, std::string_view what) {
  std::string detail(what);
  if (!detail.empty()) detail += ": ";
  detail += std::strerror(err);
  switch (err) {
    case ENOENT:
      return NotFound(subject, detail);
    case EEXIST:
      return AlreadyExists(subject, detail);
    case ENOSPC:
    case EDQUOT:
      return ResourceExhausted(subject, detail);
    case EACCES:
    case EPERM:
    case EROFS:  // the write is refused, as for a missing permission; strerror names which
      return PermissionDenied(subject, detail);
    default:
      return IOError(subject, detail);
  }
}

bool Status::IsRetryable() const {
  switch (code()) {
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kResourceExhausted:
      return true;
    default:
      return false;
  }
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return rep_ ? rep_->message : kEmpty;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(StatusCodeName(code())) + ": " + message();
}

Status Status::Annotate(std::string_view context) const {
  if (ok()) return *this;
  return Status(code(), context, message());
}

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kNotFound:
      return "Not found";
    case StatusCode::kAlreadyExists:
      return "Already exists";
    case StatusCode::kCorruption:
      return "Corruption";
    case StatusCode::kInvalidArgument:
      return "Invalid argument";
    case StatusCode::kPermissionDenied:
      return "Permission denied";
    case StatusCode::kUnauthenticated:
      return "Unauthenticated";
    case StatusCode::kUnavailable:
      return "Unavailable";
    case StatusCode::kResourceExhausted:
      return "Resource exhausted";
    case StatusCode::kDeadlineExceeded:
      return "Deadline exceeded";
    case StatusCode::kCancelled:
      return "Cancelled";
    case StatusCode::kFailedPrecondition:
      return "Failed precondition";
    case StatusCode::kNotSupported:
      return "Not supported";
    case StatusCode::kIOError:
      return "I/O error";
    case StatusCode::kInternal:
      return "Internal error";
  }
  return "Unknown";
}

}  // namespace cv
