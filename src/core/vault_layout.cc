#include "core/vault_layout.h"

#include <cstdint>
#include <cstdio>
#include <ctime>

namespace cv {

std::string IdToHex(const ObjectId& id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(64, '0');
  for (size_t i = 0; i < id.size(); ++i) {
    s[2 * i] = kHex[id[i] >> 4];
    s[2 * i + 1] = kHex[id[i] & 0xf];
  }
  return s;
}

std::optional<ObjectId> IdFromHex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  ObjectId id{};
  for (size_t i = 0; i < 32; ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    id[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return id;
}

namespace layout {

std::string KeySlotKey(std::string_view slot_id) { return std::string(kKeysPrefix) + std::string(slot_id); }
namespace {
std::optional<PartitionedName> ParsePartitionedName(ObjectKind kind, std::string_view key);
}  // namespace

std::string ContentKey(ObjectKind kind, const ObjectId& id) {
  const ObjectKindInfo& k = KindInfo(kind);
  std::string hex = IdToHex(id);
  if (k.naming == Naming::kShardedHash || k.naming == Naming::kPartitionedShardedHash)
    return std::string(k.prefix) + hex.substr(0, 2) + "/" + hex;
  return std::string(k.prefix) + hex;
}

std::optional<ObjectId> ParseContentKey(ObjectKind kind, std::string_view key) {
  const ObjectKindInfo& k = KindInfo(kind);
  if (k.naming == Naming::kPartitionedHash || k.naming == Naming::kPartitionedShardedHash) {
    auto name = ParsePartitionedName(kind, key);  // either shape; the partition is dropped
    if (!name) return std::nullopt;
    return name->id;
  }
  if (k.naming != Naming::kContentHash && k.naming != Naming::kShardedHash) return std::nullopt;
  if (key.substr(0, k.prefix.size()) != k.prefix) return std::nullopt;
  key.remove_prefix(k.prefix.size());
  if (k.naming == Naming::kShardedHash) {
    if (key.size() != 2 + 1 + 64 || key[2] != '/' || key.substr(0, 2) != key.substr(3, 2))
      return std::nullopt;
    key.remove_prefix(3);
  }
  return IdFromHex(key);
}

namespace {

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// yyyymmddThhmmssZ, digits where digits go.
bool IsStamp(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return false;
  for (size_t i = 0; i < 15; ++i) {
    if (i != 8 && !(s[i] >= '0' && s[i] <= '9')) return false;
  }
  return true;
}

bool IsDay(std::string_view s) {
  if (s.size() != 8) return false;
  for (char c : s) {
    if (!(c >= '0' && c <= '9')) return false;
  }
  return true;
}

// <stamp>-<16 hex>
bool IsStampedName(std::string_view s) {
  return s.size() == 16 + 1 + 16 && IsStamp(s.substr(0, 16)) && s[16] == '-' && IsLowerHex(s.substr(17));
}

// After the prefix: "<node>/<rest>" (node_id set) or "<rest>" with the rest's shape checked by the caller.
std::optional<PartitionedName> ParsePartitionedName(ObjectKind kind, std::string_view key) {
  const ObjectKindInfo& k = KindInfo(kind);
  if (key.substr(0, k.prefix.size()) != k.prefix) return std::nullopt;
  std::string_view rest = key.substr(k.prefix.size());
  PartitionedName out;
  if (rest.size() > 17 && rest[16] == '/' && IsValidNodeId(rest.substr(0, 16))) {
    out.node_id = std::string(rest.substr(0, 16));
    rest.remove_prefix(17);
  }
  if (k.naming == Naming::kPartitionedShardedHash) {
    if (rest.size() != 2 + 1 + 64 || rest[2] != '/' || rest.substr(0, 2) != rest.substr(3, 2))
      return std::nullopt;
    rest.remove_prefix(3);
  }
  auto id = IdFromHex(rest);
  if (!id) return std::nullopt;
  out.id = *id;
  return out;
}

std::string DayOf(int64_t unix_seconds) { return TimeStamp(unix_seconds).substr(0, 8); }

}  // namespace

bool IsValidNodeId(std::string_view node_id) { return node_id.size() == 16 && IsLowerHex(node_id); }

std::string PartitionPrefix(ObjectKind kind, std::string_view node_id) {
  std::string p(KindInfo(kind).prefix);
  if (!node_id.empty()) p.append(node_id).push_back('/');
  return p;
}

std::string PackKey(std::string_view node_id, const ObjectId& id) {
  std::string hex = IdToHex(id);
  return PartitionPrefix(ObjectKind::kPack, node_id) + hex.substr(0, 2) + "/" + hex;
}

std::string IndexKey(std::string_view node_id, const ObjectId& id) {
  return PartitionPrefix(ObjectKind::kIndex, node_id) + IdToHex(id);
}

std::optional<PartitionedName> ParsePartitionedPackKey(std::string_view key) {
  return ParsePartitionedName(ObjectKind::kPack, key);
}
std::optional<PartitionedName> ParsePartitionedIndexKey(std::string_view key) {
  return ParsePartitionedName(ObjectKind::kIndex, key);
}

std::string TimeStamp(int64_t unix_seconds) { return MakeBackupId(unix_seconds, "").substr(0, 16); }

std::string ConsolidatedIndexKey(std::string_view node_id, int64_t unix_seconds,
                                 std::string_view random_hex) {
  return PartitionPrefix(ObjectKind::kConsolidatedIndex, node_id) + TimeStamp(unix_seconds) + "-" +
         std::string(random_hex);
}

std::string ConsolidatedCatalogKey(int64_t unix_seconds, std::string_view random_hex) {
  return std::string(KindInfo(ObjectKind::kConsolidatedCatalog).prefix) + TimeStamp(unix_seconds) + "-" +
         std::string(random_hex);
}

std::string CatalogDayPrefix(int64_t unix_seconds) {
  return std::string(KindInfo(ObjectKind::kCatalogSegment).prefix) + DayOf(unix_seconds) + "/";
}

std::string CatalogSegmentKey(int64_t unix_seconds, std::string_view backup_id) {
  return CatalogDayPrefix(unix_seconds) + std::string(backup_id);
}

std::optional<std::string> ParseCatalogSegmentKey(std::string_view key) {
  std::string_view prefix = KindInfo(ObjectKind::kCatalogSegment).prefix;
  if (key.substr(0, prefix.size()) != prefix) return std::nullopt;
  key.remove_prefix(prefix.size());
  if (key.size() < 9 || !IsDay(key.substr(0, 8)) || key[8] != '/') return std::nullopt;
  key.remove_prefix(9);
  if (!IsValidBackupId(key)) return std::nullopt;
  return std::string(key);
}

std::string NodeAliasKey(std::string_view alias_hex) {
  return std::string(KindInfo(ObjectKind::kNodeAlias).prefix) + std::string(alias_hex);
}

bool IsValidObjectName(std::string_view name) {
  if (name.empty() || name.size() > 48) return false;
  for (char c : name) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string PolicyPrefix(std::string_view name) { return NameVersionPrefix(ObjectKind::kPolicy, name); }

std::string PolicyKey(std::string_view name, uint32_t version) {
  return NameVersionKey(ObjectKind::kPolicy, name, version);
}

std::optional<PolicyName> ParsePolicyKey(std::string_view key) {
  return ParseNameVersionKey(ObjectKind::kPolicy, key);
}

std::string NameVersionPrefix(ObjectKind kind, std::string_view name) {
  return std::string(KindInfo(kind).prefix) + std::string(name) + "/";
}

std::string NameVersionKey(ObjectKind kind, std::string_view name, uint32_t version) {
  char digits[16];
  std::snprintf(digits, sizeof digits, "%010u", version);
  return NameVersionPrefix(kind, name) + digits;
}

std::optional<PolicyName> ParseNameVersionKey(ObjectKind kind, std::string_view key) {
  std::string_view prefix = KindInfo(kind).prefix;
  if (key.substr(0, prefix.size()) != prefix) return std::nullopt;
  key.remove_prefix(prefix.size());
  size_t slash = key.find('/');
  if (slash == std::string_view::npos || !IsValidObjectName(key.substr(0, slash))) return std::nullopt;
  std::string_view digits = key.substr(slash + 1);
  if (digits.size() != 10) return std::nullopt;
  uint64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v == 0 || v > UINT32_MAX) return std::nullopt;
  return PolicyName{std::string(key.substr(0, slash)), static_cast<uint32_t>(v)};
}

std::string RunDayPrefix(int64_t unix_seconds) {
  return std::string(KindInfo(ObjectKind::kRunRecord).prefix) + DayOf(unix_seconds) + "/";
}

bool IsValidRunId(std::string_view run_id) { return run_id.size() == 16 && IsLowerHex(run_id); }

std::string RunRecordKey(int64_t started, std::string_view run_id, int seq) {
  return RunDayPrefix(started) + std::string(run_id) + "-" + std::to_string(seq);
}

std::optional<RunRecordName> ParseRunRecordKey(std::string_view key) {
  std::string_view prefix = KindInfo(ObjectKind::kRunRecord).prefix;
  if (key.substr(0, prefix.size()) != prefix) return std::nullopt;
  key.remove_prefix(prefix.size());
  // <yyyymmdd>/<16 hex>-<0|1>
  if (key.size() != 8 + 1 + 16 + 2 || !IsDay(key.substr(0, 8)) || key[8] != '/' || key[25] != '-')
    return std::nullopt;
  if (!IsValidRunId(key.substr(9, 16)) || (key[26] != '0' && key[26] != '1')) return std::nullopt;
  return RunRecordName{std::string(key.substr(0, 8)), std::string(key.substr(9, 16)), key[26] - '0'};
}

std::string LockPrefix(std::string_view name) {
  return std::string(KindInfo(ObjectKind::kLock).prefix) + std::string(name) + "/";
}

std::string LockKey(std::string_view name, int64_t unix_seconds, std::string_view holder_hex) {
  return LockPrefix(name) + TimeStamp(unix_seconds) + "-" + std::string(holder_hex);
}

std::optional<LockName> ParseLockKey(std::string_view key) {
  std::string_view prefix = KindInfo(ObjectKind::kLock).prefix;
  if (key.substr(0, prefix.size()) != prefix) return std::nullopt;
  key.remove_prefix(prefix.size());
  size_t slash = key.find('/');
  if (slash == std::string_view::npos || !IsValidObjectName(key.substr(0, slash))) return std::nullopt;
  std::string_view rest = key.substr(slash + 1);
  if (!IsStampedName(rest)) return std::nullopt;
  return LockName{std::string(key.substr(0, slash)), std::string(rest.substr(0, 16)),
                  std::string(rest.substr(17))};
}

std::string AuditWriterPrefix(std::string_view writer_id) {
  return std::string(KindInfo(ObjectKind::kAuditRecord).prefix) + std::string(writer_id) + "/";
}

std::string AuditRecordKey(std::string_view writer_id, uint64_t seq) {
  std::string digits = std::to_string(seq);
  return AuditWriterPrefix(writer_id) + std::string(digits.size() < 12 ? 12 - digits.size() : 0, '0') +
         digits;
}

std::optional<AuditRecordName> ParseAuditRecordKey(std::string_view key) {
  std::string_view prefix = KindInfo(ObjectKind::kAuditRecord).prefix;
  if (key.substr(0, prefix.size()) != prefix) return std::nullopt;
  key.remove_prefix(prefix.size());
  if (key.size() != 16 + 1 + 12 || key[16] != '/' || !IsValidNodeId(key.substr(0, 16))) return std::nullopt;
  uint64_t seq = 0;
  for (char c : key.substr(17)) {
    if (c < '0' || c > '9') return std::nullopt;
    seq = seq * 10 + static_cast<uint64_t>(c - '0');
  }
  if (seq == 0) return std::nullopt;
  return AuditRecordName{std::string(key.substr(0, 16)), seq};
}

std::string AuditCheckpointKey(int64_t unix_seconds, std::string_view random_hex) {
  return std::string(KindInfo(ObjectKind::kAuditCheckpoint).prefix) + TimeStamp(unix_seconds) + "-" +
         std::string(random_hex);
}

std::string ClusterAliasKey(std::string_view alias_hex) {
  return std::string(KindInfo(ObjectKind::kClusterAlias).prefix) + std::string(alias_hex);
}

bool IsNameOf(ObjectKind kind, std::string_view key) {
  const ObjectKindInfo& k = KindInfo(kind);
  const std::string_view rest =
      key.substr(0, k.prefix.size()) == k.prefix ? key.substr(k.prefix.size()) : std::string_view();
  switch (k.naming) {
    case Naming::kPartitionedHash:
    case Naming::kPartitionedShardedHash:
      return ParsePartitionedName(kind, key).has_value();
    case Naming::kNodeStamped:
      return rest.size() == 17 + 33 && rest[16] == '/' && IsValidNodeId(rest.substr(0, 16)) &&
             IsStampedName(rest.substr(17));
    case Naming::kStamped:
      return IsStampedName(rest);
    case Naming::kDayBackupId:
      return ParseCatalogSegmentKey(key).has_value();
    case Naming::kAliasId:
      return rest.size() == 32 && IsLowerHex(rest);
    case Naming::kNameVersion:
      return ParseNameVersionKey(kind, key).has_value();
    case Naming::kDayRunSeq:
      return ParseRunRecordKey(key).has_value();
    case Naming::kNameStamped:
      return ParseLockKey(key).has_value();
    case Naming::kWriterSeq:
      return ParseAuditRecordKey(key).has_value();
    case Naming::kFixed:
      return key == KindInfo(kind).prefix;
    case Naming::kContentHash:
    case Naming::kShardedHash:
      return ParseContentKey(kind, key).has_value();
    case Naming::kSlotId:
      return ParseKeySlotKey(key).has_value();
    case Naming::kBackupId:
      return key.substr(0, k.prefix.size()) == k.prefix && IsValidBackupId(rest);
    case Naming::kProbeId:
      if (rest.size() != 7 + 32 || rest.substr(0, 7) != "doctor-") return false;
      return IsValidVaultId(rest.substr(7));  // 32 lowercase hex, the same shape
    case Naming::kNotAssigned:
      return false;
  }
  return false;
}

std::string PackKey(const ObjectId& id) { return ContentKey(ObjectKind::kPack, id); }
std::string IndexKey(const ObjectId& id) { return ContentKey(ObjectKind::kIndex, id); }
std::string ManifestKey(const ObjectId& id) { return ContentKey(ObjectKind::kManifest, id); }
std::string BackupKey(std::string_view backup_id) {
  return std::string(kBackupsPrefix) + std::string(backup_id);
}

std::optional<ObjectId> ParsePackKey(std::string_view key) { return ParseContentKey(ObjectKind::kPack, key); }
std::optional<ObjectId> ParseIndexKey(std::string_view key) {
  return ParseContentKey(ObjectKind::kIndex, key);
}

std::optional<std::string> ParseBackupKey(std::string_view key) {
  if (key.substr(0, kBackupsPrefix.size()) != kBackupsPrefix) return std::nullopt;
  key.remove_prefix(kBackupsPrefix.size());
  if (!IsValidBackupId(key)) return std::nullopt;
  return std::string(key);
}

std::string RefsKey(std::string_view backup_id) {
  return std::string(KindInfo(ObjectKind::kReferenceSet).prefix) + std::string(backup_id);
}
std::string ContentKeyObjectKey(const ObjectId& id) { return ContentKey(ObjectKind::kContentKey, id); }

std::string ObjectAadV2(std::string_view vault_id, ObjectKind kind, std::string_view identity) {
  std::string aad(kAadV2Label);
  aad.push_back('\0');
  aad.append(vault_id);
  const auto k = static_cast<uint16_t>(kind);
  aad.push_back(static_cast<char>(k >> 8));
  aad.push_back(static_cast<char>(k & 0xff));
  aad.append(identity);
  return aad;
}

std::string ConfigSealKey(const ObjectId& id) { return ContentKey(ObjectKind::kConfigSeal, id); }

std::optional<ObjectId> ParseConfigSealKey(std::string_view key) {
  return ParseContentKey(ObjectKind::kConfigSeal, key);
}

std::optional<std::string> ParseKeySlotKey(std::string_view key) {
  if (key.substr(0, kKeysPrefix.size()) != kKeysPrefix) return std::nullopt;
  key.remove_prefix(kKeysPrefix.size());
  if (key.empty() || key.size() > 64) return std::nullopt;
  for (char c : key) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return std::nullopt;
  }
  return std::string(key);
}

bool IsValidVaultId(std::string_view id) {
  if (id.size() != 32) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string FormatTime(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string MakeBackupId(int64_t unix_seconds, std::string_view random_hex) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return std::string(buf) + "-" + std::string(random_hex);
}

bool IsValidBackupId(std::string_view id) {
  // 20261125T141500Z-1a2b3c4d
  if (id.size() != 25 || id[8] != 'T' || id[15] != 'Z' || id[16] != '-') return false;
  for (size_t i = 0; i < id.size(); ++i) {
    if (i == 8 || i == 15 || i == 16) continue;
    char c = id[i];
    bool digit = c >= '0' && c <= '9';
    bool hex = digit || (c >= 'a' && c <= 'f');
    if (i < 15 ? !digit : !hex) return false;
  }
  return true;
}

}  // namespace layout
}  // namespace cv
