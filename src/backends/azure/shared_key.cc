#include "backends/azure/shared_key.h"

#include <algorithm>
#include <ctime>

namespace cv::backends::azure {
namespace {

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

std::string_view FindHeader(const std::vector<http::Header>& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (ToLower(h.name) == name) return h.value;
  }
  return {};
}

// Leading and trailing whitespace trimmed, inner runs folded to one space (the canonical header value).
std::string FoldWhitespace(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

std::string StringToSign(std::string_view method, uint64_t content_length,
                         const std::vector<http::Header>& headers, std::string_view account,
                         std::string_view path, const QueryParams& query) {
  std::string s(method);
  s += '\n';
  s += FindHeader(headers, "content-encoding");
  s += '\n';
  s += FindHeader(headers, "content-language");
  s += '\n';
  if (content_length > 0) s += std::to_string(content_length);  // empty when 0 (since 2015-02-21)
  s += '\n';
  for (std::string_view name : {"content-md5", "content-type", "date", "if-modified-since", "if-match",
                                "if-none-match", "if-unmodified-since", "range"}) {
    s += FindHeader(headers, name);
    s += '\n';
  }

  std::vector<std::pair<std::string, std::string>> ms;
  for (const auto& h : headers) {
    std::string name = ToLower(h.name);
    if (name.rfind("x-ms-", 0) == 0) ms.emplace_back(std::move(name), FoldWhitespace(h.value));
  }
  std::sort(ms.begin(), ms.end());
  for (const auto& [name, value] : ms) s += name + ":" + value + "\n";

  s += "/";
  s += account;
  s += path;
  // Query parameters sorted by lowercased name; repeated names would be comma-joined (none are sent).
  std::vector<std::pair<std::string, std::string>> q;
  for (const auto& [name, value] : query) q.emplace_back(ToLower(name), value);
  std::sort(q.begin(), q.end());
  for (size_t i = 0; i < q.size(); ++i) {
    if (i > 0 && q[i].first == q[i - 1].first) {
      s += "," + q[i].second;
      continue;
    }
    s += "\n" + q[i].first + ":" + q[i].second;
  }
  return s;
}

std::string SharedKeyAuthorization(std::string_view account, const crypto::SecretBytes& key,
                                   std::string_view string_to_sign) {
  crypto::HmacSha256 mac(key.view());
  crypto::Hash32 sig = mac.Compute(crypto::AsBytes(string_to_sign));
  return "SharedKey " + std::string(account) + ":" + crypto::Base64Encode(sig);
}

std::string Rfc1123Date(int64_t unix_seconds) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

}  // namespace cv::backends::azure
