// src/cassandra/cql_session.cc — CQL through the DataStax C++ driver (C API wrapped in RAII here).
//
// The session talks to exactly one node (allow-list filtering): system.local describes the
// coordinator, so a driver free to pick any coordinator would report another node's tokens.
#include "cassandra/cql_session.h"

#include <arpa/inet.h>
#include <cassandra.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <tuple>

#include "cassandra/cql_text.h"

namespace cv::cassandra {
namespace {

struct FutureFree {
  void operator()(CassFuture* f) const { cass_future_free(f); }
};
struct StatementFree {
  void operator()(CassStatement* s) const { cass_statement_free(s); }
};
struct ResultFree {
  void operator()(const CassResult* r) const { cass_result_free(r); }
};
struct IteratorFree {
  void operator()(CassIterator* i) const { cass_iterator_free(i); }
};
using FuturePtr = std::unique_ptr<CassFuture, FutureFree>;
using StatementPtr = std::unique_ptr<CassStatement, StatementFree>;
using ResultPtr = std::unique_ptr<const CassResult, ResultFree>;
using IteratorPtr = std::unique_ptr<CassIterator, IteratorFree>;

// The driver logs to stderr by default, at WARN and above, interleaved with our own output; keep
// warnings (they explain connection trouble) but mark where they come from.
void LogToStderr(const CassLogMessage* message, void* /*data*/) {
  std::fprintf(stderr, "cassandra-driver %s: %s\n", cass_log_level_string(message->severity),
               message->message);
}

void InitDriverLoggingOnce() {
  static std::once_flag once;
  // Must run before any other driver call.
  std::call_once(once, [] {
    cass_log_set_level(CASS_LOG_WARN);
    cass_log_set_callback(LogToStderr, nullptr);
  });
}

std::string FutureMessage(CassFuture* future) {
  const char* msg = nullptr;
  size_t len = 0;
  cass_future_error_message(future, &msg, &len);
  return std::string(msg, len);
}

bool ContainsNoCase(std::string_view haystack, std::string_view needle) {
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
  return it != haystack.end();
}

// Status for a driver error. `subject` names the node; `statement` (may be empty) is shown unless
// it could carry a secret (CREATE/ALTER ROLE ... PASSWORD).
Status MapError(CassError code, const std::string& message, const std::string& subject,
                const std::string& statement) {
  std::string detail = message.empty() ? cass_error_desc(code) : message;
  if (!statement.empty() && !ContainsNoCase(statement, "password")) {
    constexpr size_t kMaxShown = 160;
    detail += " (in: " + statement.substr(0, kMaxShown) + (statement.size() > kMaxShown ? "...)" : ")");
  }
  switch (code) {
    case CASS_ERROR_SERVER_BAD_CREDENTIALS:
      return Status(StatusCode::kUnauthenticated, subject, detail);
    case CASS_ERROR_SERVER_UNAUTHORIZED:
      return Status::PermissionDenied(subject, detail);
    case CASS_ERROR_SERVER_SYNTAX_ERROR:
    case CASS_ERROR_SERVER_INVALID_QUERY:
    case CASS_ERROR_SERVER_CONFIG_ERROR:
      return Status::InvalidArgument(subject, detail);
    case CASS_ERROR_SERVER_ALREADY_EXISTS:
      return Status::AlreadyExists(subject, detail);
    case CASS_ERROR_LIB_REQUEST_TIMED_OUT:
    case CASS_ERROR_SERVER_READ_TIMEOUT:
    case CASS_ERROR_SERVER_WRITE_TIMEOUT:
      return Status(StatusCode::kDeadlineExceeded, subject, detail);
    case CASS_ERROR_LIB_BAD_PARAMS:
    case CASS_ERROR_LIB_INVALID_VALUE_TYPE:
    case CASS_ERROR_LIB_INDEX_OUT_OF_BOUNDS:
    case CASS_ERROR_LIB_NAME_DOES_NOT_EXIST:
      return Status::Internal(subject, detail);
    default:
      break;
  }
  // A server that wants credentials we did not give fails the connect with a library error.
  if (ContainsNoCase(message, "authenticat") || ContainsNoCase(message, "credentials")) {
    return Status(StatusCode::kUnauthenticated, subject, detail);
  }
  return Status::Unavailable(subject, detail);
}

std::string GetString(const CassRow* row, const char* column) {
  const CassValue* v = cass_row_get_column_by_name(row, column);
  const char* s = nullptr;
  size_t len = 0;
  if (v == nullptr || cass_value_is_null(v) || cass_value_get_string(v, &s, &len) != CASS_OK) return "";
  return std::string(s, len);
}

std::string GetUuid(const CassRow* row, const char* column) {
  const CassValue* v = cass_row_get_column_by_name(row, column);
  CassUuid uuid;
  if (v == nullptr || cass_value_is_null(v) || cass_value_get_uuid(v, &uuid) != CASS_OK) return "";
  char buf[CASS_UUID_STRING_LENGTH];
  cass_uuid_string(uuid, buf);
  return buf;
}

std::string GetInet(const CassRow* row, const char* column) {
  const CassValue* v = cass_row_get_column_by_name(row, column);
  CassInet inet;
  if (v == nullptr || cass_value_is_null(v) || cass_value_get_inet(v, &inet) != CASS_OK) return "";
  char buf[CASS_INET_STRING_LENGTH];
  cass_inet_string(inet, buf);
  return buf;
}

bool GetBool(const CassRow* row, const char* column, bool fallback) {
  const CassValue* v = cass_row_get_column_by_name(row, column);
  cass_bool_t b = cass_false;
  if (v == nullptr || cass_value_is_null(v) || cass_value_get_bool(v, &b) != CASS_OK) return fallback;
  return b == cass_true;
}

std::vector<std::string> StringElements(const CassValue* v) {
  std::vector<std::string> out;
  if (v == nullptr || cass_value_is_null(v)) return out;
  IteratorPtr it(cass_iterator_from_collection(v));
  if (!it) return out;
  while (cass_iterator_next(it.get())) {
    const char* s = nullptr;
    size_t len = 0;
    if (cass_value_get_string(cass_iterator_get_value(it.get()), &s, &len) == CASS_OK) {
      out.emplace_back(s, len);
    }
  }
  return out;
}

std::map<std::string, std::string> StringMap(const CassValue* v) {
  std::map<std::string, std::string> out;
  if (v == nullptr || cass_value_is_null(v)) return out;
  IteratorPtr it(cass_iterator_from_map(v));
  if (!it) return out;
  while (cass_iterator_next(it.get())) {
    const char *k = nullptr, *val = nullptr;
    size_t klen = 0, vlen = 0;
    if (cass_value_get_string(cass_iterator_get_map_key(it.get()), &k, &klen) == CASS_OK &&
        cass_value_get_string(cass_iterator_get_map_value(it.get()), &val, &vlen) == CASS_OK) {
      out.emplace(std::string(k, klen), std::string(val, vlen));
    }
  }
  return out;
}

// Numeric addresses of `host`: the allow-list matches the addresses the driver connects to, not names.
Result<std::string> ResolveHost(const std::string& host, const std::string& subject) {
  struct addrinfo hints {};
  hints.ai_socktype = SOCK_STREAM;
  struct addrinfo* res = nullptr;
  int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0) return Status::Unavailable(subject, std::string("cannot resolve host: ") + gai_strerror(rc));
  std::set<std::string> addrs;
  for (struct addrinfo* a = res; a != nullptr; a = a->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {};
    const void* src = nullptr;
    if (a->ai_family == AF_INET) {
      src = &reinterpret_cast<const struct sockaddr_in*>(a->ai_addr)->sin_addr;
    } else if (a->ai_family == AF_INET6) {
      src = &reinterpret_cast<const struct sockaddr_in6*>(a->ai_addr)->sin6_addr;
    }
    if (src != nullptr && ::inet_ntop(a->ai_family, src, buf, sizeof buf) != nullptr) addrs.insert(buf);
  }
  ::freeaddrinfo(res);
  if (addrs.empty()) return Status::Unavailable(subject, "host resolves to no address");
  std::string joined;
  for (const std::string& a : addrs) joined += (joined.empty() ? "" : ",") + a;
  return joined;
}

struct SslFree {
  void operator()(CassSsl* s) const { cass_ssl_free(s); }
};

// The server is always verified: a CA is required, and the driver checks the chain (and by default
// that the certificate names the address it connected to) before sending credentials.
Status ConfigureTls(CassCluster* cluster, const CqlOptions& o, const std::string& subject) {
  // cass_ssl_new, not cass_ssl_new_no_lib_init: the driver's one-time init also registers the BIO
  // method its TLS sessions use (without it the first connection crashes in BIO_new_ex).
  std::unique_ptr<CassSsl, SslFree> ssl(cass_ssl_new());
  if (o.tls_ca_pem.empty()) return Status::InvalidArgument(subject, "TLS needs a CA (node.cql.tls.ca_file)");
  // A bundle may hold several certificates: add each PEM block.
  constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  size_t pos = 0, added = 0;
  while (true) {
    size_t begin = o.tls_ca_pem.find("-----BEGIN CERTIFICATE-----", pos);
    if (begin == std::string::npos) break;
    size_t end = o.tls_ca_pem.find(kEnd, begin);
    if (end == std::string::npos) break;
    end += kEnd.size();
    if (cass_ssl_add_trusted_cert_n(ssl.get(), o.tls_ca_pem.data() + begin, end - begin) != CASS_OK) {
      return Status::InvalidArgument(subject, "node.cql.tls.ca_file holds a certificate that does not parse");
    }
    ++added;
    pos = end;
  }
  if (added == 0) return Status::InvalidArgument(subject, "node.cql.tls.ca_file holds no PEM certificate");
  int flags = CASS_SSL_VERIFY_PEER_CERT | (o.tls_verify_address ? CASS_SSL_VERIFY_PEER_IDENTITY : 0);
  cass_ssl_set_verify_flags(ssl.get(), flags);
  if (!o.tls_cert_pem.empty()) {
    if (cass_ssl_set_cert_n(ssl.get(), o.tls_cert_pem.data(), o.tls_cert_pem.size()) != CASS_OK) {
      return Status::InvalidArgument(subject, "node.cql.tls.cert_file is not a PEM certificate");
    }
    if (cass_ssl_set_private_key_n(ssl.get(), o.tls_key_pem.data(), o.tls_key_pem.size(), "", 0) != CASS_OK) {
      return Status::InvalidArgument(subject, "node.cql.tls.key_file is not an unencrypted PEM private key");
    }
  }
  cass_cluster_set_ssl(cluster, ssl.get());  // the cluster keeps its own reference
  return Status::OK();
}

}  // namespace

