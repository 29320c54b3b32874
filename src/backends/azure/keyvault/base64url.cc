#include "backends/azure/keyvault/base64url.h"

#include <array>

namespace cv::backends::azure::keyvault {
namespace {

constexpr char kUrlAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr uint8_t kInvalid = 0xff;

constexpr std::array<uint8_t, 256> MakeTable() {
  std::array<uint8_t, 256> t{};
  for (auto& v : t) v = kInvalid;
  for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(kUrlAlphabet[i])] = static_cast<uint8_t>(i);
  t[static_cast<uint8_t>('+')] = 62;
  t[static_cast<uint8_t>('/')] = 63;
  return t;
}
constexpr std::array<uint8_t, 256> kTable = MakeTable();

}  // namespace

std::string Base64UrlEncode(crypto::ByteView b) {
  std::string out;
  out.reserve((b.size() * 4 + 2) / 3);
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t byte : b) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kUrlAlphabet[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += kUrlAlphabet[(acc << (6 - bits)) & 63];
  return out;
}

Result<crypto::Bytes> Base64AnyDecode(std::string_view s, std::string_view what) {
  size_t end = s.size();
  size_t pad = 0;
  while (end > 0 && s[end - 1] == '=' && pad < 2) {
    --end;
    ++pad;
  }
  if (pad > 0 && s.size() % 4 != 0) {
    return Status::InvalidArgument(what, "base64 padding does not end a multiple of 4 characters");
  }
  if (end % 4 == 1) return Status::InvalidArgument(what, "not base64: its length cannot be");
  crypto::Bytes out;
  out.reserve(end * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < end; ++i) {
    uint8_t v = kTable[static_cast<uint8_t>(s[i])];
    if (v == kInvalid) {
      return Status::InvalidArgument(what, "not base64: bad character at offset " + std::to_string(i));
    }
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>((acc >> bits) & 0xff));
    }
  }
  return out;
}

}  // namespace cv::backends::azure::keyvault
