// src/backends/wire/uri_encode.h — RFC 3986 percent-encoding, as both Azure (blob paths, SAS and query
// values) and S3 (SigV4's canonical URI and query) require it: everything but the unreserved characters
// A-Z a-z 0-9 - _ . ~ encoded as %XX with upper-case hex; `keep_slash` for paths.
#pragma once

#include <string>
#include <string_view>

namespace cv::backends::wire {

std::string PercentEncode(std::string_view s, bool keep_slash);
// %XX sequences decoded; a malformed one is kept as written.
std::string PercentDecode(std::string_view s);

}  // namespace cv::backends::wire
