#include "backends/azure/identity/chained_credential.h"

namespace cv::backends::azure::identity {

ChainedCredential::ChainedCredential(std::vector<std::unique_ptr<TokenCredential>> sources,
                                     std::vector<Skipped> skipped, std::string subject)
    : sources_(std::move(sources)), skipped_(std::move(skipped)), subject_(std::move(subject)) {}

std::string ChainedCredential::Name() const {
  std::lock_guard lock(mu_);
  return chosen_ ? chosen_->Name() : subject_;
}

std::vector<std::string> ChainedCredential::SourceNames() const {
  std::vector<std::string> names;
  for (const auto& s : sources_) names.push_back(s->Name());
  return names;
}

Result<AccessToken> ChainedCredential::GetToken(std::string_view scope) {
  TokenCredential* chosen = nullptr;
  {
    std::lock_guard lock(mu_);
    chosen = chosen_;
  }
  if (chosen) return chosen->GetToken(scope);

  std::string report;
  StatusCode code = StatusCode::kUnauthenticated;
  for (const Skipped& s : skipped_) report += "; " + s.source + ": " + s.reason;
  for (const auto& source : sources_) {
    Result<AccessToken> t = source->GetToken(scope);
    if (t.ok()) {
      std::lock_guard lock(mu_);
      chosen_ = source.get();
      return t;
    }
    report += "; " + t.status().message();
    // "Not here" is the normal way to move on; a refusal or an outage is what the operator must see first.
    if (code == StatusCode::kUnauthenticated) code = t.status().code();
  }
  std::string detail = "no identity of the default chain gave a token";
  return Status(code, subject_, detail + report);
}

}  // namespace cv::backends::azure::identity
