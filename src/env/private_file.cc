#include "env/private_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>

namespace cv::env {

Status CheckPrivateFile(const std::string& path, const std::string& what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Status::FromErrno(errno, what + " " + path, "stat");
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(what + " " + path, "is not a regular file");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::InvalidArgument(what + " " + path,
                                   std::string("may be read or written by group or others (mode ") + mode +
                                       "); it holds a password: chmod 600 it");
  }
  return Status::OK();
}

}  // namespace cv::env
