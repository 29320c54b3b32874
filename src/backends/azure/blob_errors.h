// src/backends/azure/blob_errors.h — an unexpected Blob API response as a Status.
//
// The code follows what the caller does next (core/status.h): 404 NotFound, 409 BlobAlreadyExists
// AlreadyExists, 403 PermissionDenied saying which permission the operation needs, 401 Unauthenticated,
// 408 DeadlineExceeded, 429 ResourceExhausted (throttled), 5xx Unavailable, an MD5/CRC64 mismatch
// Unavailable (the body was damaged on the way: sending it again is the cure), other 4xx InvalidArgument
// or FailedPrecondition. The message: subject (the object), then the operation, the HTTP status, the
// server's x-ms-error-code, its request id, and a hint. Never a header value or a server message that
// might echo one: an AuthenticationFailed body quotes the request's signature, so only the code is kept.
#pragma once

#include <string_view>

#include "core/status.h"
#include "http/http_client.h"

namespace cv::backends::azure {

enum class BlobOp {
  kPutBlob,
  kPutBlock,
  kPutBlockList,
  kGetBlob,
  kGetProperties,
  kListBlobs,
  kDeleteBlob,
  kCreateContainer,
  kSetImmutabilityPolicy,
  kDeleteImmutabilityPolicy,
};

std::string_view BlobOpName(BlobOp op);

// `subject` names the object ("azure://acct/c/p/key"); `account` and `container` feed the hints;
// `check_hint` completes "check that ..." when the credential is refused (BlobClient::CheckHint; empty =
// the Shared Key hint).
Status BlobError(BlobOp op, std::string_view subject, std::string_view account, std::string_view container,
                 const http::Response& response, std::string_view check_hint = {});

}  // namespace cv::backends::azure
