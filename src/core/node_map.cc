#include "core/node_map.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "core/token_plan.h"

namespace cv {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// A `#` at the start or after a blank starts a comment (a host id or address never holds one).
std::string_view StripComment(std::string_view line) {
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '#' && (i == 0 || std::isspace(static_cast<unsigned char>(line[i - 1]))))
      return line.substr(0, i);
  }
  return line;
}

// Names in the file become CQL identifiers and are compared with the backup's: printable, no blanks.
bool PlainName(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == '-' || c == '_';
  });
}

std::string Line(std::string_view subject, int n) {
  return std::string(subject) + " line " + std::to_string(n);
}

// IPv4 addresses in numeric order (10.0.0.9 before 10.0.0.10); anything else as text, after them.
bool AddressLess(const std::string& a, const std::string& b) {
  auto v4 = [](const std::string& s, std::vector<int>* parts) {
    parts->clear();
    size_t start = 0;
    while (true) {
      size_t dot = s.find('.', start);
      std::string_view p = std::string_view(s).substr(start, dot == std::string::npos ? s.npos : dot - start);
      if (p.empty() || p.size() > 3 || !std::all_of(p.begin(), p.end(), ::isdigit)) return false;
      parts->push_back(std::stoi(std::string(p)));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    return parts->size() == 4;
  };
  std::vector<int> pa, pb;
  bool a4 = v4(a, &pa), b4 = v4(b, &pb);
  if (a4 != b4) return a4;
  return a4 ? pa < pb : a < b;
}

std::string Describe(const SourceNode& s) {
  return s.address + " (host id " + s.host_id + ", " + s.dc + "/" + s.rack + ")";
}

}  // namespace

std::string MapDc(const std::map<std::string, std::string>& dc_map, const std::string& dc) {
  auto it = dc_map.find(dc);
  return it == dc_map.end() ? dc : it->second;
}

Result<std::map<std::string, std::string>> ParseDcMapFlags(const std::vector<std::string>& flags) {
  std::map<std::string, std::string> out;
  for (const auto& f : flags) {
    auto eq = f.find('=');
    std::string from = f.substr(0, eq), to = eq == std::string::npos ? "" : f.substr(eq + 1);
    if (eq == std::string::npos || !PlainName(from) || !PlainName(to))
      return Status::InvalidArgument("--dc-map '" + f + "'", "expected SOURCE_DC=TARGET_DC");
    if (!out.emplace(from, to).second)
      return Status::InvalidArgument("--dc-map '" + f + "'", "DC " + from + " is mapped twice");
  }
  return out;
}

Result<NodeMap> MakeNodeMap(const std::vector<NodeMapEntry>& dc_map, const std::vector<NodeMapEntry>& nodes,
                            std::string_view subject) {
  NodeMap map;
  std::set<std::string> targets;
  for (const auto* section : {&dc_map, &nodes}) {
    for (const auto& e : *section) {
      const std::string where = e.line > 0 ? Line(subject, e.line) : std::string(subject);
      if (!PlainName(e.key) || !PlainName(e.value)) {
        return Status::InvalidArgument(where, "'" + e.key + ": " + e.value +
                                                  "' is not `name: name` (addresses, host "
                                                  "ids and DC names, without blanks)");
      }
      if (section == &dc_map) {
        if (!map.dc_map.emplace(e.key, e.value).second)
          return Status::InvalidArgument(where, "DC " + e.key + " is mapped twice");
      } else {
        if (!targets.insert(e.key).second)
          return Status::InvalidArgument(where, "target node " + e.key + " is named twice");
        map.nodes.emplace_back(e.key, e.value);
      }
    }
  }
  if (map.nodes.empty())
    return Status::InvalidArgument(std::string(subject), "names no node (a `nodes:` section is required)");
  return map;
}

std::string FormatNodeMap(const NodeMap& map, const std::vector<SourceNode>& sources, std::string_view tag) {
  std::string out = "# cassvault node map: the nodes of cluster backup '" + std::string(tag) +
                    "' onto the nodes of a new cluster.\n"
                    "# nodes: target address: source host id. Edit it if you must; `cassvault restore "
                    "--node-map FILE` checks it.\n";
  if (!map.dc_map.empty()) {
    out += "dc_map:\n";
    for (const auto& [from, to] : map.dc_map) out += "  " + from + ": " + to + "\n";
  }
  out += "nodes:\n";
  for (const auto& [target, source] : map.nodes) {
    out += "  " + target + ": " + source;
    for (const auto& s : sources) {
      if (s.host_id == source || s.address == source) {
        out += "  # was " + s.address + " in " + s.dc + "/" + s.rack +
               (s.tokens.empty() ? "" : ", lowest token " + s.tokens.front());
      }
    }
    out += "\n";
  }
  return out;
}