struct CqlSession::Impl {
  CassCluster* cluster = nullptr;
  CassSession* session = nullptr;
  std::string subject;  // "cql host:port"

  ~Impl() {
    if (session != nullptr) {
      FuturePtr close(cass_session_close(session));
      cass_future_wait(close.get());
      cass_session_free(session);
    }
    if (cluster != nullptr) cass_cluster_free(cluster);
  }

  // Runs `cql` with string parameters, calling `on_row` for every row of every page.
  Status Query(const std::string& cql, const std::vector<std::string>& params,
               const std::function<void(const CassRow*)>& on_row) {
    StatementPtr st(cass_statement_new_n(cql.data(), cql.size(), params.size()));
    for (size_t i = 0; i < params.size(); ++i) {
      if (cass_statement_bind_string_n(st.get(), i, params[i].data(), params[i].size()) != CASS_OK) {
        return Status::Internal(subject, "cannot bind parameter " + std::to_string(i) + " of: " + cql);
      }
    }
    for (;;) {
      FuturePtr future(cass_session_execute(session, st.get()));
      CassError rc = cass_future_error_code(future.get());
      if (rc != CASS_OK) return MapError(rc, FutureMessage(future.get()), subject, cql);
      ResultPtr result(cass_future_get_result(future.get()));
      if (!result) return Status::Internal(subject, "no result for: " + cql);
      IteratorPtr rows(cass_iterator_from_result(result.get()));
      while (cass_iterator_next(rows.get())) on_row(cass_iterator_get_row(rows.get()));
      if (!cass_result_has_more_pages(result.get())) return Status::OK();
      const char* token = nullptr;
      size_t token_len = 0;
      if (cass_result_paging_state_token(result.get(), &token, &token_len) != CASS_OK ||
          cass_statement_set_paging_state_token(st.get(), token, token_len) != CASS_OK) {
        return Status::Internal(subject, "cannot page through: " + cql);
      }
    }
  }
};

