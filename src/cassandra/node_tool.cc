// src/cassandra/node_tool.cc — the nodetool calls, each a child process (env::RunChild) with a deadline.
#include "cassandra/node_tool.h"

#include "env/private_file.h"

namespace cv::cassandra {
namespace {

// Lines the JVM prints about itself, never about why nodetool failed: that it read JAVA_TOOL_OPTIONS (the
// class archive's options, jvm_class_cache.h, on every run) and its class-sharing warnings.
bool IsJvmNote(std::string_view line) {
  return line.starts_with("Picked up JAVA_TOOL_OPTIONS:") || line.starts_with("Picked up _JAVA_OPTIONS:") ||
         line.starts_with("Picked up JDK_JAVA_OPTIONS:") ||
         line.find("][warning][cds") != std::string_view::npos;
}

// The useful end of nodetool's output: Java stack traces (after "-- StackTrace --") and the JVM's notes
// are dropped, then the last few non-empty lines are kept.
std::string OutputTail(const std::string& text) {
  std::string_view t = text;
  size_t trace = t.find("-- StackTrace --");
  if (trace != std::string_view::npos) t = t.substr(0, trace);
  std::vector<std::string_view> lines;
  while (!t.empty()) {
    size_t nl = t.find('\n');
    std::string_view line = t.substr(0, nl);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    if (!line.empty() && !IsJvmNote(line)) lines.push_back(line);
    if (nl == std::string_view::npos) break;
    t.remove_prefix(nl + 1);
  }
  constexpr size_t kTailLines = 5;
  std::string tail;
  for (size_t i = lines.size() > kTailLines ? lines.size() - kTailLines : 0; i < lines.size(); ++i) {
    if (!tail.empty()) tail += " | ";
    tail += lines[i];
  }
  return tail;
}

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Names reach nodetool as separate argv entries; one starting with '-' would be parsed as an option.
bool IsName(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsWordChar(c)) return false;
  }
  return true;
}

// Snapshot tags become directory names matched by `[\w-]+`.
bool IsTag(const std::string& s) {
  if (s.empty() || s[0] == '-') return false;
  for (char c : s) {
    if (!IsWordChar(c) && c != '-') return false;
  }
  return true;
}

Status RunChecked(NodeTool& tool, const std::string& sub, const std::vector<std::string>& args) {
  std::string subject = "nodetool " + sub;
  Result<ProcessResult> r = tool.Run(args);
  if (!r.ok()) return r.status().Annotate(subject);
  if (r->exit_code == 0) return Status::OK();
  std::string tail = OutputTail(r->err);
  if (tail.empty()) tail = OutputTail(r->out);
  std::string detail = "exit code " + std::to_string(r->exit_code) + (tail.empty() ? "" : ": " + tail);
  // A duplicate tag is the caller's mistake, not an outage: retrying cannot help.
  if (tail.find("already exists") != std::string::npos) return Status::AlreadyExists(subject, detail);
  return Status::Unavailable(subject, detail);
}

}  // namespace

Result<ProcessResult> RunProcess(const std::vector<std::string>& argv) {
  env::ChildOptions o;
  o.allow_env = env::kJavaEnvironment;
  return env::RunChild(argv, o);
}

Result<JmxEndpoint> JmxEndpointOf(const std::vector<std::string>& command) {
  JmxEndpoint e;
  for (size_t i = 1; i < command.size(); ++i) {
    const std::string& a = command[i];
    std::string value;
    bool host = false, port = false;
    if (a == "-h" || a == "--host" || a == "-p" || a == "--port") {
      if (i + 1 >= command.size()) return Status::InvalidArgument("'node.nodetool'", a + " needs a value");
      host = a == "-h" || a == "--host";
      port = !host;
      value = command[++i];
    } else if (a.starts_with("--host=")) {
      host = true;
      value = a.substr(7);
    } else if (a.starts_with("--port=")) {
      port = true;
      value = a.substr(7);
    }
    if (host) e.host = value;
    if (port) {
      int v = 0;
      for (char c : value) v = (c >= '0' && c <= '9' && v < 100000) ? v * 10 + (c - '0') : 100000;
      if (value.empty() || v < 1 || v > 65535) {
        return Status::InvalidArgument("'node.nodetool'", "JMX port '" + value + "' is not a port number");
      }
      e.port = v;
    }
  }
  return e;
}