Result<std::vector<TargetNode>> ParseTargetNodes(std::string_view text, std::string_view subject) {
  std::vector<TargetNode> out;
  std::set<std::string> seen;
  int n = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line =
        Trim(StripComment(text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos)));
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++n;
    if (line.empty()) continue;
    std::vector<std::string> f;
    size_t i = 0;
    while (i < line.size()) {
      size_t j = i;
      while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) ++j;
      f.emplace_back(line.substr(i, j - i));
      while (j < line.size() && std::isspace(static_cast<unsigned char>(line[j]))) ++j;
      i = j;
    }
    if (f.size() != 3 || !PlainName(f[0]) || !PlainName(f[1]) || !PlainName(f[2])) {
      return Status::InvalidArgument(Line(subject, n),
                                     "expected `ADDRESS DC RACK`, found '" + std::string(line) + "'");
    }
    if (!seen.insert(f[0]).second)
      return Status::InvalidArgument(Line(subject, n), "node " + f[0] + " is listed twice");
    out.push_back({f[0], f[1], f[2]});
  }
  if (out.empty()) return Status::InvalidArgument(std::string(subject), "lists no node");
  return out;
}

Result<NodeMap> AutoMap(const std::vector<SourceNode>& sources, const std::vector<TargetNode>& targets,
                        const std::map<std::string, std::string>& dc_map) {
  for (const auto& [from, to] : dc_map) {
    const std::string& dc = from;  // a lambda may not capture a structured binding in clang 14
    if (std::none_of(sources.begin(), sources.end(), [&](const SourceNode& s) { return s.dc == dc; }))
      return Status::InvalidArgument("--dc-map " + from + "=" + to, "the backup has no node in DC " + from);
  }
  // (target DC, rack) -> nodes on each side.
  std::map<std::pair<std::string, std::string>, std::vector<const SourceNode*>> src;
  std::map<std::pair<std::string, std::string>, std::vector<const TargetNode*>> dst;
  for (const auto& s : sources) src[{MapDc(dc_map, s.dc), s.rack}].push_back(&s);
  for (const auto& t : targets) dst[{t.dc, t.rack}].push_back(&t);
  auto count = [](size_t n) { return std::to_string(n) + (n == 1 ? " node" : " nodes"); };
  std::set<std::pair<std::string, std::string>> racks;
  for (const auto& [k, _] : src) racks.insert(k);
  for (const auto& [k, _] : dst) racks.insert(k);
  for (const auto& r : racks) {
    size_t a = src[r].size(), b = dst[r].size();
    if (a == b) continue;
    return Status::FailedPrecondition(
        "rack " + r.first + "/" + r.second,
        "has " + count(a) + " in the backup (after --dc-map) but " + count(b) +
            " in the target cluster; a new cluster of the same shape needs the same number of nodes in "
            "every rack. Map the DCs with --dc-map, or restore into another shape with sstableloader");
  }
  NodeMap map;
  map.dc_map = dc_map;
  for (auto& [rack, s] : src) {
    std::vector<const TargetNode*>& t = dst[rack];
    // Token order: the node holding the lowest token first (nodes without tokens last, by host id).
    std::sort(s.begin(), s.end(), [](const SourceNode* a, const SourceNode* b) {
      if (a->tokens.empty() || b->tokens.empty())
        return a->tokens.empty() != b->tokens.empty() ? !a->tokens.empty() : a->host_id < b->host_id;
      if (a->tokens.front() == b->tokens.front()) return a->host_id < b->host_id;
      return SortTokens({a->tokens.front(), b->tokens.front()}).front() == a->tokens.front();
    });
    std::sort(t.begin(), t.end(),
              [](const TargetNode* a, const TargetNode* b) { return AddressLess(a->address, b->address); });
    // By host id; a backup that recorded none (taken --offline) is named by its address.
    for (size_t i = 0; i < s.size(); ++i)
      map.nodes.emplace_back(t[i]->address, s[i]->host_id.empty() ? s[i]->address : s[i]->host_id);
  }
  std::sort(map.nodes.begin(), map.nodes.end(),
            [](const auto& a, const auto& b) { return AddressLess(a.first, b.first); });
  return map;
}

