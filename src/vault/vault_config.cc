#include "vault/vault_config.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace cv::vault {

using layout::ObjectKind;

namespace {
constexpr std::string_view kFormatName = "cassvault";
constexpr std::string_view kConfigSealAad = layout::KindInfo(ObjectKind::kConfigSeal).aad;
}  // namespace

std::string ConfigText(const std::string& vault_id) {
  nlohmann::json config = {{"format", kFormatName}, {"version", kFormatVersion}, {"vault_id", vault_id}};
  return config.dump();
}

Result<ParsedConfig> ParseConfig(std::span<const uint8_t> raw, const std::string& subject) {
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(raw.begin(), raw.end());
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
  if (!version->is_number_unsigned() || version->get<uint64_t>() != kFormatVersion) {
    std::string v = version->is_number_unsigned() ? std::to_string(version->get<uint64_t>()) : "below 1";
    return Status::NotSupported(subject, "format version " + v + " is not supported by this cassvault");
  }
  auto id = config.find("vault_id");
  if (id == config.end() || !id->is_string() || !layout::IsValidVaultId(id->get<std::string>())) {
    return Status::Corruption(subject, "config's \"vault_id\" is not 32 lowercase hex digits");
  }
  return ParsedConfig{id->get<std::string>()};
}

Status CheckConfigSeal(ObjectTable& table, ProblemLog& problems, std::span<const uint8_t> config_bytes) {
  std::vector<storage::ObjectInfo> seals;
  CV_RETURN_IF_ERROR(table.List(ObjectKind::kConfigSeal, &seals));
  if (seals.size() > kMaxConfigSeals) seals.resize(kMaxConfigSeals);
  bool matched = false;
  for (const auto& s : seals) {
    std::vector<uint8_t> sealed, plain;
    Status st = table.Read(ObjectKind::kConfigSeal, s.key, s.size, &sealed);
    if (st.ok() && !table.Open(sealed, kConfigSealAad, &plain))
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
  CV_ASSIGN_OR_RETURN(std::vector<uint8_t> sealed, table.Seal(config_bytes, kConfigSealAad));
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
