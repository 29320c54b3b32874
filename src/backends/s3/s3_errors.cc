#include "backends/s3/s3_errors.h"

#include <string>

#include "backends/s3/s3_xml.h"

namespace cv::backends::s3 {
namespace {

// The IAM action whose absence a 403 on this operation most likely means.
std::string_view NeededAction(S3Op op) {
  switch (op) {
    case S3Op::kPutObject:
    case S3Op::kCreateMultipartUpload:
    case S3Op::kUploadPart:
    case S3Op::kCompleteMultipartUpload:
      return "s3:PutObject";
    case S3Op::kAbortMultipartUpload:
      return "s3:AbortMultipartUpload";
    case S3Op::kGetObject:
      return "s3:GetObject";
    // S3 answers a HEAD of a missing key with 403 instead of 404 when s3:ListBucket is missing.
    case S3Op::kHeadObject:
      return "s3:GetObject (and s3:ListBucket, without which a missing key is a 403)";
    case S3Op::kListObjectsV2:
    case S3Op::kHeadBucket:
      return "s3:ListBucket";
    case S3Op::kDeleteObject:
      return "s3:DeleteObject";
    case S3Op::kCreateBucket:
      return "s3:CreateBucket";
    case S3Op::kPutObjectRetention:
      return "s3:PutObjectRetention";
    case S3Op::kGetObjectRetention:
      return "s3:GetObjectRetention";
    case S3Op::kListObjectVersions:
      return "s3:ListBucketVersions";
    case S3Op::kGetObjectLockConfiguration:
      return "s3:GetBucketObjectLockConfiguration";
    case S3Op::kGetBucketVersioning:
      return "s3:GetBucketVersioning";
  }
  return "permission";
}

}  // namespace

std::string_view S3OpName(S3Op op) {
  switch (op) {
    case S3Op::kPutObject:
      return "PutObject";
    case S3Op::kCreateMultipartUpload:
      return "CreateMultipartUpload";
    case S3Op::kUploadPart:
      return "UploadPart";
    case S3Op::kCompleteMultipartUpload:
      return "CompleteMultipartUpload";
    case S3Op::kAbortMultipartUpload:
      return "AbortMultipartUpload";
    case S3Op::kGetObject:
      return "GetObject";
    case S3Op::kHeadObject:
      return "HeadObject";
    case S3Op::kListObjectsV2:
      return "ListObjectsV2";
    case S3Op::kDeleteObject:
      return "DeleteObject";
    case S3Op::kHeadBucket:
      return "HeadBucket";
    case S3Op::kCreateBucket:
      return "CreateBucket";
    case S3Op::kPutObjectRetention:
      return "PutObjectRetention";
    case S3Op::kGetObjectRetention:
      return "GetObjectRetention";
    case S3Op::kListObjectVersions:
      return "ListObjectVersions";
    case S3Op::kGetObjectLockConfiguration:
      return "GetObjectLockConfiguration";
    case S3Op::kGetBucketVersioning:
      return "GetBucketVersioning";
  }
  return "request";
}

Status S3Error(S3Op op, std::string_view subject, const ErrorContext& ctx, const http::Response& response) {
  const long status = response.status;
  ErrorBody body = ParseErrorBody(response.BodyText());
  const std::string& code = body.code;
  const std::string bucket = "bucket '" + std::string(ctx.bucket) + "'";
  const std::string creds = ctx.credential_source.empty()
                                ? std::string("the credentials")
                                : "the credentials from " + std::string(ctx.credential_source);

  std::string detail = std::string(S3OpName(op)) + " failed: HTTP " + std::to_string(status);
  if (!code.empty()) detail += " " + code;
  if (auto id = response.Find("x-amz-request-id"); !id.empty())
    detail += " (request id " + std::string(id) + ")";
  auto with = [&detail](std::string_view hint) { return detail + ": " + std::string(hint); };

  // By S3's code first: the same code comes with different statuses from different servers.
  if (code == "NoSuchBucket") {
    return Status::NotFound(subject, with(bucket + " does not exist: create it, or run `cassvault init`"));
  }
  if (code == "NoSuchKey" || code == "NoSuchUpload") return Status::NotFound(subject, detail);
  if (code == "SignatureDoesNotMatch") {
    return Status::PermissionDenied(
        subject,
        with("the request signature was rejected: the secret access key does not match the access key "
             "id of " +
             creds));
  }
  if (code == "InvalidAccessKeyId") {
    return Status::PermissionDenied(subject, with("the service does not know the access key id of " + creds));
  }
  if (code == "ExpiredToken" || code == "TokenRefreshRequired" || code == "InvalidToken") {
    return Status(StatusCode::kUnauthenticated, subject,
                  with("the session token of " + creds + " has expired or is invalid: renew it"));
  }
  if (code == "RequestTimeTooSkewed" || code == "RequestExpired") {
    return Status::FailedPrecondition(subject,
                                      with("this machine's clock is more than 15 minutes off: fix it (NTP)"));
  }
  if (code == "AuthorizationHeaderMalformed" || code == "PermanentRedirect" ||
      code == "IllegalLocationConstraintException" || status == 301) {
    std::string where(response.Find("x-amz-bucket-region"));
    return Status::FailedPrecondition(
        subject, with(bucket + " is not in region '" + std::string(ctx.region) + "'" +
                      (where.empty() ? std::string() : " but in '" + where + "'") + ": set vault.s3.region"));
  }
  if (code == "AccessDenied" || status == 403) {
    return Status::PermissionDenied(subject, with("the identity (" + creds + ") probably lacks " +
                                                  std::string(NeededAction(op)) + " on " + bucket));
  }
  if (status == 401)
    return Status(StatusCode::kUnauthenticated, subject, with("the service wants credentials"));
  if (code == "BucketAlreadyOwnedByYou") return Status::AlreadyExists(subject, detail);
  if (code == "BucketAlreadyExists") {
    return Status::AlreadyExists(subject, with(bucket + " belongs to another account: choose another name"));
  }
  if (code == "ConditionalRequestConflict" || code == "OperationAborted") {
    return Status::Unavailable(subject, with("a concurrent request on the same key is in progress; retry"));
  }
  if (code == "BadDigest" || code == "XAmzContentSHA256Mismatch" || code == "IncompleteBody") {
    return Status::Unavailable(subject,
                               with("the body was damaged on the way; sending it again should succeed"));
  }
  if (code == "SlowDown" || status == 429)
    return Status::ResourceExhausted(subject, with("throttled; retry later"));
  if (status == 404) return Status::NotFound(subject, detail);
  if (status == 408 || code == "RequestTimeout")
    return Status(StatusCode::kDeadlineExceeded, subject, detail);
  // A server that does not implement a header we sent (If-None-Match on old gateways): retrying cannot help.
  if (code == "NotImplemented" || status == 501) return Status::NotSupported(subject, detail);
  if (status >= 500) return Status::Unavailable(subject, detail);
  if (status == 400 || status == 411 || status == 413 || status == 414 || status == 416) {
    return Status::InvalidArgument(subject, body.message.empty() ? detail : with(body.message));
  }
  if (status == 409 || status == 412) return Status::FailedPrecondition(subject, detail);
  return Status::IOError(subject, detail);
}

}  // namespace cv::backends::s3
