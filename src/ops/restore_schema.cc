#include "ops/restore_schema.h"

#include <algorithm>
#include <set>

#include "ops/schema_rewrite.h"

namespace cv::ops {

Status CreateLiveSchema(cassandra::CqlSession& cql, const Manifest& manifest, const RestorePlan& plan,
                        bool dry_run, RestoreReport* report) {
  // schema.cql sits in a snapshot dir the Cassandra account can write: run only the statements a table's
  // schema holds, on the restored objects, and refuse the whole restore before anything runs otherwise.
  for (const auto& p : plan.tables)
    CV_RETURN_IF_ERROR(CheckRestoreSchema(manifest, *p.source, p.ks, p.table));
  CV_ASSIGN_OR_RETURN(std::vector<std::string> existing, cql.ListKeyspaces());
  std::set<std::string> have(existing.begin(), existing.end());
  for (const auto& p : plan.tables) {
    const TableEntry& t = *p.source;
    if (!have.count(p.ks)) {
      auto ks = std::find_if(manifest.keyspaces.begin(), manifest.keyspaces.end(),
                             [&](const KeyspaceEntry& k) { return k.name == t.keyspace; });
      if (ks == manifest.keyspaces.end()) {
        return Status::FailedPrecondition("keyspace " + p.ks,
                                          "does not exist and the backup holds no definition of it");
      }
      std::string stmt = RewriteKeyspaceStatement(ks->create_keyspace, t.keyspace, p.ks);
      report->plan.push_back("cql: " + stmt);
      if (!dry_run) CV_RETURN_IF_ERROR(cql.Execute(stmt).Annotate("create keyspace " + p.ks));
      have.insert(p.ks);
    }
    auto id = dry_run && !have.count(p.ks) ? Result<std::string>(Status::NotFound("x"))
                                           : cql.TableId(p.ks, p.table);
    if (id.ok()) continue;
    if (!id.status().IsNotFound()) return id.status();
    if (t.schema_cql.empty()) {
      return Status::FailedPrecondition("table " + p.ks + "." + p.table,
                                        "does not exist and the backup holds no schema for it (an offline "
                                        "backup); create it first");
    }
    for (const auto& raw : SplitStatements(t.schema_cql)) {
      std::string stmt = RewriteTableStatement(raw, t.keyspace, t.table, p.ks, p.table);
      report->plan.push_back("cql: " + stmt);
      if (dry_run) continue;
      Status st = cql.Execute(stmt);
      if (!st.ok() && stmt.find(" ID = ") != std::string::npos) {
        // The original id may be refused (still known to the node); the table gets a fresh one.
        st = cql.Execute(StripTableId(stmt));
      }
      CV_RETURN_IF_ERROR(st.Annotate("create " + p.ks + "." + p.table));
    }
  }
  return Status::OK();
}

}  // namespace cv::ops
