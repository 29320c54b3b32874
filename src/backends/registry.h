// src/backends/registry.h — vault URL -> ObjectStore. The only place that knows every backend, so the
// engine never names one.
#pragma once

#include <memory>
#include <string>

#include "backends/store_settings.h"
#include "storage/object_store.h"

namespace cv::backends {

// `file:///abs/path` (or a bare absolute path), or `azure://ACCOUNT/CONTAINER/PREFIX` configured by
// `settings` and the environment (azure/azure_store.h says which variables). s3:// comes with its backend.
// InvalidArgument names the URL and the schemes understood; NotFound if a local vault dir is missing
// and `create` is false; with `create`, an Azure container is created if missing.
Result<std::unique_ptr<storage::ObjectStore>> OpenStore(const std::string& url, const StoreSettings& settings,
                                                        bool create);

}  // namespace cv::backends
