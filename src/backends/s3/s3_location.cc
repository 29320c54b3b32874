#include "backends/s3/s3_location.h"

#include "backends/s3/sigv4.h"

namespace cv::backends::s3 {
namespace {

bool LowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool LooksLikeIpv4(std::string_view s) {
  int dots = 0;
  for (char c : s) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

}  // namespace

bool ValidBucketName(std::string_view b) {
  if (b.size() < 3 || b.size() > 63 || !LowerAlnum(b.front()) || !LowerAlnum(b.back())) return false;
  for (char c : b) {
    if (!LowerAlnum(c) && c != '-' && c != '.') return false;
  }
  return b.find("..") == std::string_view::npos && !LooksLikeIpv4(b);
}

bool DefaultPathStyle(std::string_view bucket, std::string_view endpoint) {
  return !endpoint.empty() || bucket.find('.') != std::string_view::npos;
}

std::string S3Location::Describe() const {
  std::string s = "s3://" + bucket;
  if (!prefix.empty()) s += "/" + prefix.substr(0, prefix.size() - 1);
  return s;
}

std::string S3Location::Path(std::string_view key) const {
  std::string p = base_path;
  if (path_style) p += "/" + bucket;
  p += "/" + PercentEncode(key, /*keep_slash=*/true);
  return p;
}

Result<S3Location> ParseS3Url(std::string_view url, std::string_view region, std::string_view endpoint,
                              bool path_style) {
  constexpr std::string_view kScheme = "s3://";
  const std::string subject = "vault URL '" + std::string(url) + "'";
  if (url.rfind(kScheme, 0) != 0) return Status::InvalidArgument(subject, "not an s3:// URL");
  std::string_view rest = url.substr(kScheme.size());
  S3Location loc;
  size_t slash = rest.find('/');
  loc.bucket = std::string(rest.substr(0, slash));
  if (!ValidBucketName(loc.bucket)) {
    return Status::InvalidArgument(subject,
                                   "the bucket name must be 3-63 lower-case letters, digits, '.' and '-', "
                                   "starting and ending with a letter or digit: s3://BUCKET/PREFIX");
  }
  std::string_view prefix = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  if (prefix.find("//") != std::string_view::npos || prefix.find("..") != std::string_view::npos ||
      prefix.find_first_of("?#\\") != std::string_view::npos || (!prefix.empty() && prefix.front() == '/')) {
    return Status::InvalidArgument(subject, "the prefix may not contain '//', '..', '?', '#' or '\\'");
  }
  if (!prefix.empty()) loc.prefix = std::string(prefix) + "/";
  if (region.empty()) return Status::InvalidArgument(subject, "no region");
  loc.region = std::string(region);
  loc.path_style = path_style;

  if (endpoint.empty()) {
    loc.scheme = "https";
    loc.host = "s3." + loc.region + ".amazonaws.com";
    if (!path_style) loc.host = loc.bucket + "." + loc.host;
    return loc;
  }
  const std::string ep_subject = "S3 endpoint '" + std::string(endpoint) + "'";
  size_t sep = endpoint.find("://");
  if (sep == std::string_view::npos ||
      (endpoint.substr(0, sep) != "https" && endpoint.substr(0, sep) != "http")) {
    return Status::InvalidArgument(ep_subject, "must start with https:// (or http:// for a local server)");
  }
  loc.scheme = std::string(endpoint.substr(0, sep));
  std::string_view after = endpoint.substr(sep + 3);
  while (!after.empty() && after.back() == '/') after.remove_suffix(1);
  if (after.find_first_of("?#@") != std::string_view::npos) {
    return Status::InvalidArgument(ep_subject,
                                   "must be scheme://host[:port][/path] without query or user info");
  }
  size_t path = after.find('/');
  loc.host = std::string(after.substr(0, path));
  if (loc.host.empty()) return Status::InvalidArgument(ep_subject, "has no host");
  if (path != std::string_view::npos) loc.base_path = std::string(after.substr(path));
  if (!path_style) loc.host = loc.bucket + "." + loc.host;
  return loc;
}

}  // namespace cv::backends::s3
