#include "ops/list.h"

#include <time.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <optional>

namespace cv::ops {

Result<int64_t> ParseListTime(const std::string& flag, const std::string& text, bool end_of_day) {
  auto bad = [&] {
    return Status::InvalidArgument(flag + " '" + text + "'",
                                   "expected a UTC date or time: 2026-12-06, 2026-12-06T10:15Z or "
                                   "2026-12-06T10:15:00Z");
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  int n = 0;
  bool day_only = false;
  std::string t = text;
  if (!t.empty() && (t.back() == 'Z' || t.back() == 'z')) t.pop_back();
  for (char c : t) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '-' && c != ':' && c != 'T' && c != 't')
      return bad();
  }
  const bool day = t.size() == 10 && std::sscanf(t.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && n == 10;
  const bool minutes = t.size() == 16 &&
                       std::sscanf(t.c_str(), "%4d-%2d-%2d%*[Tt]%2d:%2d%n", &y, &mo, &d, &h, &mi, &n) == 5 &&
                       n == 16;
  const bool seconds =
      t.size() == 19 &&
      std::sscanf(t.c_str(), "%4d-%2d-%2d%*[Tt]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) == 6 && n == 19;
  day_only = day;
  if (!day && !minutes && !seconds) {
    return bad();
  }
  if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59)
    return bad();
  struct tm tm {};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  int64_t v = static_cast<int64_t>(::timegm(&tm));
  // timegm normalises 2026-02-30 into March: such a date does not exist.
  struct tm back {};
  time_t tt = static_cast<time_t>(v);
  ::gmtime_r(&tt, &back);
  if (back.tm_mday != d || back.tm_mon != mo - 1) return bad();
  if (day_only && end_of_day) v += 86400 - 1;
  return v;
}

Result<ListFilter> MakeListFilter(std::string node, std::string tag, const std::string& since,
                                  const std::string& until, const std::string& limit) {
  ListFilter f;
  f.node = std::move(node);
  f.tag = std::move(tag);
  if (!since.empty()) {
    CV_ASSIGN_OR_RETURN(f.since, ParseListTime("--since", since, false));
  }
  if (!until.empty()) {
    CV_ASSIGN_OR_RETURN(f.until, ParseListTime("--until", until, true));
  }
  if (f.since && f.until && *f.since > *f.until)
    return Status::InvalidArgument("--since " + since, "is after --until " + until + "; nothing could match");
  if (!limit.empty()) {
    bool digits = limit.size() <= 9 && std::all_of(limit.begin(), limit.end(), [](char c) {
                    return std::isdigit(static_cast<unsigned char>(c));
                  });
    if (!digits || std::stoul(limit) == 0)
      return Status::InvalidArgument("--limit '" + limit + "'",
                                     "expected a positive number of backups (newest N)");
    f.limit = std::stoul(limit);
  }
  return f;
}

std::vector<BackupRecord> FilterRecords(std::vector<BackupRecord> records, const ListFilter& f) {
  std::vector<BackupRecord> out;
  for (auto& r : records) {
    if (!f.node.empty() && r.host_id != f.node && r.address != f.node && r.node_id != f.node) continue;
    if (!f.tag.empty() && r.tag != f.tag) continue;
    if (f.since && r.started < *f.since) continue;
    if (f.until && r.started > *f.until) continue;
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(),
            [](const BackupRecord& a, const BackupRecord& b) { return a.backup_id < b.backup_id; });
  if (f.limit > 0 && out.size() > f.limit) out.erase(out.begin(), out.end() - static_cast<long>(f.limit));
  return out;
}

namespace {

// Which members a tag expected and which committed, per data center; then its state.
void FillCompleteness(const std::vector<const BackupRecord*>& records, const std::vector<RunNote>* runs,
                      ClusterBackup* c) {
  std::map<std::string, ClusterMember> expected;  // by host id
  bool any_members = false;
  for (const BackupRecord* r : records) {
    any_members = any_members || !r->members.empty();
    for (const auto& m : r->members) expected.emplace(m.host_id, m);
  }
  for (const BackupRecord* r : records) {
    // A node that committed is a member, whatever the others saw (it may have joined since).
    if (!r->host_id.empty())
      expected.emplace(r->host_id, ClusterMember{r->host_id, r->address, r->data_center, r->rack});
  }
  std::map<std::string, const RunNote*> newest_run;  // by host id: the last note of this tag wins
  if (runs != nullptr) {
    for (const auto& n : *runs) {
      if (n.tag == c->tag) newest_run[n.host_id] = &n;
    }
  }
  std::map<std::string, DataCenterCompleteness> dcs;
  bool all_missing_running = true;
  for (const auto& [host, m] : expected) {
    c->members.push_back(m);
    DataCenterCompleteness& dc = dcs[m.data_center];
    dc.data_center = m.data_center;
    ++dc.expected;
    ++c->expected;
    if (c->nodes.contains(host)) {
      ++dc.committed;
      ++c->committed;
      continue;
    }
    MissingMember miss{m, false, ""};
    if (auto it = newest_run.find(host); it != newest_run.end()) {
      const RunNote& n = *it->second;
      miss.running = n.state == "started";
      miss.why = n.state == "started" ? "running" : n.error.empty() ? n.state : n.state + ": " + n.error;
    }
    all_missing_running = all_missing_running && miss.running;
    dc.missing.push_back(std::move(miss));
  }
  for (auto& [name, dc] : dcs) c->per_dc.push_back(std::move(dc));
  if (!any_members) {
    c->state = "unknown";
  } else if (c->committed == c->expected) {
    c->state = "complete";
  } else {
    c->state = all_missing_running ? "running" : "partial";
  }
}

}  // namespace

std::vector<ClusterBackup> SummariseCluster(const std::vector<BackupRecord>& records,
                                            const std::vector<RunNote>* runs) {
  std::map<std::string, ClusterBackup> by_tag;
  std::map<std::string, std::vector<const BackupRecord*>> records_of;
  for (const auto& r : records) {
    ClusterBackup& c = by_tag[r.tag];
    records_of[r.tag].push_back(&r);
    if (c.backups == 0) {
      c.tag = r.tag;
      c.started = r.started;
      c.finished = r.finished;
    }
    ++c.backups;
    c.clusters.insert(r.cluster_name);
    c.nodes.insert(r.host_id);
    c.data_centers.insert(r.data_center);
    if (!r.cluster_id.empty()) c.cluster_ids.insert(r.cluster_id);
    c.started = std::min(c.started, r.started);
    c.finished = std::max(c.finished, r.finished);
    c.bytes += r.bytes;
    c.new_bytes += r.new_bytes;
    c.stored_bytes += r.stored_bytes;
  }
  std::vector<ClusterBackup> out;
  out.reserve(by_tag.size());
  for (auto& [tag, c] : by_tag) {
    FillCompleteness(records_of[tag], runs, &c);
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [](const ClusterBackup& a, const ClusterBackup& b) {
    return a.started != b.started ? a.started < b.started : a.tag < b.tag;
  });
  return out;
}

std::vector<RunNote> RunNotesOf(const std::vector<vault::RunRecord>& runs) {
  std::vector<RunNote> out;
  out.reserve(runs.size());
  for (const auto& r : runs) out.push_back({r.tag, r.host_id, r.state, r.error});
  return out;
}

Result<std::vector<RunNote>> RecentRunNotes(vault::Vault& vault, const std::vector<ClusterBackup>& summary,
                                            int64_t now) {
  std::optional<int64_t> since;
  for (const auto& c : summary) {
    if (c.state == "complete" || c.started < now - kRunNotesWindowSeconds) continue;
    since = since ? std::min(*since, c.started) : c.started;
  }
  if (!since) return std::vector<RunNote>{};
  // A node's run may have started before the first backup of its tag committed (start jitter, retries).
  CV_ASSIGN_OR_RETURN(std::vector<vault::RunRecord> runs,
                      vault.runs().List(std::max(*since - 3600, now - kRunNotesWindowSeconds), now));
  return RunNotesOf(runs);
}

std::string DescribeCompleteness(const ClusterBackup& c) {
  std::string out;
  for (const auto& dc : c.per_dc) {
    if (!out.empty()) out += "  ";
    out += (dc.data_center.empty() ? "?" : dc.data_center) + " " + std::to_string(dc.committed) + "/" +
           std::to_string(dc.expected);
    for (const auto& m : dc.missing) {
      out += " missing " + (m.member.address.empty() ? "?" : m.member.address) + " (host id " +
             m.member.host_id + (m.why.empty() ? "" : "; " + m.why) + ")";
    }
  }
  return out;
}

}  // namespace cv::ops
