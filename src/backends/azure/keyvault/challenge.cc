#include "backends/azure/keyvault/challenge.h"

#include <cctype>

namespace cv::backends::azure::keyvault {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == ','; }

}  // namespace

std::string UrlHost(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "";
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (size_t at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  if (!rest.empty() && rest.front() == '[') {
    size_t close = rest.find(']');
    return close == std::string_view::npos ? "" : Lower(rest.substr(1, close - 1));
  }
  return Lower(rest.substr(0, rest.find(':')));
}

Result<Challenge> ParseChallenge(std::string_view header) {
  const std::string shown = "'" + std::string(header.substr(0, 300)) + "'";
  size_t i = 0;
  while (i < header.size() && IsSpace(header[i])) ++i;
  size_t scheme_end = header.find(' ', i);
  if (scheme_end == std::string_view::npos || Lower(header.substr(i, scheme_end - i)) != "bearer") {
    return Status::InvalidArgument("Key Vault challenge",
                                   "not a Bearer challenge: WWW-Authenticate " + shown);
  }
  Challenge c;
  i = scheme_end;
  while (i < header.size()) {
    while (i < header.size() && IsSpace(header[i])) ++i;
    if (i >= header.size()) break;
    size_t eq = header.find('=', i);
    if (eq == std::string_view::npos) break;
    std::string key = Lower(header.substr(i, eq - i));
    while (!key.empty() && key.back() == ' ') key.pop_back();
    i = eq + 1;
    std::string value;
    if (i < header.size() && header[i] == '"') {
      size_t close = header.find('"', i + 1);
      if (close == std::string_view::npos) {
        return Status::InvalidArgument("Key Vault challenge",
                                       "unterminated quote in WWW-Authenticate " + shown);
      }
      value = header.substr(i + 1, close - i - 1);
      i = close + 1;
    } else {
      size_t end = i;
      while (end < header.size() && header[end] != ',') ++end;
      value = header.substr(i, end - i);
      while (!value.empty() && value.back() == ' ') value.pop_back();
      i = end;
    }
    if (key == "authorization" || key == "authorization_uri") {
      c.authorization = value;
    } else if (key == "resource") {
      c.resource = value;
    } else if (key == "scope") {
      c.scope = value;
    }
  }
  if (!c.resource.empty()) {
    std::string r = c.resource;
    while (!r.empty() && r.back() == '/') r.pop_back();
    c.scope = r + "/.default";
  }
  if (c.scope.empty()) {
    return Status::InvalidArgument("Key Vault challenge",
                                   "names neither a resource nor a scope: WWW-Authenticate " + shown);
  }
  if (Lower(c.scope).rfind("https://", 0) != 0 || UrlHost(c.scope).empty()) {
    return Status::InvalidArgument("Key Vault challenge",
                                   "its resource is not an https URL: WWW-Authenticate " + shown);
  }
  if (size_t scheme = c.authorization.find("://"); scheme != std::string::npos) {
    std::string_view path = std::string_view(c.authorization).substr(scheme + 3);
    size_t slash = path.find('/');
    if (slash != std::string_view::npos) {
      path = path.substr(slash + 1);
      c.tenant = path.substr(0, path.find_first_of("/?#"));
    }
  }
  return c;
}

Status CheckChallengeHost(std::string_view request_url, const Challenge& c) {
  std::string request_host = UrlHost(request_url);
  std::string resource_host = UrlHost(c.resource.empty() ? c.scope : c.resource);
  bool ok = !request_host.empty() && !resource_host.empty() &&
            (request_host == resource_host ||
             (request_host.size() > resource_host.size() &&
              request_host.compare(request_host.size() - resource_host.size(), resource_host.size(),
                                   resource_host) == 0 &&
              request_host[request_host.size() - resource_host.size() - 1] == '.'));
  if (ok) return Status::OK();
  return Status::PermissionDenied("Key Vault " + request_host,
                                  "the 401 challenge asks for a token for resource host '" + resource_host +
                                      "', which is not the request's host '" + request_host +
                                      "' nor a parent domain of it; refusing to send a token for another "
                                      "service there (check vault.key_vault.url)");
}

}  // namespace cv::backends::azure::keyvault
