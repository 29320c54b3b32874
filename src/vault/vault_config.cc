#include "vault/vault_config.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace cv::vault {

using layout::ObjectKind;

namespace {
constexpr std::string_view kFormatName = "cassvault";
}  // namespace

std::string ConfigText(const std::string& vault_id) {
  nlohmann::json config = {{"format", kFormatName}, {"version", 1}, {"vault_id", vault_id}};
  return config.dump();
}

namespace {
constexpr std::string_view kConfigSignatureLabel = "cassvault/v2/config";
std::vector<uint8_t> SignedBytes(std::string_view line) {
  std::vector<uint8_t> m(kConfigSignatureLabel.begin(), kConfigSignatureLabel.end());
  m.push_back(0);
  m.insert(m.end(), line.begin(), line.end());
  return m;
}
}  // namespace

Result<std::string> ConfigTextV2(const std::string& vault_id, const crypto::KeyBundle& admin) {
  nlohmann::json config = {{"format", kFormatName}, {"version", 2}, {"vault_id", vault_id}};
  std::string line = config.dump();
  CV_ASSIGN_OR_RETURN(const crypto::SigningKey* signer, admin.AdminSigner());
  CV_ASSIGN_OR_RETURN(crypto::Signature64 sig, signer->Sign(SignedBytes(line)));
  return line + "\n" + crypto::Base64Encode(sig) + "\n";
}

Status CheckConfigSignature(const ParsedConfig& config, const crypto::KeyBundle& bundle,
                            const std::string& subject) {
  Status st = crypto::VerifySignature(bundle.admin_public(), SignedBytes(config.line), config.signature);
  if (!st.ok()) {
    return Status::Corruption(subject,
                              "config is not signed by this vault's admin key: it was replaced or "
                              "changed; restore the original config (or a replica's)");
  }
  return Status::OK();
}

Result<ParsedConfig> ParseConfig(std::span<const uint8_t> raw, const std::string& subject) {
  // v2: the JSON line, then the signature line. v1: JSON alone.
  auto newline = std::find(raw.begin(), raw.end(), static_cast<uint8_t>('\n'));
  std::span<const uint8_t> json_bytes(raw.begin(), newline);
  std::span<const uint8_t> rest(newline, raw.end());
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(json_bytes.begin(), json_bytes.end());
  } catch (const nlohmann::json::parse_error& e) {
    return Status::Corruption(subject, "config is not valid JSON (offset " + std::to_string(e.byte) + ")");
  } catch (const std::exception&) {
    return Status::Corruption(subject, "config is not valid JSON");
  }
  if (!config.is_object()) return Status::Corruption(subject, "config is not a JSON object");
  auto format = config.find("format");
  if (format == config.end() || !format->is_string() || format->get<std::string>() != kFormatName) {
    return Status::Corruption(subject,
                              "config does not say \"format\": \"cassvault\" (not a cassvault vault)");
  }
  auto version = config.find("version");
  if (version == config.end() || !version->is_number_integer())
    return Status::Corruption(subject, "config has no integer \"version\"");
  if (!version->is_number_unsigned() || version->get<uint64_t>() < 1 || version->get<uint64_t>() > 2) {
    std::string v = version->is_number_unsigned() ? std::to_string(version->get<uint64_t>()) : "below 1";
    return Status::NotSupported(subject, "format version " + v + " is not supported by this cassvault");
  }
  auto id = config.find("vault_id");
  if (id == config.end() || !id->is_string() || !layout::IsValidVaultId(id->get<std::string>())) {
    return Status::Corruption(subject, "config's \"vault_id\" is not 32 lowercase hex digits");
  }
  ParsedConfig out;
  out.version = static_cast<int>(version->get<uint64_t>());
  out.vault_id = id->get<std::string>();
  if (out.version == 1) {
    if (!rest.empty()) return Status::Corruption(subject, "config has bytes after its JSON");
    return out;
  }
  // "\n" base64(signature) "\n"
  std::string sig_line(rest.begin(), rest.end());
  if (sig_line.size() < 3 || sig_line.front() != '\n' || sig_line.back() != '\n')
    return Status::Corruption(subject, "config has no signature line");
  auto sig = crypto::Base64Decode(std::string_view(sig_line).substr(1, sig_line.size() - 2));
  if (!sig.ok() || sig->size() != 64) return Status::Corruption(subject, "config's signature is malformed");
  out.line.assign(json_bytes.begin(), json_bytes.end());
  out.signature = std::move(sig).value();
  return out;
}

Status CheckConfigSeal(ObjectTable& table, ProblemLog& problems, std::span<const uint8_t> config_bytes) {
  std::vector<storage::ObjectInfo> seals;
  CV_RETURN_IF_ERROR(table.List(ObjectKind::kConfigSeal, &seals));
  if (seals.size() > kMaxConfigSeals) seals.resize(kMaxConfigSeals);
  bool matched = false;
  for (const auto& s : seals) {
    std::vector<uint8_t> sealed, plain;
    Status st = table.Read(ObjectKind::kConfigSeal, s.key, s.size, &sealed);
    if (st.ok() && !table.keys().Open(ObjectKind::kConfigSeal, s.key, sealed, &plain))
      st = Status::Corruption(table.Subject(s.key), "does not decrypt (not written with this key)");
    if (!st.ok()) {
      if (!IsObjectProblem(st)) return st;
      problems.Add(s.key, st.message());
      continue;
    }
    if (!std::equal(plain.begin(), plain.end(), config_bytes.begin(), config_bytes.end())) {
      return Status::Corruption(
          "vault " + table.store().Describe() + " config",
          "differs from the copy sealed when the vault was first opened with its key (" + s.key +
              "): it was replaced; restore the original config");
    }
    matched = true;
  }
  if (matched) return Status::OK();
  CV_ASSIGN_OR_RETURN(std::vector<uint8_t> sealed,
                      table.keys().Seal(ObjectKind::kConfigSeal, "", config_bytes));
  Status put = table.store().Put(layout::ConfigSealKey(crypto::Sha256(sealed)), sealed);
  // A read-only identity cannot write it; a later writer will. Nothing depends on it but this check.
  if (!put.ok() && !put.IsAlreadyExists()) {
    problems.Add(std::string(layout::kConfigSealPrefix),
                 "no sealed copy of config could be written (" + put.message() + "); config is not checked",
                 /*damage=*/false);
  }
  return Status::OK();
}

}  // namespace cv::vault
