// src/backends/s3/imds.h — temporary credentials of an EC2 instance role, from the instance metadata
// service, IMDSv2 only (session-oriented; IMDSv1's unauthenticated GETs are what SSRF attacks abuse):
//
//   PUT /latest/api/token  with X-aws-ec2-metadata-token-ttl-seconds  -> a session token
//   GET /latest/meta-data/iam/security-credentials/        (X-aws-ec2-metadata-token) -> role name
//   GET /latest/meta-data/iam/security-credentials/<role>  -> JSON {Code, AccessKeyId, SecretAccessKey,
//                                                               Token, Expiration}
//
// The endpoint is http://169.254.169.254 unless AWS_EC2_METADATA_SERVICE_ENDPOINT (or the config) says
// otherwise; AWS_EC2_METADATA_DISABLED=true skips it. Off EC2 nothing answers at that address, so the
// connect timeout is one second and a machine that is not an instance falls through at once. The
// metadata service must be reached directly: an http_proxy that does not exempt 169.254.169.254
// (no_proxy) breaks it, as it does for AWS's own SDKs.
#pragma once

#include <functional>
#include <string>

#include "backends/s3/credentials.h"

namespace cv::backends::s3 {

// A CredentialSource::fetch for the metadata service at `endpoint` (empty: from the environment).
// NotFound when no metadata service answers or no role is attached; Unauthenticated when it answers
// with something unusable.
std::function<Result<Credentials>()> MakeImdsFetcher(const std::string& endpoint);

// "2026-11-25T18:00:00Z" -> unix seconds; -1 if malformed.
int64_t ParseIso8601Utc(std::string_view s);

}  // namespace cv::backends::s3
