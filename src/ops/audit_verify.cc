#include "ops/audit_verify.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "core/json_int.h"
#include "core/vault_layout.h"

namespace cv::ops {

namespace {

using layout::ObjectKind;
namespace fs = std::filesystem;
using nlohmann::json;

// A record that does not open under its name is tried under the names of this many of its writer's records
// on either side, to tell "moved" from "edited" (a swap of two records is the usual reordering).
constexpr uint64_t kMoveWindow = 32;
// Holes are named one by one up to this many per writer, then summed up.
constexpr size_t kMaxHolesNamed = 20;

struct Stored {
  std::string key, hash;
  bool opened = false;
  std::string prev;
};

void Add(AuditVerifyReport* r, std::string object, std::string kind, std::string message) {
  r->findings.push_back({std::move(object), std::move(kind), std::move(message)});
}

// Checks heads someone recorded (a checkpoint, this host's cache) against the records that are there.
void CheckHeads(AuditVerifyReport* r, const std::string& who,
                const std::map<std::string, vault::AuditHead>& heads,
                const std::map<std::string, std::map<uint64_t, Stored>>& writers) {
  for (const auto& [w, head] : heads) {
    auto it = writers.find(w);
    const uint64_t last = it == writers.end() || it->second.empty() ? 0 : it->second.rbegin()->first;
    const std::string key = layout::AuditRecordKey(w, head.seq);
    if (last < head.seq) {
      Add(r, key, "tail-removed",
          "writer " + w + ": " + who + " names record " + std::to_string(head.seq) +
              " as its head, but the trail " +
              (last == 0 ? std::string("holds no record of this writer")
                         : "ends at record " + std::to_string(last)) +
              " (records removed from the end)");
      continue;
    }
    auto rec = it->second.find(head.seq);
    if (rec == it->second.end()) continue;  // a hole: named as deleted already
    if (rec->second.hash != head.hash) {
      Add(r, key, "modified", "its stored bytes differ from what " + who + " recorded for it");
    }
  }
}

}  // namespace

Result<AuditVerifyReport> VerifyAuditTrail(vault::Vault& v,
                                           const std::map<std::string, vault::AuditHead>& local_heads) {
  AuditVerifyReport report;
  vault::ObjectTable& objects = v.objects();
  std::map<std::string, std::vector<storage::ObjectInfo>> listed;
  std::vector<std::string> strays;
  CV_RETURN_IF_ERROR(vault::AuditLog::ListAll(objects, &listed, &strays));
  for (const auto& s : strays)
    Add(&report, s, "stray", "is not an audit record name (not written by cassvault)");

  std::map<std::string, std::map<uint64_t, Stored>> writers;
  for (const auto& [w, infos] : listed) {
    ++report.writers;
    auto& chain = writers[w];
    std::map<uint64_t, std::vector<uint8_t>> unopened;
    for (const auto& o : infos) {
      ++report.records;
      const uint64_t seq = layout::ParseAuditRecordKey(o.key)->seq;
      CV_ASSIGN_OR_RETURN(std::vector<uint8_t> stored, vault::AuditLog::ReadStored(objects, o.key, o.size));
      Stored s{o.key, vault::AuditHash(stored), false, ""};
      auto e = vault::AuditLog::Open(objects, o.key, stored);
      if (e.ok()) {
        s.opened = true;
        s.prev = e->record.value("prev", std::string("?"));
      } else if (!vault::IsObjectProblem(e.status())) {
        return e.status();
      } else {
        unopened[seq] = std::move(stored);
      }
      chain[seq] = std::move(s);
    }
    // What did not open: moved from another seq (opens under another name of this writer), or edited.
    for (auto& [seq, stored] : unopened) {
      std::string moved_from;
      const uint64_t lo = seq > kMoveWindow ? seq - kMoveWindow : 1;
      for (uint64_t other = lo; other <= seq + kMoveWindow && moved_from.empty(); ++other) {
        if (other == seq) continue;
        crypto::Bytes plain;
        const std::string name = layout::AuditRecordKey(w, other);
        if (v.keys().Open(ObjectKind::kAuditRecord, name, stored, &plain)) moved_from = name;
      }
      const std::string& key = chain[seq].key;
      if (!moved_from.empty()) {
        Add(&report, key, "reordered",
            "holds the record written as " + moved_from + " (records moved or reordered)");
      } else {
        Add(&report, key, "modified", "does not decrypt under its name: edited, or not this vault's");
      }
    }
    // Holes: every seq from 1 to the last must be there.
    const uint64_t last = chain.empty() ? 0 : chain.rbegin()->first;
    size_t holes = 0;
    for (uint64_t seq = 1; seq <= last; ++seq) {
      if (chain.count(seq)) continue;
      if (++holes <= kMaxHolesNamed) {
        Add(&report, layout::AuditRecordKey(w, seq), "deleted",
            "is missing: writer " + w + "'s chain runs from 1 to " + std::to_string(last) +
                " (record deleted)");
      }
    }
    if (holes > kMaxHolesNamed) {
      Add(&report, layout::AuditWriterPrefix(w), "deleted",
          std::to_string(holes - kMaxHolesNamed) + " more records of writer " + w + " are missing");
    }
    // The chain: each record names its predecessor's stored bytes.
    for (const auto& [seq, s] : chain) {
      if (!s.opened) continue;
      if (seq == 1) {
        if (!s.prev.empty()) Add(&report, s.key, "reordered", "is the first record but names a predecessor");
        continue;
      }
      auto before = chain.find(seq - 1);
      if (before == chain.end()) continue;  // a hole, named above
      if (s.prev != before->second.hash) {
        Add(&report, s.key, "reordered",
            "does not follow " + before->second.key +
                " as stored (its prev names other bytes: the record before it was replaced or the chain "
                "reordered)");
      }
    }
  }

  // Checkpoints: signed, chained, and every head they name still there.
  std::vector<storage::ObjectInfo> cps;
  std::vector<std::string> cp_strays;
  CV_RETURN_IF_ERROR(vault::ListAuditCheckpoints(objects, &cps, &cp_strays));
  for (const auto& s : cp_strays)
    Add(&report, s, "stray", "is not an audit checkpoint name (not written by cassvault)");
  std::string prev_key, prev_hash;
  for (const auto& o : cps) {
    ++report.checkpoints;
    std::vector<uint8_t> stored;
    CV_RETURN_IF_ERROR(objects.Read(ObjectKind::kAuditCheckpoint, o.key, o.size, &stored));
    auto cp = vault::ReadAuditCheckpoint(objects, o.key, stored.size());
    if (!cp.ok()) {
      if (!vault::IsObjectProblem(cp.status())) return cp.status();
      Add(&report, o.key, "checkpoint", "signature or content broken: " + cp.status().message());
    } else {
      if (cp->prev_key != prev_key) {
        Add(&report, o.key, "checkpoint",
            cp->prev_key.empty() ? "names no previous checkpoint, but " + prev_key + " comes before it"
            : prev_key.empty()   ? "names previous checkpoint " + cp->prev_key + ", which is gone (removed)"
                                 : "names previous checkpoint " + cp->prev_key + ", but " + prev_key +
                                     " comes before it (a checkpoint removed or added)");
      } else if (!prev_key.empty() && cp->prev_hash != prev_hash) {
        Add(&report, o.key, "checkpoint",
            "names previous checkpoint " + prev_key + " with other bytes (it was replaced)");
      }
      CheckHeads(&report, "checkpoint " + o.key, cp->heads, writers);
    }
    prev_key = o.key;
    prev_hash = vault::AuditHash(stored);
  }
  CheckHeads(&report, "this host's head cache", local_heads, writers);
  return report;
}

Result<std::vector<vault::AuditEntry>> ReadAuditRecords(vault::Vault& v, const AuditQuery& q,
                                                        std::vector<std::string>* skipped) {
  std::map<std::string, std::vector<storage::ObjectInfo>> listed;
  CV_RETURN_IF_ERROR(vault::AuditLog::ListAll(v.objects(), &listed, nullptr));
  std::vector<vault::AuditEntry> out;
  for (const auto& [w, infos] : listed) {
    for (const auto& o : infos) {
      auto e = vault::AuditLog::Read(v.objects(), o.key, o.size);
      if (!e.ok()) {
        if (!vault::IsObjectProblem(e.status())) return e.status();
        if (skipped) skipped->push_back(e.status().ToString());
        continue;
      }
      const json& r = e->record;
      if (json_int::IntOr(r, "time", 0) < q.since) continue;
      if (!q.node.empty() && json_int::StringOr(r, "host", "") != q.node && w != q.node) continue;
      if (!q.op.empty()) {
        const std::string op = json_int::StringOr(r, "op", "");
        if (op != q.op && op.rfind(q.op + ".", 0) != 0) continue;
      }
      out.push_back(std::move(e).value());
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return json_int::IntOr(a.record, "time", 0) < json_int::IntOr(b.record, "time", 0);
  });
  return out;
}

Result<vault::AuditCheckpoint> WriteAuditCheckpointNow(vault::Vault& v, const std::string& by, int64_t now) {
  CV_ASSIGN_OR_RETURN(auto heads, vault::CurrentAuditHeads(v.objects()));
  return vault::WriteAuditCheckpoint(v.objects(), heads, by, now);
}

std::map<std::string, vault::AuditHead> LocalAuditHeads(const std::string& cache_dir,
                                                        const std::string& vault_id) {
  std::map<std::string, vault::AuditHead> out;
  const std::string prefix = vault_id + ".audit-";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(cache_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0 || name.size() != prefix.size() + 16 + 5 ||
        name.substr(name.size() - 5) != ".head")
      continue;
    const std::string writer = name.substr(prefix.size(), 16);
    if (!layout::IsValidNodeId(writer)) continue;
    std::ifstream in(entry.path());
    vault::AuditHead h;
    if (in >> h.seq >> h.hash && h.seq > 0 && h.hash.size() == 64) out[writer] = h;
  }
  return out;
}

}  // namespace cv::ops
