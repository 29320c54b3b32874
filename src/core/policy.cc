#include "core/policy.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

#include "core/table_filter.h"

namespace cv::policy {
namespace {

using nlohmann::json;

constexpr uint32_t kMaxKeep = 1000000;

// Errors carry the field's path ("schedule.cron") after the subject; a failure leaves nothing half-parsed
// because the caller gets no Policy at all.
class Reader {
 public:
  explicit Reader(std::string_view subject) : subject_(subject) {}
  void Named(const std::string& name) {
    if (subject_.empty()) subject_ = "policy " + name;
  }
  Status Error(std::string_view field, std::string_view detail) const {
    std::string s = subject_.empty() ? "policy" : subject_;
    return Status::InvalidArgument(
        s, field.empty() ? std::string(detail) : std::string(field) + ": " + std::string(detail));
  }
  // `field "text": detail` for errors of the schedule parsers, whose own subject is `what "text"`.
  Status Rephrase(const Status& st, std::string_view what, std::string_view text,
                  std::string_view field) const {
    std::string prefix = std::string(what) + " \"" + std::string(text) + "\": ";
    std::string detail = st.message();
    if (detail.compare(0, prefix.size(), prefix) == 0) detail = detail.substr(prefix.size());
    return Status::InvalidArgument(subject_.empty() ? "policy" : subject_,
                                   std::string(field) + " \"" + std::string(text) + "\": " + detail);
  }

  Status Known(const json& obj, std::string_view path, std::initializer_list<std::string_view> known) const {
    for (const auto& [k, v] : obj.items()) {
      if (std::find(known.begin(), known.end(), k) != known.end()) continue;
      std::string list;
      for (std::string_view n : known) list += (list.empty() ? "" : ", ") + std::string(n);
      std::string field = path.empty() ? k : std::string(path) + "." + k;
      return Error(field,
                   "unknown field (known here: " + list + "); a misspelt rule would otherwise be ignored");
    }
    return Status::OK();
  }

  // nullptr when absent or null; an error when present with another type.
  Result<const json*> Get(const json& obj, const std::string& key, std::string_view path, json::value_t type,
                          const char* type_name) const {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return static_cast<const json*>(nullptr);
    bool ok = it->type() == type || (type == json::value_t::number_unsigned && it->is_number_integer());
    if (!ok) {
      return Error(path.empty() ? key : std::string(path) + "." + key,
                   std::string("must be ") + type_name + ", found " + it->type_name() +
                       (type == json::value_t::string ? " (quote it in YAML)" : ""));
    }
    return &*it;
  }

  Result<std::optional<std::string>> String(const json& obj, const std::string& key,
                                            std::string_view path) const {
    CV_ASSIGN_OR_RETURN(const json* v, Get(obj, key, path, json::value_t::string, "text"));
    if (v == nullptr) return std::optional<std::string>();
    return std::optional<std::string>(v->get<std::string>());
  }

  Result<std::vector<std::string>> Strings(const json& obj, const std::string& key,
                                           std::string_view path) const {
    CV_ASSIGN_OR_RETURN(const json* v, Get(obj, key, path, json::value_t::array, "a list of text"));
    std::vector<std::string> out;
    if (v == nullptr) return out;
    std::string field = path.empty() ? key : std::string(path) + "." + key;
    for (size_t i = 0; i < v->size(); ++i) {
      if (!(*v)[i].is_string()) {
        return Error(field + "[" + std::to_string(i) + "]",
                     std::string("must be text, found ") + (*v)[i].type_name() + " (quote it in YAML)");
      }
      out.push_back((*v)[i].get<std::string>());
    }
    return out;
  }

