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
Result<std::unique_ptr<storage::ObjectStore>> OpenStore(const std::string& url, const StoreSettings& settings,
                                                        bool create);

}  // namespace cv::backends
