#include "backends/azure/azure_location.h"

namespace cv::backends::azure {
namespace {

bool LowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Azure's rules: 3-24 lowercase letters and digits.
bool ValidAccount(std::string_view a) {
  if (a.size() < 3 || a.size() > 24) return false;
  for (char c : a) {
    if (!LowerAlnum(c)) return false;
  }
  return true;
}

// 3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.
bool ValidContainer(std::string_view c) {
  if (c.size() < 3 || c.size() > 63 || !LowerAlnum(c.front()) || !LowerAlnum(c.back())) return false;
  for (size_t i = 0; i < c.size(); ++i) {
    if (c[i] == '-') {
      if (c[i - 1] == '-') return false;
    } else if (!LowerAlnum(c[i])) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string AzureLocation::Describe() const {
  std::string s = "azure://" + account + "/" + container;
  if (!prefix.empty()) s += "/" + prefix.substr(0, prefix.size() - 1);
  return s;
}

Result<AzureLocation> ParseAzureUrl(std::string_view url, std::string_view endpoint) {
  constexpr std::string_view kScheme = "azure://";
  const std::string subject = "vault URL '" + std::string(url) + "'";
  if (url.rfind(kScheme, 0) != 0) return Status::InvalidArgument(subject, "not an azure:// URL");
  std::string_view rest = url.substr(kScheme.size());
  AzureLocation loc;
  size_t slash = rest.find('/');
  loc.account = std::string(rest.substr(0, slash));
  if (!ValidAccount(loc.account)) {
    return Status::InvalidArgument(subject,
                                   "the storage account name must be 3-24 lowercase letters and digits: "
                                   "azure://ACCOUNT/CONTAINER/PREFIX");
  }
  rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  slash = rest.find('/');
  loc.container = std::string(rest.substr(0, slash));
  if (!ValidContainer(loc.container)) {
    return Status::InvalidArgument(subject,
                                   "the container name must be 3-63 lowercase letters, digits and single "
                                   "hyphens: azure://ACCOUNT/CONTAINER/PREFIX");
  }
  std::string_view prefix = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  if (prefix.find("//") != std::string_view::npos || prefix.find("..") != std::string_view::npos ||
      prefix.find('?') != std::string_view::npos || prefix.find('#') != std::string_view::npos) {
    return Status::InvalidArgument(subject, "the prefix may not contain '//', '..', '?' or '#'");
  }
  if (!prefix.empty()) loc.prefix = std::string(prefix) + "/";

  if (endpoint.empty()) {
    loc.endpoint = "https://" + loc.account + ".blob.core.windows.net";
  } else {
    if (endpoint.rfind("https://", 0) != 0 && endpoint.rfind("http://", 0) != 0) {
      return Status::InvalidArgument("Azure endpoint '" + std::string(endpoint) + "'",
                                     "must start with https:// (or http:// for a local emulator)");
    }
    while (!endpoint.empty() && endpoint.back() == '/') endpoint.remove_suffix(1);
    if (endpoint.find_first_of("?#@") != std::string_view::npos) {
      return Status::InvalidArgument("Azure endpoint '" + std::string(endpoint) + "'",
                                     "must be scheme://host[:port][/path] without query or user info");
    }
    loc.endpoint = std::string(endpoint);
  }
  size_t host = loc.endpoint.find("://") + 3;
  size_t path = loc.endpoint.find('/', host);
  if (path != std::string::npos) loc.base_path = loc.endpoint.substr(path);
  return loc;
}

}  // namespace cv::backends::azure