 private:
  std::string subject_;
};

std::string Join(const std::vector<std::string>& v, std::string_view sep = ", ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : std::string(sep)) + s;
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool HasWildcard(std::string_view s) { return s.find_first_of("*?") != std::string_view::npos; }

// True when the exclude part removes everything the include part could name. Sound, not complete: a
// pattern pair it cannot decide counts as "not covered", so it never calls a real selection empty.
bool PartCovers(std::string_view exclude, std::string_view include) {
  return exclude == "*" || exclude == include ||
         (!HasWildcard(include) && TableFilter::Glob(exclude, include));
}

std::pair<std::string, std::string> Split(const std::string& pattern) {
  size_t dot = pattern.find('.');
  if (dot == std::string::npos) return {pattern, "*"};
  return {pattern.substr(0, dot), pattern.substr(dot + 1)};
}

Status CheckSelection(const Reader& rd, const Policy& p) {
  for (const auto* list : {&p.keyspaces, &p.exclude}) {
    const char* field = list == &p.keyspaces ? "keyspaces" : "exclude";
    for (size_t i = 0; i < list->size(); ++i) {
      if ((*list)[i].empty()) {
        return rd.Error(std::string(field) + "[" + std::to_string(i) + "]",
                        "is empty; write KS or KS.TABLE (globs * and ? allowed)");
      }
      if (auto f = TableFilter::Make({(*list)[i]}, {}); !f.ok()) {
        return rd.Error(std::string(field) + "[" + std::to_string(i) + "]", f.status().message());
      }
    }
  }
  std::vector<std::string> includes = p.keyspaces.empty() ? std::vector<std::string>{"*"} : p.keyspaces;
  for (const std::string& inc : includes) {
    auto [iks, itb] = Split(inc);
    bool covered =
        std::any_of(p.exclude.begin(), p.exclude.end(), [&, &iks = iks, &itb = itb](const std::string& e) {
          auto [eks, etb] = Split(e);
          return PartCovers(eks, iks) && PartCovers(etb, itb);
        });
    if (!covered) return Status::OK();
  }
  return rd.Error("", std::string("selects nothing: ") +
                          (p.keyspaces.empty() ? "exclude [" + Join(p.exclude) + "] removes every keyspace"
                                               : "every entry of keyspaces [" + Join(p.keyspaces) +
                                                     "] is removed by exclude [" + Join(p.exclude) + "]") +
                          "; narrow exclude or name what to back up in keyspaces");
}

constexpr std::array<std::pair<std::string_view, std::optional<uint32_t> Retention::*>, 6> kCounts = {{
    {"keep_last", &Retention::keep_last},
    {"keep_hourly", &Retention::keep_hourly},
    {"keep_daily", &Retention::keep_daily},
    {"keep_weekly", &Retention::keep_weekly},
    {"keep_monthly", &Retention::keep_monthly},
    {"keep_yearly", &Retention::keep_yearly},
}};
constexpr std::array<std::pair<std::string_view, std::optional<int64_t> Retention::*>, 3> kAges = {{
    {"keep_within", &Retention::keep_within_seconds},
    {"min_age", &Retention::min_age_seconds},
    {"max_age", &Retention::max_age_seconds},
}};

Status ReadRetention(const Reader& rd, const json& root, Retention* r) {
  CV_ASSIGN_OR_RETURN(const json* obj, rd.Get(root, "retention", "", json::value_t::object, "a mapping"));
  if (obj == nullptr) return Status::OK();
  CV_RETURN_IF_ERROR(rd.Known(*obj, "retention",
                              {"keep_last", "keep_hourly", "keep_daily", "keep_weekly", "keep_monthly",
                               "keep_yearly", "keep_within", "min_age", "max_age"}));
  for (const auto& [key, member] : kCounts) {
    std::string field = "retention." + std::string(key);
    auto it = obj->find(std::string(key));
    if (it == obj->end() || it->is_null()) continue;
    bool ok = it->is_number_integer() && it->get<int64_t>() >= 1 && it->get<int64_t>() <= kMaxKeep;
    if (!ok) {
      return rd.Error(field, "must be a whole number from 1 to " + std::to_string(kMaxKeep) + ", found " +
                                 it->dump() + " (leave the rule out to turn it off)");
    }
    r->*member = static_cast<uint32_t>(it->get<int64_t>());
  }
  for (const auto& [key, member] : kAges) {
    std::string field = "retention." + std::string(key);
    CV_ASSIGN_OR_RETURN(auto text, rd.String(*obj, std::string(key), ""));
    if (!text) continue;
    auto d = sched::ParseDuration(*text);
    if (!d.ok() || *d == 0) {
      return rd.Error(field, "\"" + *text +
                                 "\" is not a duration above zero; use a whole number and a unit s, "
                                 "m, h, d or w (12h, 30d, 8w)");
    }
    r->*member = *d;
  }
  if (r->min_age_seconds && r->max_age_seconds && *r->min_age_seconds > *r->max_age_seconds) {
    return rd.Error("retention", "min_age " + sched::FormatDuration(*r->min_age_seconds) +
                                     " is longer than max_age " + sched::FormatDuration(*r->max_age_seconds) +
                                     "; no backup could ever be deleted by age");
  }
  return Status::OK();
}

Status ReadSchedule(const Reader& rd, const json& root, Policy* p) {
  CV_ASSIGN_OR_RETURN(const json* obj, rd.Get(root, "schedule", "", json::value_t::object, "a mapping"));
  if (obj == nullptr)
    return rd.Error("schedule", "is missing; give at least schedule.cron (e.g. \"0 1 * * *\")");
  CV_RETURN_IF_ERROR(rd.Known(*obj, "schedule", {"cron", "time_zone", "windows", "jitter"}));
  CV_ASSIGN_OR_RETURN(auto cron, rd.String(*obj, "cron", "schedule"));
  if (!cron) return rd.Error("schedule.cron", "is missing; e.g. \"0 1 * * *\" or \"@daily\"");
  auto spec = sched::ParseCron(*cron);
  if (!spec.ok()) return rd.Rephrase(spec.status(), "cron", Trim(*cron), "schedule.cron");
  p->cron = spec->text;
  CV_ASSIGN_OR_RETURN(auto zone, rd.String(*obj, "time_zone", "schedule"));
  p->time_zone = zone.value_or("UTC");
  CV_ASSIGN_OR_RETURN(p->windows, rd.Strings(*obj, "windows", "schedule"));
  CV_ASSIGN_OR_RETURN(auto jitter, rd.String(*obj, "jitter", "schedule"));
  p->jitter = jitter.value_or("");
  if (!sched::IsKnownTimeZone(p->time_zone)) {
    return rd.Error("schedule.time_zone", "\"" + p->time_zone +
                                              "\" is not in the zone database (/usr/share/zoneinfo); use an "
                                              "IANA name such as Europe/Berlin, America/New_York or UTC");
  }
  for (size_t i = 0; i < p->windows.size(); ++i) {
    auto w = sched::ParseWindow(p->windows[i]);
    if (!w.ok()) {
      return rd.Rephrase(w.status(), "window", p->windows[i], "schedule.windows[" + std::to_string(i) + "]");
    }
  }
  if (auto j = sched::ParseJitter(p->jitter); !j.ok()) {
    return rd.Rephrase(j.status(), "jitter", p->jitter, "schedule.jitter");
  }
  auto s = sched::MakeSchedule(p->cron, p->time_zone, p->windows, p->jitter);
  if (!s.ok()) return rd.Error("schedule", s.status().message());
  p->schedule = std::move(s).value();
  return Status::OK();
}

}  // namespace

bool IsValidPolicyName(std::string_view name) {
  return !name.empty() && name.size() <= 48 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

Result<Policy> PolicyFromJson(std::string_view text, std::string_view subject) {
  Reader rd(subject);
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return rd.Error("", "is not valid JSON");
  if (!root.is_object())
    return rd.Error("", std::string("must be a mapping of fields, found ") + root.type_name());
  Policy p;
  CV_ASSIGN_OR_RETURN(auto name, rd.String(root, "name", ""));
  if (!name) return rd.Error("name", "is missing; a policy needs a name (letters, digits, '_' or '-')");
  if (!IsValidPolicyName(*name)) {
    return rd.Error("name",
                    "\"" + *name +
                        "\" is not a policy name; use 1-48 letters, digits, '_' or '-' (it starts every "
                        "tag of the policy)");
  }
  p.name = *name;
  rd.Named(p.name);
  CV_RETURN_IF_ERROR(rd.Known(
      root, "", {"name", "schedule", "keyspaces", "exclude", "retention", "after_success", "enabled"}));
  CV_RETURN_IF_ERROR(ReadSchedule(rd, root, &p));
  CV_ASSIGN_OR_RETURN(p.keyspaces, rd.Strings(root, "keyspaces", ""));
  CV_ASSIGN_OR_RETURN(p.exclude, rd.Strings(root, "exclude", ""));
  CV_RETURN_IF_ERROR(CheckSelection(rd, p));
  CV_RETURN_IF_ERROR(ReadRetention(rd, root, &p.retention));
  CV_ASSIGN_OR_RETURN(auto after, rd.String(root, "after_success", ""));
  p.after_success = after.value_or("none");
  if (p.after_success != "none" && p.after_success != "verify") {
    return rd.Error("after_success", "\"" + p.after_success + "\" is not one of none, verify");
  }
  CV_ASSIGN_OR_RETURN(const json* enabled,
                      rd.Get(root, "enabled", "", json::value_t::boolean, "true or false"));
  p.enabled = enabled == nullptr || enabled->get<bool>();
  return p;
}

std::string PolicyToJson(const Policy& p) {
  // nlohmann's default json keeps keys sorted, so the bytes depend only on the values.
  json sched = {{"cron", p.cron}, {"time_zone", p.time_zone}, {"windows", p.windows}};
  if (!p.jitter.empty()) sched["jitter"] = p.jitter;
  json ret = json::object();
  for (const auto& [key, member] : kCounts) {
    if (p.retention.*member) ret[std::string(key)] = *(p.retention.*member);
  }
  for (const auto& [key, member] : kAges) {
    if (p.retention.*member) ret[std::string(key)] = sched::FormatDuration(*(p.retention.*member));
  }
  json j = {{"name", p.name},       {"schedule", sched}, {"keyspaces", p.keyspaces},
            {"exclude", p.exclude}, {"retention", ret},  {"after_success", p.after_success},
            {"enabled", p.enabled}};
  return j.dump();
}

std::vector<std::string> DescribePolicy(const Policy& p) {
  std::vector<std::string> out;
  std::string sched = "schedule: \"" + p.cron + "\" in " + p.time_zone;
  if (!p.windows.empty()) sched += ", starting only within " + Join(p.windows);
  if (!p.jitter.empty() && p.schedule.jitter_seconds > 0) {
    sched += ", start delayed by up to " + sched::FormatDuration(p.schedule.jitter_seconds);
  }
  out.push_back(sched);
  std::string sel = p.keyspaces.empty() ? "selection: every keyspace (system keyspaces excluded)"
                                        : "selection: " + Join(p.keyspaces);
  if (!p.exclude.empty()) sel += ", excluding " + Join(p.exclude);
  out.push_back(sel);
  std::vector<std::string> keep;
  const Retention& r = p.retention;
  if (r.keep_last) keep.push_back("the last " + std::to_string(*r.keep_last));
  const std::array<std::pair<const char*, const std::optional<uint32_t>*>, 5> periods = {{
      {"hourly", &r.keep_hourly},
      {"daily", &r.keep_daily},
      {"weekly", &r.keep_weekly},
      {"monthly", &r.keep_monthly},
      {"yearly", &r.keep_yearly},
  }};
  for (const auto& [label, v] : periods) {
    if (*v) keep.push_back(std::to_string(**v) + " " + label);
  }
  if (r.keep_within_seconds) keep.push_back("all within " + sched::FormatDuration(*r.keep_within_seconds));
  std::string ret = keep.empty() ? "retention: no keep rule" : "retention: keep " + Join(keep);
  if (r.min_age_seconds) ret += "; never delete before " + sched::FormatDuration(*r.min_age_seconds);
  if (r.max_age_seconds) ret += "; delete after " + sched::FormatDuration(*r.max_age_seconds);
  if (keep.empty() && !r.min_age_seconds && !r.max_age_seconds)
    ret += " (backups are kept until deleted by hand)";
  out.push_back(ret);
  out.push_back(p.after_success == "verify" ? "after success: a fast verify of the new backup"
                                            : "after success: nothing");
  out.push_back(p.enabled ? "enabled: yes" : "enabled: no (no runs are scheduled)");
  return out;
}

}  // namespace cv::policy