Result<std::map<std::string, size_t>> ResolveNodeMap(const NodeMap& map,
                                                     const std::vector<SourceNode>& sources,
                                                     const std::vector<TargetNode>* targets) {
  const std::string subject = "node map";
  for (const auto& [from, to] : map.dc_map) {
    const std::string& dc = from;  // a lambda may not capture a structured binding in clang 14
    if (std::none_of(sources.begin(), sources.end(), [&](const SourceNode& s) { return s.dc == dc; })) {
      return Status::InvalidArgument(subject, "dc_map names DC " + from +
                                                  ", which no node of the backup is in; the backup's DCs "
                                                  "are those `cassvault list` shows");
    }
  }
  std::map<std::string, size_t> out;
  std::map<size_t, std::string> taken;  // source index -> target
  for (const auto& [target, name] : map.nodes) {
    std::vector<size_t> hits;
    for (size_t i = 0; i < sources.size(); ++i) {
      if (sources[i].host_id == name || sources[i].address == name) hits.push_back(i);
    }
    if (hits.empty()) {
      return Status::InvalidArgument(subject, "target " + target + " is mapped to " + name +
                                                  ", which is no node of the cluster backup (a host id "
                                                  "or address `cassvault list` shows for the tag)");
    }
    if (hits.size() > 1) {
      return Status::InvalidArgument(subject, "target " + target + " is mapped to " + name +
                                                  ", which names several nodes of the backup; use the "
                                                  "host id");
    }
    auto [it, fresh] = taken.emplace(hits[0], target);
    if (!fresh) {
      return Status::InvalidArgument(
          subject, "targets " + it->second + " and " + target + " are both mapped to source node " +
                       Describe(sources[hits[0]]) + "; each source node goes onto exactly one target");
    }
    out[target] = hits[0];
  }
  for (size_t i = 0; i < sources.size(); ++i) {
    if (!taken.count(i)) {
      return Status::InvalidArgument(subject, "does not cover source node " + Describe(sources[i]) +
                                                  ": every node of the cluster backup needs a target, "
                                                  "or its token ranges are lost");
    }
  }
  if (targets) {
    for (const auto& t : *targets) {
      if (!out.count(t.address))
        return Status::InvalidArgument(subject, "has no entry for target node " + t.address);
    }
    for (const auto& [address, i] : out) {
      const std::string& wanted = address;  // a lambda may not capture a structured binding in clang 14
      auto t = std::find_if(targets->begin(), targets->end(),
                            [&](const TargetNode& x) { return x.address == wanted; });
      if (t == targets->end())
        return Status::InvalidArgument(subject, "names target " + address + ", which is not a target node");
      const SourceNode& s = sources[i];
      if (t->dc != MapDc(map.dc_map, s.dc) || t->rack != s.rack) {
        return Status::InvalidArgument(subject, "target " + address + " is in " + t->dc + "/" + t->rack +
                                                    " but its source node " + Describe(s) + " maps to " +
                                                    MapDc(map.dc_map, s.dc) + "/" + s.rack +
                                                    "; a node must stay in its rack");
      }
    }
  }
  return out;
}

std::string AlterKeyspaceForDcMap(std::string_view keyspace, std::string_view create,
                                  const std::map<std::string, std::string>& dc_map) {
  if (create.find("NetworkTopologyStrategy") == std::string_view::npos) return "";
  size_t open = create.find('{', create.find("replication"));
  size_t close = open == std::string_view::npos ? open : create.find('}', open);
  if (open == std::string_view::npos || close == std::string_view::npos) return "";
  std::string_view body = create.substr(open + 1, close - open - 1);
  // 'key': 'value' pairs, quoted as DESCRIBE writes them.
  std::vector<std::pair<std::string, std::string>> opts;
  size_t pos = 0;
  while (true) {
    size_t k0 = body.find('\'', pos);
    if (k0 == std::string_view::npos) break;
    size_t k1 = body.find('\'', k0 + 1);
    size_t v0 = k1 == std::string_view::npos ? k1 : body.find('\'', k1 + 1);
    size_t v1 = v0 == std::string_view::npos ? v0 : body.find('\'', v0 + 1);
    if (v1 == std::string_view::npos) return "";
    opts.emplace_back(body.substr(k0 + 1, k1 - k0 - 1), body.substr(v0 + 1, v1 - v0 - 1));
    pos = v1 + 1;
  }
  bool changed = false;
  std::string out = "ALTER KEYSPACE \"" + std::string(keyspace) + "\" WITH replication = {";
  for (size_t i = 0; i < opts.size(); ++i) {
    std::string key = opts[i].first;
    if (key != "class" && key != "replication_factor") {
      std::string mapped = MapDc(dc_map, key);
      changed = changed || mapped != key;
      key = mapped;
    }
    if (key == "class") opts[i].second = "NetworkTopologyStrategy";
    out += (i ? ", '" : "'") + key + "': '" + opts[i].second + "'";
  }
  out += "}";
  return changed ? out : "";
}

}  // namespace cv
