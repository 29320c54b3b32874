// src/env/remove_tree.h — deleting a directory tree through directory fds (unlinkat), never following
// a symlink: a link planted inside the tree is removed, what it points to is untouched.
#pragma once

#include <string>

#include "core/status.h"

namespace cv::env {

// Removes `name` below `dirfd` (file, symlink or directory tree). `shown` names dirfd in messages.
// Absent is OK. Does not descend into other filesystems mounted inside the tree.
Status RemoveTreeAt(int dirfd, const std::string& shown, const std::string& name);

}  // namespace cv::env
