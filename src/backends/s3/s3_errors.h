// src/backends/s3/s3_errors.h — an unexpected S3 response as a Status.
//
// The code follows what the caller does next (core/status.h), decided by S3's <Code> first and the HTTP
// status second: NoSuchKey/NoSuchBucket/NoSuchUpload NotFound; AccessDenied PermissionDenied naming the
// IAM action the operation needs; SignatureDoesNotMatch/InvalidAccessKeyId PermissionDenied naming the
// credential source; ExpiredToken Unauthenticated; RequestTimeTooSkewed FailedPrecondition (the clock);
// a wrong region FailedPrecondition naming the bucket's region; SlowDown and 429 ResourceExhausted;
// 5xx, 409 ConditionalRequestConflict/OperationAborted and a damaged body (BadDigest,
// XAmzContentSHA256Mismatch) Unavailable, so a retry sends it again; other 4xx InvalidArgument or
// FailedPrecondition.
//
// The message: subject (the object), the operation, the HTTP status, S3's <Code>, the request id, a hint.
// S3's <Message> is kept only for plain 400s: a SignatureDoesNotMatch body quotes the string to sign and
// the access key id, so bodies of authentication errors are never shown.
#pragma once

#include <string_view>

#include "core/status.h"
#include "http/http_client.h"

namespace cv::backends::s3 {

enum class S3Op {
  kPutObject,
  kCreateMultipartUpload,
  kUploadPart,
  kCompleteMultipartUpload,
  kAbortMultipartUpload,
  kGetObject,
  kHeadObject,
  kListObjectsV2,
  kDeleteObject,
  kHeadBucket,
  kCreateBucket,
  kPutObjectRetention,
  kGetObjectRetention,
  kListObjectVersions,
  kGetObjectLockConfiguration,
  kGetBucketVersioning,
};

std::string_view S3OpName(S3Op op);

// What identifies this call's context in hints: the bucket, and where the credentials came from.
struct ErrorContext {
  std::string_view bucket;
  std::string_view region;
  std::string_view credential_source;
};

Status S3Error(S3Op op, std::string_view subject, const ErrorContext& ctx, const http::Response& response);

}  // namespace cv::backends::s3
