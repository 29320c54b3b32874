#include "ops/list.h"

#include <time.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>

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

std::vector<ClusterBackup> SummariseCluster(const std::vector<BackupRecord>& records) {
  std::map<std::string, ClusterBackup> by_tag;
  for (const auto& r : records) {
    ClusterBackup& c = by_tag[r.tag];
    if (c.backups == 0) {
      c.tag = r.tag;
      c.started = r.started;
      c.finished = r.finished;
    }
    ++c.backups;
    c.clusters.insert(r.cluster_name);
    c.nodes.insert(r.host_id);
    c.data_centers.insert(r.data_center);
    c.started = std::min(c.started, r.started);
    c.finished = std::max(c.finished, r.finished);
    c.bytes += r.bytes;
    c.new_bytes += r.new_bytes;
    c.stored_bytes += r.stored_bytes;
  }
  std::vector<ClusterBackup> out;
  out.reserve(by_tag.size());
  for (auto& [tag, c] : by_tag) out.push_back(std::move(c));
  std::sort(out.begin(), out.end(), [](const ClusterBackup& a, const ClusterBackup& b) {
    return a.started != b.started ? a.started < b.started : a.tag < b.tag;
  });
  return out;
}

}  // namespace cv::ops
