// Hex and base64 (RFC 4648, standard alphabet, padded). Hand-written rather than EVP_EncodeBlock /
// EVP_DecodeBlock: those decode padding into trailing zero bytes and accept whitespace, and a vault format
// wants exactly one spelling per byte string. Error messages give offsets, never the input: a caller may be
// decoding key material.
#include <array>
#include <string>

#include "crypto/crypto.h"

namespace cv::crypto {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kBase64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr uint8_t kInvalid = 0xff;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr std::array<uint8_t, 256> MakeBase64Table() {
  std::array<uint8_t, 256> t{};
  for (auto& v : t) v = kInvalid;
  for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(kBase64Alphabet[i])] = static_cast<uint8_t>(i);
  return t;
}
constexpr std::array<uint8_t, 256> kBase64Table = MakeBase64Table();

}  // namespace

std::string ToHex(ByteView b) {
  std::string out(b.size() * 2, '\0');
  for (size_t i = 0; i < b.size(); ++i) {
    out[2 * i] = kHexDigits[b[i] >> 4];
    out[2 * i + 1] = kHexDigits[b[i] & 0xf];
  }
  return out;
}

Result<Bytes> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return Status::InvalidArgument("hex string",
                                   "odd length (" + std::to_string(hex.size()) + " characters)");
  }
  Bytes out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      size_t bad = hi < 0 ? 2 * i : 2 * i + 1;
      return Status::InvalidArgument("hex string", "not a hex digit at offset " + std::to_string(bad));
    }
    out[i] = static_cast<uint8_t>((hi << 4) | lo);
  }
  return out;
}

std::string Base64Encode(ByteView b) {
  std::string out;
  out.reserve((b.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= b.size(); i += 3) {
    uint32_t v = (uint32_t{b[i]} << 16) | (uint32_t{b[i + 1]} << 8) | b[i + 2];
    out += kBase64Alphabet[(v >> 18) & 63];
    out += kBase64Alphabet[(v >> 12) & 63];
    out += kBase64Alphabet[(v >> 6) & 63];
    out += kBase64Alphabet[v & 63];
  }
  size_t rest = b.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t{b[i]} << 16;
    if (rest == 2) v |= uint32_t{b[i + 1]} << 8;
    out += kBase64Alphabet[(v >> 18) & 63];
    out += kBase64Alphabet[(v >> 12) & 63];
    out += rest == 2 ? kBase64Alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Strict: length a multiple of 4, '=' only as the last one or two characters, and the bits that padding
// leaves over must be zero, so every byte string has exactly one accepted encoding.
Result<Bytes> Base64Decode(std::string_view s) {
  if (s.size() % 4 != 0) {
    return Status::InvalidArgument("base64 text",
                                   "length " + std::to_string(s.size()) + " is not a multiple of 4");
  }
  size_t pad = 0;
  if (!s.empty() && s.back() == '=') pad = s[s.size() - 2] == '=' ? 2 : 1;
  Bytes out;
  out.reserve(s.size() / 4 * 3 - pad);
  for (size_t i = 0; i < s.size(); i += 4) {
    bool last = i + 4 == s.size();
    uint32_t v = 0;
    for (size_t j = 0; j < 4; ++j) {
      size_t at = i + j;
      uint8_t d = kBase64Table[static_cast<uint8_t>(s[at])];
      if (d == kInvalid) {
        if (!(last && s[at] == '=' && j >= 4 - pad)) {
          return Status::InvalidArgument("base64 text",
                                         "unexpected character at offset " + std::to_string(at));
        }
        d = 0;
      }
      v = (v << 6) | d;
    }
    out.push_back(static_cast<uint8_t>(v >> 16));
    if (last && pad == 2) {
      if ((v & 0xffff) != 0)
        return Status::InvalidArgument("base64 text", "non-zero bits before the padding");
      break;
    }
    out.push_back(static_cast<uint8_t>(v >> 8));
    if (last && pad == 1) {
      if ((v & 0xff) != 0) return Status::InvalidArgument("base64 text", "non-zero bits before the padding");
      break;
    }
    out.push_back(static_cast<uint8_t>(v));
  }
  return out;
}

}  // namespace cv::crypto
