// src/cassandra/bulk_loader.cc — sstableloader through a java @argfile (see bulk_loader.h for why).
#include "cassandra/bulk_loader.h"

#include <unistd.h>

#include <cerrno>

#include "env/child_process.h"

namespace cv::cassandra {
namespace {

std::string Join(const std::vector<std::string>& v, char sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : std::string(1, sep)) + s;
  return out;
}

// The useful end of the loader's output: its last lines, joined (Java stack frames dropped).
std::string Tail(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    start = nl == std::string::npos ? text.size() : nl + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty() || line.starts_with("\tat ") || line.starts_with("\t...")) continue;
    lines.push_back(line);
  }
  constexpr size_t kTail = 6;
  std::string out;
  for (size_t i = lines.size() > kTail ? lines.size() - kTail : 0; i < lines.size(); ++i)
    out += (out.empty() ? "" : " | ") + lines[i];
  return out;
}

void Mask(std::string* text, const std::string& secret) {
  if (secret.size() < 1) return;
  for (size_t at = text->find(secret); at != std::string::npos; at = text->find(secret, at + 3))
    text->replace(at, secret.size(), "***");
}

std::vector<std::string> Args(const BulkLoaderSettings& s, const std::string& table_dir, bool redact) {
  auto secret = [&](const std::string& v) { return redact ? std::string("***") : v; };
  std::vector<std::string> a = {"--no-progress", "-d", Join(s.hosts, ',')};
  if (s.native_port > 0) a.insert(a.end(), {"-p", std::to_string(s.native_port)});
  if (s.storage_port > 0) a.insert(a.end(), {"-sp", std::to_string(s.storage_port)});
  if (!s.username.empty()) a.insert(a.end(), {"-u", s.username, "-pw", secret(s.password)});
  if (s.throttle_mib > 0) {
    // 5.0 streams whole SSTables zero-copy when it can; that path has its own throttle.
    a.insert(a.end(), {"--throttle-mib", std::to_string(s.throttle_mib), "--entire-sstable-throttle-mib",
                       std::to_string(s.throttle_mib)});
  }
  if (!s.conf_file.empty()) a.insert(a.end(), {"-f", s.conf_file});
  if (!s.truststore.empty()) a.insert(a.end(), {"-ts", s.truststore});
  if (!s.truststore_password.empty()) a.insert(a.end(), {"-tspw", secret(s.truststore_password)});
  if (!s.keystore.empty()) a.insert(a.end(), {"-ks", s.keystore});
  if (!s.keystore_password.empty()) a.insert(a.end(), {"-kspw", secret(s.keystore_password)});
  a.push_back(table_dir);
  return a;
}

}  // namespace

Result<std::string> ArgFileToken(const std::string& arg, const std::string& what) {
  std::string out;
  bool in_double = false;
  for (char c : arg) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Status::InvalidArgument(what,
                                     "holds a control character (a line break, a tab); sstableloader "
                                     "cannot be given it safely");
    }
    if (c == '"') {
      if (in_double) out += '"';
      in_double = false;
      out += "'\"'";
      continue;
    }
    if (!in_double) out += '"';
    in_double = true;
    out += c == '\\' ? std::string("\\\\") : std::string(1, c);
  }
  if (in_double) out += '"';
  if (out.empty()) out = "\"\"";
  return out;
}

Result<std::vector<std::string>> BulkLoaderArgs(const BulkLoaderSettings& s, const std::string& table_dir) {
  if (s.hosts.empty()) {
    return Status::InvalidArgument("sstableloader", "no contact point: set load.hosts or pass --load-hosts");
  }
  if (s.username.empty() != s.password.empty()) {
    return Status::InvalidArgument("sstableloader", "a username needs a password, and a password a username");
  }
  for (const auto& h : s.hosts) {
    if (h.empty() || h[0] == '-' || h.find(',') != std::string::npos)
      return Status::InvalidArgument("load host '" + h + "'", "expected an address or host name");
  }
  if (table_dir.empty() || table_dir[0] != '/')
    return Status::InvalidArgument("sstableloader", "the table directory must be an absolute path");
  return Args(s, table_dir, false);
}

std::vector<std::string> RedactedBulkLoaderArgs(const BulkLoaderSettings& s, const std::string& table_dir) {
  return Args(s, table_dir, true);
}

Status RunBulkLoader(const BulkLoaderSettings& s, const env::SafeDir& private_dir,
                     const std::string& table_dir, const std::string& label) {
  const std::string subject = "sstableloader " + label;
  if (s.java_command.empty()) {
    return Status::InvalidArgument(subject,
                                   "load.java_command is not set: name java, its flags and the "
                                   "Cassandra classpath (see docs/config.md)");
  }
  CV_ASSIGN_OR_RETURN(std::vector<std::string> args, BulkLoaderArgs(s, table_dir));
  // The JVM flag and the main class lead the file: the launcher reads app arguments only from an argfile
  // that comes before the main class.
  std::string text = "-XX:+PerfDisableSharedMem\n" + std::string(kBulkLoaderClass) + "\n";
  for (size_t i = 0; i < args.size(); ++i) {
    bool is_secret = i > 0 && (args[i - 1] == "-pw" || args[i - 1] == "-tspw" || args[i - 1] == "-kspw");
    CV_ASSIGN_OR_RETURN(std::string tok,
                        ArgFileToken(args[i], is_secret ? "the password for " + args[i - 1]
                                                        : "sstableloader argument '" + args[i] + "'"));
    text += tok + "\n";
  }
  const std::string name = "sstableloader.args";
  (void)private_dir.RemoveTree(name);  // left by a killed run
  {
    CV_ASSIGN_OR_RETURN(env::UniqueFd fd, private_dir.CreateFile(name, 0600));
    size_t done = 0;
    while (done < text.size()) {
      ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        Status st = Status::FromErrno(errno, private_dir.Join(name), "write");
        fd.Reset();
        (void)private_dir.RemoveTree(name);
        return st;
      }
      done += static_cast<size_t>(n);
    }
  }
  std::vector<std::string> argv = s.java_command;
  argv.push_back("@" + private_dir.Join(name));
  env::ChildOptions o{.timeout = s.timeout,
                      .timeout_setting = "load.timeout",
                      .allow_env = env::kJavaEnvironment,
                      .set_env = {}};
  auto r = env::RunChild(argv, o);
  (void)private_dir.RemoveTree(name);
  if (!r.ok()) return r.status().Annotate(subject);
  if (r->exit_code == 0) return Status::OK();
  std::string tail = Tail(r->err + "\n" + r->out);
  // As given, and as written in the argfile (a tool that echoes its input shows the quoted form).
  for (const auto* secret : {&s.password, &s.truststore_password, &s.keystore_password}) {
    if (secret->empty()) continue;
    if (auto quoted = ArgFileToken(*secret, "secret"); quoted.ok()) Mask(&tail, *quoted);
    Mask(&tail, *secret);
  }
  return Status::Unavailable(subject,
                             "exit code " + std::to_string(r->exit_code) + (tail.empty() ? "" : ": " + tail));
}

}  // namespace cv::cassandra
