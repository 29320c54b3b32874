// src/backends/s3/s3_location.h — where an `s3://BUCKET[/PREFIX]` vault lives, and how its objects are
// addressed on the wire.
//
// AWS is addressed virtual-host style (https://BUCKET.s3.REGION.amazonaws.com/KEY), which is what AWS
// recommends and the only style new AWS features are guaranteed for. An S3-compatible server named by an
// endpoint (Versity S3 Gateway, MinIO, Ceph RGW, an appliance) is addressed path-style by default
// (ENDPOINT/BUCKET/KEY): such servers rarely have a DNS name per bucket.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace cv::backends::s3 {

struct S3Location {
  std::string bucket;
  std::string prefix;  // "" or "a/b/": prepended to every object key
  std::string region;
  bool path_style = false;
  std::string scheme;     // "https" or "http" (an endpoint may name a local server over http)
  std::string host;       // authority the requests go to and sign as Host: host[:port]
  std::string base_path;  // "" or "/path" of an endpoint below its root; never ends with '/'

  // "s3://BUCKET[/PREFIX]" — for messages; never holds a secret.
  std::string Describe() const;
  // URL path of an object (full key, prefix included, not encoded), or of the bucket when `key` is
  // empty: "/BUCKET/k%20ey" path-style, "/k%20ey" virtual-host. This is also the canonical URI.
  std::string Path(std::string_view key) const;
};

// The addressing style when vault.s3.path_style is not set: path-style for an endpoint, and for an AWS
// bucket whose name has a '.', which cannot match the *.s3.REGION.amazonaws.com certificate as a host;
// virtual-host otherwise.
bool DefaultPathStyle(std::string_view bucket, std::string_view endpoint);

// Bucket names as S3 enforces them for new buckets: 3-63 characters, lower-case letters, digits, '.'
// and '-', starting and ending with a letter or digit, no "..", not an IPv4 address.
bool ValidBucketName(std::string_view bucket);

// Parses the URL. `endpoint` empty means AWS in `region`; otherwise scheme://host[:port][/path] of an
// S3-compatible server. InvalidArgument names the URL (or the endpoint) and the rule broken.
Result<S3Location> ParseS3Url(std::string_view url, std::string_view region, std::string_view endpoint,
                              bool path_style);

}  // namespace cv::backends::s3
