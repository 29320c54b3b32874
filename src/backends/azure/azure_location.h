// src/backends/azure/azure_location.h — where an `azure://ACCOUNT/CONTAINER/PREFIX` vault lives, and
// how its blob names are spelled on the wire.
//
// The endpoint is `https://ACCOUNT.blob.core.windows.net` unless one is given: a sovereign cloud
// (`https://ACCOUNT.blob.core.chinacloudapi.cn`) or an emulator, whose URLs are path-style with the
// account as the first path segment (`http://127.0.0.1:10000/devstoreaccount1`).
#pragma once

#include <string>
#include <string_view>

#include "backends/wire/uri_encode.h"
#include "core/result.h"

namespace cv::backends::azure {

struct AzureLocation {
  std::string account;
  std::string container;
  std::string prefix;     // "" or "a/b/": prepended to every object key
  std::string endpoint;   // scheme://host[:port][/path], no trailing '/'
  std::string base_path;  // the endpoint's path ("" or "/devstoreaccount1"): part of what Shared Key signs

  // "azure://ACCOUNT/CONTAINER[/PREFIX]" — for messages; never holds a secret.
  std::string Describe() const;
};

// InvalidArgument names the URL and says what is wrong (account or container name rules, empty parts).
// `endpoint` empty means Azure's public cloud.
Result<AzureLocation> ParseAzureUrl(std::string_view url, std::string_view endpoint);

// RFC 3986 percent-encoding of everything but unreserved characters; `keep_slash` for blob paths.
using wire::PercentEncode;

}  // namespace cv::backends::azure