CqlSession::CqlSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CqlSession::~CqlSession() = default;

Result<std::unique_ptr<CqlSession>> CqlSession::Connect(const CqlOptions& options) {
  InitDriverLoggingOnce();
  auto impl = std::make_unique<Impl>();
  impl->subject = "cql " + options.host + ":" + std::to_string(options.port);
  CV_ASSIGN_OR_RETURN(std::string addresses, ResolveHost(options.host, impl->subject));
  impl->cluster = cass_cluster_new();
  impl->session = cass_session_new();
  CassCluster* c = impl->cluster;
  if (cass_cluster_set_contact_points_n(c, addresses.data(), addresses.size()) != CASS_OK ||
      cass_cluster_set_port(c, options.port) != CASS_OK) {
    return Status::InvalidArgument(impl->subject, "bad host or port");
  }
  cass_cluster_set_whitelist_filtering_n(c, addresses.data(), addresses.size());
  cass_cluster_set_connect_timeout(c, static_cast<unsigned>(std::max(1, options.connect_timeout_ms)));
  cass_cluster_set_request_timeout(c, static_cast<unsigned>(std::max(1, options.request_timeout_ms)));
  // The driver's schema metadata (every system_schema table, read at connect and again on each schema
  // event) and its token map are work the node does for nothing here: cassvault asks for what it needs
  // (DESCRIBE, system.local) and talks to this one host only. A backup runs beside production traffic.
  cass_cluster_set_use_schema(c, cass_false);
  cass_cluster_set_token_aware_routing(c, cass_false);
  if (options.tls) CV_RETURN_IF_ERROR(ConfigureTls(c, options, impl->subject));
  if (!options.username.empty()) {
    cass_cluster_set_credentials_n(c, options.username.data(), options.username.size(),
                                   options.password.data(), options.password.size());
  }
  FuturePtr connect(cass_session_connect(impl->session, c));
  CassError rc = cass_future_error_code(connect.get());
  if (rc != CASS_OK) return MapError(rc, FutureMessage(connect.get()), impl->subject, "");
  return std::unique_ptr<CqlSession>(new CqlSession(std::move(impl)));
}

