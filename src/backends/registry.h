// src/backends/registry.h — vault URL -> ObjectStore. The only place that knows every backend, so the
// engine never names one.
#pragma once

#include <memory>
#include <string>

#include "backends/store_settings.h"
#include "storage/object_store.h"

namespace cv::backends {

// `file:///abs/path` (or a bare absolute path), `azure://ACCOUNT/CONTAINER/PREFIX` configured by
// `settings` and the environment (azure/azure_store.h says which variables), or `s3://BUCKET/PREFIX`
// configured by `settings.s3` (s3/s3_store.h). InvalidArgument names the URL and the schemes understood;
// NotFound if a local vault dir is missing and `create` is false; with `create`, an Azure container or
// an S3 bucket is created if missing.
// Under CASSVAULT_STATS=1 the store returned is wrapped in a storage::CountingStore adding into one
// process-wide tally, so that a command's cost can be measured from outside (bench/scale).
Result<std::unique_ptr<storage::ObjectStore>> OpenStore(const std::string& url, const StoreSettings& settings,
                                                        bool create);

// True when the environment asks for request counts (CASSVAULT_STATS=1).
bool StatsRequested();
// One JSON line of what every store this process opened under CASSVAULT_STATS=1 was asked for, summed:
// {"cassvault_stats":
// {"puts":..,"gets":..,"stats":..,"lists":..,"list_pages":..,"deletes":..,"locks":..,"requests":..,
// "listed_keys":..,"http_requests":..}}. `list_pages` is what a List costs: the HTTP list pages sent when a
// cloud store answered them, else (a local store) the List calls; `requests` = puts + gets + stats +
// list_pages + deletes + locks (SetLock/GetLock/ProbeLocks calls). `http_requests` counts every HTTP request
// (retries and authentication included), 0 for a local store.
std::string StatsJson();

}  // namespace cv::backends
