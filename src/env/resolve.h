// src/env/resolve.h — opening a directory below another one without ever following a symlink.
//
// Where the kernel has openat2 (Linux 5.6+), one call with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS
// does it; elsewhere the path is walked one level at a time with O_NOFOLLOW | O_DIRECTORY. Both
// hold directory fds only, so a symlink swapped in after a level was opened changes nothing.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "env/unique_fd.h"

namespace cv::env {

// Does this kernel implement openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS? Probed once.
bool KernelHasOpenat2();

// The components of a relative path: "a/b/c" -> {a, b, c}. InvalidArgument for an absolute path, an
// empty, "." or ".." component.
Result<std::vector<std::string>> SplitRelative(const std::string& rel);

// Opens the directory `rel` below `dirfd`. `shown` is dirfd's path, used in messages. A symlink
// component is refused with PermissionDenied naming it; a missing one is NotFound.
Result<UniqueFd> OpenDirBeneath(int dirfd, const std::string& shown, const std::string& rel);

// One component, no symlink: the same errors as OpenDirBeneath.
Result<UniqueFd> OpenDirComponent(int dirfd, const std::string& shown, const std::string& name);

// The message for a symlink found where a directory or file was expected.
Status SymlinkRefused(const std::string& path);

}  // namespace cv::env
