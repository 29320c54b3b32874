#include "ops/doctor.h"

#include <array>
#include <cstdlib>
#include <memory>

#include "core/vault_layout.h"
#include "crypto/crypto.h"
#include "crypto/key_slot.h"
#include "http/http_client.h"
#include "ops/doctor_key_vault.h"
#include "vault/vault.h"

namespace cv::ops {
namespace {

using Outcome = DoctorCheck::Outcome;

// What an operator grants to fix a refused operation, per backend family.
std::string PermissionHint(const std::string& where, const std::string& op) {
  if (where.rfind("azure://", 0) == 0) {
    if (op == "delete")
      return "data action Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete";
    if (op == "list" || op == "read") {
      return "data action Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read (role Storage "
             "Blob Data Reader)";
    }
    return "data action Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write";
  }
  if (where.rfind("s3://", 0) == 0) {
    if (op == "delete") return "s3:DeleteObject";
    if (op == "list") return "s3:ListBucket";
    if (op == "read") return "s3:GetObject";
    return "s3:PutObject";
  }
  if (op == "delete") return "the right to remove files in the vault directory";
  return "read/write permission on the vault directory";
}

class Checker {
 public:
  explicit Checker(DoctorReport* report) : report_(report) {}
  void Add(std::string name, Outcome outcome, std::string detail, Status status = Status::OK()) {
    if (outcome == Outcome::kFail && report_->first_failure.ok()) {
      report_->first_failure = status.ok() ? Status::Internal(name, detail) : status;
    }
    report_->checks.push_back({std::move(name), outcome, std::move(detail), std::move(status)});
  }
  // A failed operation: names it and, when access was refused, what to grant.
  void Failed(const std::string& name, const Status& st, bool storage_op = true) {
    std::string detail = st.ToString();
    if (storage_op &&
        (st.code() == StatusCode::kPermissionDenied || st.code() == StatusCode::kUnauthenticated)) {
      detail += " — grant " + PermissionHint(report_->vault, name);
    }
    Add(name, Outcome::kFail, detail, st);
  }

 private:
  DoctorReport* report_;
};

// The configured key without prompting: doctor runs unattended too.
bool KeyWithoutPrompt(const Config& config, crypto::KeySecret* out) {
  if (!config.key_file.empty()) {
    auto k = crypto::LoadKeyFile(config.key_file);
    if (!k.ok()) return false;
    *out = std::move(k).value();
    return true;
  }
  return PassphraseFromEnv(config, out);
}

}  // namespace

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kWarn:
      return "warn";
    case Outcome::kFail:
      return "FAIL";
    case Outcome::kSkipped:
      return "skipped";
  }
  return "?";
}

