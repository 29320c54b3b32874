#include "backends/s3/sigv4.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <ctime>

namespace cv::backends::s3 {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Trimmed, with runs of spaces folded to one, as the canonical header form asks.
std::string CanonicalValue(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string HexSha256(std::string_view s) { return crypto::ToHex(crypto::Sha256(crypto::AsBytes(s))); }

crypto::Hash32 Hmac(crypto::ByteView key, std::string_view data) {
  return crypto::HmacSha256(key).Compute(crypto::AsBytes(data));
}

}  // namespace

std::string CanonicalRequest(const SignedRequest& r, std::string* signed_headers) {
  std::string out = std::string(r.method) + "\n" + std::string(r.path.empty() ? "/" : r.path) + "\n";

  // Query: names and values encoded, then sorted by name, then value ("uploads" becomes "uploads=").
  std::vector<std::pair<std::string, std::string>> q;
  if (r.query != nullptr) {
    for (const auto& [k, v] : *r.query) q.emplace_back(PercentEncode(k, false), PercentEncode(v, false));
  }
  std::sort(q.begin(), q.end());
  for (size_t i = 0; i < q.size(); ++i) out += (i == 0 ? "" : "&") + q[i].first + "=" + q[i].second;
  out += "\n";

  // Headers: lower-case names, sorted; a name given twice joins its values with ','.
  std::vector<std::pair<std::string, std::string>> h;
  if (r.headers != nullptr) {
    for (const auto& hd : *r.headers) h.emplace_back(Lower(hd.name), CanonicalValue(hd.value));
  }
  std::stable_sort(h.begin(), h.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string names;
  for (size_t i = 0; i < h.size(); ++i) {
    if (i > 0 && h[i].first == h[i - 1].first) {
      out.back() = ',';  // replace the previous line's '\n'
      out += h[i].second + "\n";
      continue;
    }
    out += h[i].first + ":" + h[i].second + "\n";
    names += (names.empty() ? "" : ";") + h[i].first;
  }
  out += "\n" + names + "\n" + std::string(r.payload_hash);
  if (signed_headers != nullptr) *signed_headers = std::move(names);
  return out;
}

std::string CredentialScope(std::string_view amz_date, std::string_view region, std::string_view service) {
  return std::string(amz_date.substr(0, 8)) + "/" + std::string(region) + "/" + std::string(service) +
         "/aws4_request";
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  return "AWS4-HMAC-SHA256\n" + std::string(amz_date) + "\n" + std::string(scope) + "\n" +
         HexSha256(canonical_request);
}

crypto::Hash32 SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                          std::string_view service) {
  std::string k0 = "AWS4" + std::string(secret);
  crypto::Hash32 k = Hmac(crypto::AsBytes(k0), date);
  OPENSSL_cleanse(k0.data(), k0.size());
  k = Hmac(k, region);
  k = Hmac(k, service);
  return Hmac(k, "aws4_request");
}

std::string Authorization(const SignedRequest& r, std::string_view access_key_id, std::string_view secret,
                          std::string_view amz_date, std::string_view region, std::string_view service) {
  std::string signed_headers;
  std::string canonical = CanonicalRequest(r, &signed_headers);
  std::string scope = CredentialScope(amz_date, region, service);
  crypto::Hash32 key = SigningKey(secret, amz_date.substr(0, 8), region, service);
  std::string signature = crypto::ToHex(Hmac(key, StringToSign(amz_date, scope, canonical)));
  OPENSSL_cleanse(key.data(), key.size());
  return "AWS4-HMAC-SHA256 Credential=" + std::string(access_key_id) + "/" + scope +
         ", SignedHeaders=" + signed_headers + ", Signature=" + signature;
}

std::string AmzDate(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[17];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace cv::backends::s3
