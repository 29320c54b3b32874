// src/backends/azure/keyvault/challenge.h — Key Vault's 401 bearer challenge.
//
// Key Vault answers a request without a (valid) token with
//   WWW-Authenticate: Bearer authorization="https://login.windows.net/TENANT",
//   resource="https://vault.azure.net"
// and the client asks its identity for a token of scope `resource` + "/.default" (Managed HSM and sovereign
// clouds name their own resource, so it is read, never hard-coded). A server could name any resource, and a
// token for it would then be sent to that server: like the Azure SDKs, we refuse a challenge whose resource
// host is not the request's host or a parent domain of it.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace cv::backends::azure::keyvault {

struct Challenge {
  std::string authorization;  // the authority URL ("authorization" or "authorization_uri")
  std::string resource;       // e.g. https://vault.azure.net (may be empty when `scope` is given)
  std::string scope;          // what to ask the identity for: resource without trailing '/' + "/.default"
  std::string tenant;         // first path segment of `authorization`; empty when absent
};

// Parses a WWW-Authenticate value. InvalidArgument when it is not a Bearer challenge naming a resource or
// a scope (the message quotes the header: it carries no secret).
Result<Challenge> ParseChallenge(std::string_view www_authenticate);

// The lowercased host of an http(s) URL, without port or brackets; empty when there is none.
std::string UrlHost(std::string_view url);

// OK when the host of `request_url` equals the host of the challenge's resource (or scope) or ends with
// "." + it; PermissionDenied naming both hosts otherwise.
Status CheckChallengeHost(std::string_view request_url, const Challenge& challenge);

}  // namespace cv::backends::azure::keyvault
