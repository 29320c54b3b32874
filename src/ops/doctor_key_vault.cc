#include "ops/doctor_key_vault.h"

#include "backends/azure/keyvault/key_vault_client.h"
#include "ops/key_vault.h"

namespace cv::ops {
namespace {

using Outcome = DoctorCheck::Outcome;

constexpr const char* kGet = "key vault get";
constexpr const char* kWrap = "key vault wrap";
constexpr const char* kUnwrap = "key vault unwrap";
constexpr const char* kSign = "key vault sign";

DoctorCheck Check(std::string name, Outcome outcome, std::string detail, Status st = Status::OK()) {
  return {std::move(name), outcome, std::move(detail), std::move(st)};
}

// A 403 is an answer about this identity's rights (a warning saying what it may not do); anything else is
// a failure of the setup.
DoctorCheck Failed(std::string name, const Status& st, const std::string& why_refusal_may_be_right) {
  // The client words a missing permission "permission keys/X is missing"; a disabled version or a refused
  // challenge is PermissionDenied too, but a fault of the setup.
  if (st.code() == StatusCode::kPermissionDenied && st.message().find(" is missing") != std::string::npos &&
      st.message().find("may not use it: permission keys/") != std::string::npos) {
    return Check(std::move(name), Outcome::kWarn,
                 "refused: " + st.ToString() + " — " + why_refusal_may_be_right);
  }
  return Check(std::move(name), Outcome::kFail, st.ToString(), st);
}

std::string Version(const std::string& kid) {
  auto id = backends::azure::keyvault::ParseKid(kid);
  return id.ok() ? id->version : kid;
}

}  // namespace

std::vector<DoctorCheck> CheckKeyVault(const Config& config) {
  std::vector<DoctorCheck> out;
  auto skip_rest = [&](std::initializer_list<const char*> names, const std::string& why) {
    for (const char* n : names) out.push_back(Check(n, Outcome::kSkipped, why));
  };
  auto settings = KeyVaultSettingsFromConfig(config);
  if (settings.status().IsNotFound()) {
    skip_rest({kGet, kWrap, kUnwrap, kSign}, "vault.key_vault is not configured");
    return out;
  }
  auto wrapper = settings.ok() ? OpenKeyVaultWrapper(config)
                               : Result<std::unique_ptr<crypto::KeyWrapper>>(settings.status());
  if (!wrapper.ok()) {
    out.push_back(Check(kGet, Outcome::kFail, wrapper.status().ToString(), wrapper.status()));
    skip_rest({kWrap, kUnwrap, kSign}, "no usable Key Vault configuration");
    return out;
  }
  const std::string where = "api-version " + settings->api_version;

  auto kid = (*wrapper)->CurrentKid();
  if (!kid.ok()) {
    out.push_back(
        Failed(kGet, kid.status(), "wrapping needs keys/get (Key Vault Crypto Service Encryption User)"));
    skip_rest({kWrap, kUnwrap}, "needs the key's public half (keys/get)");
  } else {
    out.push_back(Check(
        kGet, Outcome::kOk,
        "read key " + settings->key + " version " + Version(*kid) + " (newest enabled; " + where + ")"));
    crypto::Bytes probe(32);
    Status rnd = crypto::RandomBytes(probe);
    auto wrapped = rnd.ok() ? (*wrapper)->Wrap(*kid, probe) : Result<crypto::WrappedKey>(rnd);
    if (!wrapped.ok()) {
      out.push_back(Failed(kWrap, wrapped.status(), "wrapping needs keys/get only"));
      skip_rest({kUnwrap}, "nothing was wrapped");
    } else {
      out.push_back(
          Check(kWrap, Outcome::kOk,
                "wrapped 32 random bytes locally with the public key (RSA-OAEP-256): needs only keys/get"));
      auto plain = (*wrapper)->Unwrap(*wrapped);
      if (!plain.ok()) {
        out.push_back(
            Failed(kUnwrap, plain.status(),
                   "right for a backup node, which never unwraps; restore and admin identities need "
                   "keys/unwrapKey"));
      } else if (plain->view().size() != probe.size() ||
                 !std::equal(probe.begin(), probe.end(), plain->view().begin())) {
        out.push_back(Check(kUnwrap, Outcome::kFail,
                            "Key Vault unwrapped something other than what was wrapped",
                            Status::Corruption(kid.value(), "unwrap differs")));
      } else {
        out.push_back(Check(kUnwrap, Outcome::kOk,
                            "Key Vault unwrapped it back byte for byte with version " + Version(*kid) +
                                ": this identity can open Key Vault slots (restore / admin)"));
      }
    }
  }

  auto signer = OpenKeyVaultSigner(config, settings->key);
  auto sig = signer.ok() ? (*signer)->SignDigest(crypto::Sha256(crypto::AsBytes("cassvault doctor probe")))
                         : Result<crypto::RemoteSignature>(signer.status());
  if (!sig.ok()) {
    out.push_back(
        Failed(kSign, sig.status(), "needed only by a guardian key that approves destructive operations"));
  } else {
    out.push_back(Check(kSign, Outcome::kOk,
                        "Key Vault signed a digest (PS256) with version " + Version(sig->kid) +
                            " and it verifies with the public key: this identity can act as a guardian"));
  }
  return out;
}

}  // namespace cv::ops
