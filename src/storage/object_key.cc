#include "storage/object_key.h"

#include <cstdio>

namespace cv::storage {

bool IsValidObjectKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxObjectKeyBytes) return false;
  if (key.front() == '/' || key.back() == '/') return false;
  if (key.find("..") != std::string_view::npos || key.find("//") != std::string_view::npos) return false;
  for (char c : key) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == '\\') return false;
  }
  return true;
}

std::string PrintableKey(std::string_view key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < key.size() && i < 200; ++i) {
    auto u = static_cast<unsigned char>(key[i]);
    if (u < 0x20 || u >= 0x7f || key[i] == '\\') {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += key[i];
    }
  }
  if (key.size() > 200) out += "...";
  return out;
}

Status CheckObjectKey(std::string_view key) {
  if (IsValidObjectKey(key)) return Status::OK();
  return Status::InvalidArgument("object key '" + PrintableKey(key) + "'", "not a valid vault object name");
}

void WarnSkippedKey(std::string_view store, std::string_view key) {
  std::fprintf(stderr,
               "cassvault: warning: %.*s: skipped '%s': not a valid vault object name (not written "
               "by cassvault; remove it)\n",
               static_cast<int>(store.size()), store.data(), PrintableKey(key).c_str());
}

}  // namespace cv::storage
