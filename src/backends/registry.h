// src/backends/registry.h — vault URL -> ObjectStore. The only place that knows every backend, so the
// engine never names one.
#pragma once

#include <memory>
#include <string>

#include "storage/object_store.h"

namespace cv::backends {

// `file:///abs/path` (or a bare absolute path). azure:// and s3:// come with their backends.
// InvalidArgument names the URL and the schemes understood; NotFound if a local vault dir is missing
// and `create` is false.
Result<std::unique_ptr<storage::ObjectStore>> OpenStore(const std::string& url, bool create);

}  // namespace cv::backends