std::vector<std::string> NodeTool::Argv(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = settings_.command;
  if (!settings_.jmx_password_file.empty()) {
    // -pwf: nodetool reads the password from the file; -pw would put it in every `ps` listing.
    if (!settings_.jmx_username.empty()) argv.insert(argv.end(), {"-u", settings_.jmx_username});
    argv.insert(argv.end(), {"-pwf", settings_.jmx_password_file});
  } else if (!settings_.jmx_username.empty()) {
    argv.insert(argv.end(), {"-u", settings_.jmx_username});
  }
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

NodeTool::NodeTool(std::vector<std::string> command)
    : NodeTool([&] {
        NodeToolSettings s;
        s.command = std::move(command);
        return s;
      }()) {}

NodeTool::NodeTool(NodeToolSettings settings)
    : settings_(std::move(settings)), class_cache_(settings_.class_cache_dir, settings_.command) {}

Result<ProcessResult> NodeTool::Run(const std::vector<std::string>& args) {
  if (!settings_.jmx_password_file.empty()) {
    CV_RETURN_IF_ERROR(env::CheckPrivateFile(settings_.jmx_password_file, "node.jmx.password_file"));
  }
  env::ChildOptions o;
  o.timeout = settings_.timeout;
  o.timeout_setting = "node.nodetool_timeout";
  o.allow_env = env::kJavaEnvironment;
  if (!args.empty() && args[0] == "snapshot") {
    o.timeout = settings_.snapshot_timeout;
    o.timeout_setting = "node.snapshot_timeout";
  } else if (!args.empty() && args[0] == "import") {
    o.timeout = settings_.import_timeout;
    o.timeout_setting = "node.import_timeout";
  }
  if (std::string java = class_cache_.Environment(); !java.empty()) o.set_env.push_back(std::move(java));
  ++runs_;
  Result<ProcessResult> r = env::RunChild(Argv(args), o);
  class_cache_.AfterRun(r.ok() ? &*r : nullptr);
  if (r.ok()) cpu_seconds_ += r->cpu_seconds;
  return r;
}

Status NodeTool::Flush(const std::vector<std::string>& keyspaces) {
  std::vector<std::string> args = {"flush"};
  for (const std::string& ks : keyspaces) {
    if (!IsName(ks)) return Status::InvalidArgument("nodetool flush", "bad keyspace name '" + ks + "'");
    args.push_back(ks);
  }
  return RunChecked(*this, "flush", args);
}

Status NodeTool::Snapshot(const std::string& tag, const std::vector<std::string>& keyspaces,
                          const std::vector<std::string>& tables) {
  if (!IsTag(tag)) {
    return Status::InvalidArgument("nodetool snapshot", "bad tag '" + tag + "': use [A-Za-z0-9_-]");
  }
  // -kt takes no keyspace arguments, so a whole keyspace cannot be mixed with single tables.
  if (!keyspaces.empty() && !tables.empty()) {
    return Status::InvalidArgument("nodetool snapshot", "give keyspaces or tables, not both");
  }
  std::vector<std::string> args = {"snapshot", "-t", tag};
  if (!tables.empty()) {
    std::string list;
    for (const std::string& t : tables) {
      size_t dot = t.find('.');
      if (dot == std::string::npos || !IsName(t.substr(0, dot)) || !IsName(t.substr(dot + 1))) {
        return Status::InvalidArgument("nodetool snapshot", "bad table '" + t + "': expected keyspace.table");
      }
      if (!list.empty()) list += ',';
      list += t;
    }
    args.push_back("-kt");
    args.push_back(list);
  }
  for (const std::string& ks : keyspaces) {
    if (!IsName(ks)) return Status::InvalidArgument("nodetool snapshot", "bad keyspace name '" + ks + "'");
    args.push_back(ks);
  }
  return RunChecked(*this, "snapshot", args);
}

Status NodeTool::SnapshotTablesOrKeyspaces(const std::string& tag, const std::vector<std::string>& tables,
                                           const std::vector<std::string>& keyspaces) {
  size_t list_bytes = 0;
  for (const std::string& t : tables) list_bytes += t.size() + 1;
  if (list_bytes > kMaxSnapshotTableList) return Snapshot(tag, keyspaces, {});
  return Snapshot(tag, {}, tables);
}

Status NodeTool::ClearSnapshot(const std::string& tag) {
  // An empty tag would need --all; refusing it keeps a bug from wiping every snapshot on the node.
  if (!IsTag(tag)) return Status::InvalidArgument("nodetool clearsnapshot", "bad tag '" + tag + "'");
  return RunChecked(*this, "clearsnapshot", {"clearsnapshot", "-t", tag});
}

Status NodeTool::Import(const std::string& keyspace, const std::string& table, const std::string& dir,
                        const std::vector<std::string>& flags) {
  if (!IsName(keyspace) || !IsName(table)) {
    return Status::InvalidArgument("nodetool import", "bad table '" + keyspace + "." + table + "'");
  }
  if (dir.empty() || dir[0] == '-') {
    return Status::InvalidArgument("nodetool import", "bad directory '" + dir + "'");
  }
  std::vector<std::string> args = {"import"};
  args.insert(args.end(), flags.begin(), flags.end());
  args.push_back(keyspace);
  args.push_back(table);
  args.push_back(dir);
  return RunChecked(*this, "import", args);
}

}  // namespace cv::cassandra
