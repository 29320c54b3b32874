// src/backends/azure/keyvault/base64url.h — the binary fields of Key Vault's JSON (key material, wrapped
// keys, signatures). The REST reference types them base64url, yet the service's own examples answer in the
// standard alphabet with `+` and `/`: we always write base64url without padding and read either alphabet,
// with or without padding.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "crypto/crypto.h"

namespace cv::backends::azure::keyvault {

std::string Base64UrlEncode(crypto::ByteView data);  // RFC 4648 §5, no '=' padding
// Either alphabet (even mixed), '=' padding optional. InvalidArgument naming `what` and the offset of the
// first bad character — never the text itself, which may be a wrapped key.
Result<crypto::Bytes> Base64AnyDecode(std::string_view text, std::string_view what);

}  // namespace cv::backends::azure::keyvault