Result<NodeIdentity> CqlSession::ReadLocalNode() {
  NodeIdentity node;
  bool found = false;
  Status st = impl_->Query(
      "SELECT host_id, tokens, data_center, rack, cluster_name, partitioner, release_version, "
      "broadcast_address "
      "FROM system.local WHERE key = 'local'",
      {}, [&](const CassRow* row) {
        found = true;
        node.host_id = GetUuid(row, "host_id");
        node.tokens = StringElements(cass_row_get_column_by_name(row, "tokens"));
        std::sort(node.tokens.begin(), node.tokens.end(), TokenLess);
        node.data_center = GetString(row, "data_center");
        node.rack = GetString(row, "rack");
        node.cluster_name = GetString(row, "cluster_name");
        node.partitioner = GetString(row, "partitioner");
        node.release_version = GetString(row, "release_version");
        node.broadcast_address = GetInet(row, "broadcast_address");
      });
  CV_RETURN_IF_ERROR(st);
  if (!found) return Status::NotFound(impl_->subject, "system.local has no row 'local'");
  return node;
}

Result<std::vector<ClusterMember>> CqlSession::ReadPeers() {
  std::vector<ClusterMember> peers;
  CV_RETURN_IF_ERROR(impl_->Query("SELECT host_id, peer, data_center, rack FROM system.peers_v2", {},
                                  [&](const CassRow* row) {
                                    ClusterMember m{GetUuid(row, "host_id"), GetInet(row, "peer"),
                                                    GetString(row, "data_center"), GetString(row, "rack")};
                                    if (!m.host_id.empty()) peers.push_back(std::move(m));
                                  }));
  return peers;
}

