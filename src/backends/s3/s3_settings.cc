// vault.s3.* of cassvault.yaml -> S3Options. The config loader copies the section as strings; this file
// is where its keys are known, checked and named in errors (s3_store.h, docs/config.md).
#include <cstdlib>
#include <set>

#include "backends/s3/s3_store.h"

namespace cv::backends {
namespace {

Status KeyError(const StoreSettings& s, const std::string& key, const std::string& problem) {
  return Status::InvalidArgument(s.config_path + ": key 'vault.s3." + key + "'", problem);
}

bool AllOf(std::string_view v, bool (*ok)(char)) {
  if (v.empty()) return false;
  for (char c : v) {
    if (!ok(c)) return false;
  }
  return true;
}

bool RegionChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }
bool ClassChar(char c) { return (c >= 'A' && c <= 'Z') || c == '_'; }
bool EnvNameChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

std::string EnvOr(const char* a, const char* b, const char* fallback) {
  for (const char* name : {a, b}) {
    const char* v = std::getenv(name);
    if (v != nullptr && *v != '\0') return v;
  }
  return fallback;
}

}  // namespace

Result<S3Options> S3OptionsFromSettings(const StoreSettings& settings) {
  static const std::set<std::string> kKnown = {"region",
                                               "endpoint",
                                               "path_style",
                                               "storage_class",
                                               "create_only",
                                               "access_key_id",
                                               "secret_access_key_env",
                                               "session_token_env",
                                               "profile"};
  const auto& m = settings.s3;
  for (const auto& [k, v] : m) {
    if (k == "secret_access_key" || k == "session_token") {
      return KeyError(settings, k,
                      "secrets never go into cassvault.yaml: put it in an environment variable and name that "
                      "variable in vault.s3." +
                          k + "_env");
    }
    if (!kKnown.count(k)) {
      std::string list;
      for (const auto& n : kKnown) list += (list.empty() ? "" : ", ") + n;
      return KeyError(settings, k, "unknown key (known: " + list + ")");
    }
  }
  auto get = [&m](const char* k) {
    auto it = m.find(k);
    return it == m.end() ? std::string() : it->second;
  };

  S3Options o;
  o.region = get("region");
  if (o.region.empty()) o.region = EnvOr("AWS_REGION", "AWS_DEFAULT_REGION", "us-east-1");
  if (!AllOf(o.region, &RegionChar)) {
    return KeyError(settings, "region", "'" + o.region + "' is not a region name such as eu-west-1");
  }
  o.endpoint = get("endpoint");
  if (!o.endpoint.empty() && o.endpoint.rfind("https://", 0) != 0 && o.endpoint.rfind("http://", 0) != 0) {
    return KeyError(settings, "endpoint", "must start with https:// (or http:// for a local server)");
  }
  if (std::string ps = get("path_style"); !ps.empty()) {
    if (ps == "true" || ps == "yes") {
      o.path_style = true;
    } else if (ps == "false" || ps == "no") {
      o.path_style = false;
    } else {
      return KeyError(settings, "path_style", "expected true or false");
    }
  }
  o.storage_class = get("storage_class");
  if (!o.storage_class.empty() && !AllOf(o.storage_class, &ClassChar)) {
    return KeyError(settings, "storage_class",
                    "expected an S3 storage class such as STANDARD, STANDARD_IA or INTELLIGENT_TIERING");
  }
  if (std::string co = get("create_only"); co == "native") {
    o.create_only = S3CreateOnly::kNative;
  } else if (co == "check-then-put") {
    o.create_only = S3CreateOnly::kCheckThenPut;
  } else if (!co.empty() && co != "auto") {
    return KeyError(settings, "create_only", "expected auto, native or check-then-put");
  }

  o.credentials.access_key_id = get("access_key_id");
  o.credentials.secret_access_key_env = get("secret_access_key_env");
  o.credentials.session_token_env = get("session_token_env");
  o.credentials.profile = get("profile");
  const auto& c = o.credentials;
  if (!c.access_key_id.empty() && c.secret_access_key_env.empty()) {
    return KeyError(settings, "secret_access_key_env",
                    "required with vault.s3.access_key_id: the name of the environment variable holding the "
                    "secret access key");
  }
  if (c.access_key_id.empty() && (!c.secret_access_key_env.empty() || !c.session_token_env.empty())) {
    return KeyError(settings, "access_key_id",
                    "required with vault.s3.secret_access_key_env / session_token_env");
  }
  for (const char* k : {"secret_access_key_env", "session_token_env"}) {
    std::string v = get(k);
    if (!v.empty() && !AllOf(v, &EnvNameChar)) {
      return KeyError(settings, k, "expected the NAME of an environment variable (letters, digits, '_')");
    }
  }

  // vault.tls and vault.transfer are applied by the registry, alike for every backend.
  return o;
}

}  // namespace cv::backends