DoctorReport RunDoctor(const Config& config, std::unique_ptr<storage::ObjectStore> owned) {
  storage::ObjectStore& store = *owned;
  DoctorReport report;
  report.vault = store.Describe();
  Checker check(&report);

  if (config.store.insecure_tls) {
    check.Add("tls", Outcome::kWarn,
              "certificate verification is OFF (vault.tls.insecure_skip_verify): anyone on the path can read "
              "and alter traffic; use vault.tls.ca_file for a private CA instead");
  }

  // Plain http: every byte of the vault, every signature and (were it allowed) every token crosses the
  // network readable and alterable. A loopback emulator is the one place it is reasonable.
  std::vector<std::string> endpoints;
  for (const auto* m : {&config.store.azure, &config.store.s3}) {
    if (auto it = m->find("endpoint"); it != m->end()) endpoints.push_back(it->second);
  }
  if (config.store.azure.count("endpoint") == 0 && report.vault.rfind("azure://", 0) == 0) {
    if (const char* env = std::getenv("CASSVAULT_AZURE_ENDPOINT"); env && *env) endpoints.emplace_back(env);
  }
  for (const std::string& ep : endpoints) {
    if (ep.rfind("http://", 0) != 0) continue;
    std::string shown = http::RedactUrl(ep);
    if (http::IsLoopbackUrl(ep)) {
      check.Add("endpoint", Outcome::kWarn,
                "the endpoint " + shown +
                    " is plain http (loopback, so it stays on this machine): fine for a local emulator, "
                    "never for real storage");
    } else {
      check.Add(
          "endpoint", Outcome::kWarn,
          "the endpoint " + shown +
              " is plain http to another host: anyone on the path can read and alter the vault's traffic "
              "and replay its signatures (SAS tokens are refused over it); use https");
    }
  }

  std::vector<uint8_t> bytes;
  Status read = store.Get(layout::kConfig, 0, 0, &bytes);
  if (read.ok()) {
    report.can_read = true;
    check.Add("read", Outcome::kOk,
              "read the vault's config object (" + std::to_string(bytes.size()) + " bytes)");
  } else if (read.IsNotFound()) {
    report.can_read = true;
    check.Add("read", Outcome::kWarn, "reachable, but there is no vault here yet: run `cassvault init`");
  } else {
    check.Failed("read", read);
  }

  size_t slots = 0;
  Status list = store.List(layout::kKeysPrefix, [&](const storage::ObjectInfo&) { ++slots; });
  if (list.ok()) {
    report.can_list = true;
    check.Add("list", Outcome::kOk, "listed " + std::to_string(slots) + " key slot(s)");
  } else {
    check.Failed("list", list);
  }

  std::array<uint8_t, 16> rnd{};
  std::vector<uint8_t> probe(32);
  if (!crypto::RandomBytes(rnd).ok() || !crypto::RandomBytes(probe).ok()) {
    check.Add("create", Outcome::kFail, "no randomness for a probe name",
              Status::Internal("doctor", "RandomBytes"));
    return report;
  }
  std::string probe_key = "probes/doctor-";
  for (uint8_t b : rnd) {
    static constexpr char kHex[] = "0123456789abcdef";
    probe_key += kHex[b >> 4];
    probe_key += kHex[b & 15];
  }
  Status put = store.Put(probe_key, probe);
  if (!put.ok()) {
    check.Failed("create", put);
  } else {
    report.can_create = true;
    check.Add("create", Outcome::kOk, "created " + probe_key);
    std::vector<uint8_t> other(probe.rbegin(), probe.rend());
    Status again = store.Put(probe_key, other);
    if (again.code() == StatusCode::kAlreadyExists) {
      check.Add("create-only", Outcome::kOk,
                "a second write of the same name was refused; nothing is overwritten");
    } else if (again.ok()) {
      check.Add(
          "create-only", Outcome::kFail,
          "the store overwrote an existing object: backups could be replaced; check the server supports "
          "conditional writes (If-None-Match)",
          Status::FailedPrecondition(probe_key, "overwritten"));
    } else {
      check.Failed("create-only", again);
    }
    std::vector<uint8_t> back;
    Status got = store.Get(probe_key, 0, 0, &back);
    if (got.ok() && back == probe) {
      check.Add("read-back", Outcome::kOk, "the probe read back byte for byte");
    } else if (got.ok()) {
      check.Add("read-back", Outcome::kFail, "the probe came back different",
                Status::Corruption(probe_key, "differs"));
    } else {
      check.Failed("read-back", got);
    }
    Status del = store.Delete(probe_key);
    if (del.ok()) {
      report.can_delete = true;
      check.Add(
          "delete", Outcome::kWarn,
          "this identity can DELETE vault objects: a stolen node credential could destroy the backups. Give "
          "backups an identity without " +
              PermissionHint(report.vault, "delete") + " and keep deletion (retention) to a separate one");
    } else if (del.code() == StatusCode::kPermissionDenied || del.code() == StatusCode::kUnauthenticated) {
      check.Add("delete", Outcome::kOk,
                "this identity may not delete (right for a backup identity); the probe "
                "object " +
                    probe_key + " stays behind");
    } else {
      check.Failed("delete", del);
    }
  }

  // Lock support is information, never a failure: a vault works without store-enforced locks. The Azure
  // probe writes and deletes a blob, so it runs only for an identity that may do both.
  if (report.vault.rfind("azure://", 0) == 0 && !(report.can_create && report.can_delete)) {
    check.Add("locks", Outcome::kSkipped,
              "the store's lock probe writes and deletes a blob; this identity may not");
  } else if (auto locks = store.ProbeLocks(); locks.ok()) {
    report.store_object_lock = locks->object_lock;
    report.store_versioning = locks->versioning;
    check.Add("locks", Outcome::kOk, locks->detail);
  } else {
    check.Add("locks", Outcome::kWarn,
              "could not ask the store what it enforces: " + locks.status().ToString());
  }

  crypto::KeySecret secret;
  if (!report.can_read) {
    check.Add("vault key", Outcome::kSkipped, "the vault cannot be read");
  } else if (!KeyWithoutPrompt(config, &secret)) {
    check.Add("vault key", Outcome::kSkipped,
              "no key configured without a prompt (vault.key_file or $" + config.passphrase_env + ")");
  } else if (read.ok()) {
    auto v = vault::Vault::Open(std::move(owned), secret);
    if (v.ok()) {
      check.Add("vault key", Outcome::kOk, "the configured key unlocks vault " + (*v)->vault_id());
    } else {
      check.Failed("vault key", v.status(), /*storage_op=*/false);
    }
  }
  // Key Vault (vault.key_vault): its own identity rights, reported beside the store's.
  for (DoctorCheck& c : CheckKeyVault(config)) check.Add(c.name, c.outcome, c.detail, c.status);
  return report;
}

}  // namespace cv::ops