Result<std::vector<std::string>> CqlSession::ListKeyspaces() {
  std::vector<std::string> out;
  CV_RETURN_IF_ERROR(
      impl_->Query("SELECT keyspace_name FROM system_schema.keyspaces", {},
                   [&](const CassRow* row) { out.push_back(GetString(row, "keyspace_name")); }));
  std::sort(out.begin(), out.end());
  return out;
}

Result<KeyspaceSchema> CqlSession::DescribeKeyspace(const std::string& keyspace) {
  KeyspaceSchema schema;
  schema.name = keyspace;
  bool found = false;
  std::map<std::string, std::string> replication;
  bool durable_writes = true;
  CV_RETURN_IF_ERROR(
      impl_->Query("SELECT replication, durable_writes FROM system_schema.keyspaces WHERE keyspace_name = ?",
                   {keyspace}, [&](const CassRow* row) {
                     found = true;
                     replication = StringMap(cass_row_get_column_by_name(row, "replication"));
                     durable_writes = GetBool(row, "durable_writes", true);
                   }));
  if (!found) return Status::NotFound("keyspace " + keyspace, "does not exist");

  schema.create_keyspace = CreateKeyspaceStatement(keyspace, replication, durable_writes);

  std::vector<UserTypeDef> types;
  CV_RETURN_IF_ERROR(impl_->Query(
      "SELECT type_name, field_names, field_types FROM system_schema.types WHERE keyspace_name = ?",
      {keyspace}, [&](const CassRow* row) {
        UserTypeDef t;
        t.name = GetString(row, "type_name");
        t.field_names = StringElements(cass_row_get_column_by_name(row, "field_names"));
        t.field_types = StringElements(cass_row_get_column_by_name(row, "field_types"));
        types.push_back(std::move(t));
      }));
  schema.create_types = CreateTypeStatements(keyspace, types);
  return schema;
}

Result<std::vector<TableInfo>> CqlSession::ListTables(const std::string& keyspace) {
  std::vector<TableInfo> out;
  CV_RETURN_IF_ERROR(
      impl_->Query("SELECT table_name, id FROM system_schema.tables WHERE keyspace_name = ?", {keyspace},
                   [&](const CassRow* row) {
                     out.push_back({keyspace, GetString(row, "table_name"), UuidToHex(GetUuid(row, "id"))});
                   }));
  std::sort(out.begin(), out.end(), [](const TableInfo& a, const TableInfo& b) { return a.table < b.table; });
  return out;
}

Result<std::vector<TableInfo>> CqlSession::ListTablesAndViews() {
  std::vector<TableInfo> out;
  for (const char* cql : {"SELECT keyspace_name, table_name, id FROM system_schema.tables",
                          "SELECT keyspace_name, view_name AS table_name, id FROM system_schema.views"}) {
    CV_RETURN_IF_ERROR(impl_->Query(cql, {}, [&](const CassRow* row) {
      out.push_back(
          {GetString(row, "keyspace_name"), GetString(row, "table_name"), UuidToHex(GetUuid(row, "id"))});
    }));
  }
  std::sort(out.begin(), out.end(), [](const TableInfo& a, const TableInfo& b) {
    return std::tie(a.keyspace, a.table) < std::tie(b.keyspace, b.table);
  });
  return out;
}

Result<std::string> CqlSession::TableId(const std::string& keyspace, const std::string& table) {
  std::string id;
  CV_RETURN_IF_ERROR(
      impl_->Query("SELECT id FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?",
                   {keyspace, table}, [&](const CassRow* row) { id = UuidToHex(GetUuid(row, "id")); }));
  if (id.empty()) return Status::NotFound("table " + keyspace + "." + table, "does not exist");
  return id;
}

Status CqlSession::Execute(const std::string& cql) {
  // The driver waits for schema agreement after a schema change before completing the future.
  return impl_->Query(cql, {}, [](const CassRow*) {});
}

}  // namespace cv::cassandra
