// src/ops/restore_schema.h — the live-mode step before any file: create the keyspaces and tables the
// restore needs on the running node, from the schema the backup captured.
#pragma once

#include "cassandra/cql_session.h"
#include "ops/restore_plan.h"

namespace cv::ops {

// Creates every missing keyspace and table of `plan` (statements rewritten for --rename). Each
// statement is added to the report's plan; with `dry_run` nothing is executed.
Status CreateLiveSchema(cassandra::CqlSession& cql, const Manifest& manifest, const RestorePlan& plan,
                        bool dry_run, RestoreReport* report);

}  // namespace cv::ops
