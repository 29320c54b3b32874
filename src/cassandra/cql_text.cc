// src/cassandra/cql_text.cc
#include "cassandra/cql_text.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <set>
#include <string_view>

namespace cv::cassandra {
namespace {

bool IsReservedKeyword(std::string_view word) {
  // cql3/reserved_keywords.txt (5.0 and trunk); quoting a non-reserved word too is harmless.
  static const std::set<std::string, std::less<>> kReserved = {
      "add",      "allow",    "alter",  "and",      "apply",        "asc",        "authorize",
      "batch",    "begin",    "by",     "check",    "columnfamily", "constraint", "create",
      "default",  "delete",   "desc",   "describe", "drop",         "entries",    "execute",
      "from",     "full",     "grant",  "if",       "in",           "index",      "infinity",
      "insert",   "into",     "is",     "keyspace", "length",       "limit",      "materialized",
      "mbean",    "mbeans",   "modify", "nan",      "norecursive",  "not",        "null",
      "of",       "on",       "or",     "order",    "primary",      "rename",     "replace",
      "revoke",   "schema",   "select", "set",      "table",        "to",         "token",
      "truncate", "unlogged", "unset",  "update",   "use",          "using",      "view",
      "where",    "with"};
  return kReserved.count(word) != 0;
}

// Identifiers mentioned in a CQL type string such as `map<text, frozen<"Addr">>`, unquoted.
std::set<std::string> TypeNamesIn(std::string_view type) {
  std::set<std::string> out;
  for (size_t i = 0; i < type.size();) {
    char c = type[i];
    if (c == '"') {
      std::string name;
      for (++i; i < type.size(); ++i) {
        if (type[i] == '"') {
          if (i + 1 < type.size() && type[i + 1] == '"') {
            name += '"';
            ++i;
            continue;
          }
          ++i;
          break;
        }
        name += type[i];
      }
      out.insert(name);
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i;
      while (j < type.size() && (std::isalnum(static_cast<unsigned char>(type[j])) || type[j] == '_')) ++j;
      std::string word(type.substr(i, j - i));
      for (char& w : word) w = static_cast<char>(std::tolower(static_cast<unsigned char>(w)));
      out.insert(word);
      i = j;
    } else {
      ++i;
    }
  }
  return out;
}

// Types used by other types first; among types free to go, alphabetical, so output is stable.
std::vector<const UserTypeDef*> DependencyOrder(const std::vector<UserTypeDef>& types) {
  std::map<std::string, const UserTypeDef*> by_name;
  for (const UserTypeDef& t : types) by_name[t.name] = &t;
  std::map<std::string, std::set<std::string>> deps;
  for (const UserTypeDef& t : types) {
    std::set<std::string>& d = deps[t.name];
    for (const std::string& ft : t.field_types) {
      for (const std::string& used : TypeNamesIn(ft)) {
        if (used != t.name && by_name.count(used)) d.insert(used);
      }
    }
  }
  std::vector<const UserTypeDef*> out;
  std::set<std::string> done;
  while (done.size() < by_name.size()) {
    bool progressed = false;
    for (const auto& [name, t] : by_name) {
      if (done.count(name)) continue;
      if (std::all_of(deps[name].begin(), deps[name].end(),
                      [&](const std::string& d) { return done.count(d) > 0; })) {
        out.push_back(t);
        done.insert(name);
        progressed = true;
        break;  // restart so the alphabetically first ready type always goes next
      }
    }
    if (!progressed) {  // a cycle Cassandra would never accept: emit the rest as they are
      for (const auto& [name, t] : by_name) {
        if (done.insert(name).second) out.push_back(t);
      }
    }
  }
  return out;
}

}  // namespace

bool TokenLess(const std::string& a, const std::string& b) {
  auto parse = [](const std::string& s, bool* neg, std::string_view* digits) {
    std::string_view v = s;
    *neg = !v.empty() && v[0] == '-';
    if (*neg) v.remove_prefix(1);
    while (v.size() > 1 && v[0] == '0') v.remove_prefix(1);
    *digits = v;
    return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  bool an = false, bn = false;
  std::string_view ad, bd;
  bool a_num = parse(a, &an, &ad), b_num = parse(b, &bn, &bd);
  if (!a_num || !b_num) return a_num != b_num ? a_num : a < b;
  if (an != bn) return an;
  bool mag_less = ad.size() != bd.size() ? ad.size() < bd.size() : ad < bd;
  bool mag_greater = ad.size() != bd.size() ? ad.size() > bd.size() : ad > bd;
  return an ? mag_greater : mag_less;
}

std::string QuoteIdentifier(const std::string& id) {
  bool bare = !id.empty() && id[0] >= 'a' && id[0] <= 'z' && !IsReservedKeyword(id) &&
              std::all_of(id.begin(), id.end(), [](char c) {
                return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
              });
  if (bare) return id;
  std::string out = "\"";
  for (char c : id) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

std::string QuoteStringLiteral(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

std::string UuidToHex(std::string uuid) {
  uuid.erase(std::remove(uuid.begin(), uuid.end(), '-'), uuid.end());
  return uuid;
}

std::string CreateKeyspaceStatement(const std::string& keyspace,
                                    const std::map<std::string, std::string>& replication,
                                    bool durable_writes) {
  // 'class' first, as cqlsh prints it; the rest in key order.
  std::string repl = "{";
  auto cls = replication.find("class");
  if (cls != replication.end()) repl += "'class': " + QuoteStringLiteral(cls->second);
  for (const auto& [k, v] : replication) {
    if (k == "class") continue;
    if (repl.size() > 1) repl += ", ";
    repl += QuoteStringLiteral(k) + ": " + QuoteStringLiteral(v);
  }
  repl += "}";
  return "CREATE KEYSPACE IF NOT EXISTS " + QuoteIdentifier(keyspace) + " WITH replication = " + repl +
         " AND durable_writes = " + (durable_writes ? "true" : "false") + ";";
}

std::vector<std::string> CreateTypeStatements(const std::string& keyspace,
                                              const std::vector<UserTypeDef>& types) {
  std::vector<std::string> out;
  for (const UserTypeDef* t : DependencyOrder(types)) {
    std::string stmt =
        "CREATE TYPE IF NOT EXISTS " + QuoteIdentifier(keyspace) + "." + QuoteIdentifier(t->name) + " (";
    for (size_t i = 0; i < t->field_names.size(); ++i) {
      if (i > 0) stmt += ", ";
      // field_types hold CQL text (`frozen<address>`), ready to paste; the lists have equal length.
      stmt +=
          QuoteIdentifier(t->field_names[i]) + " " + (i < t->field_types.size() ? t->field_types[i] : "blob");
    }
    out.push_back(stmt + ");");
  }
  return out;
}

}  // namespace cv::cassandra
