// Key files: reading one into a KeySecret, and creating a new one.
//
// A key file holds either base64 text (what `cassvault key generate-file` writes: 32 random bytes, base64,
// newline) or raw binary (`head -c 32 /dev/urandom`). The rule, applied to the whole file:
//   1. with trailing whitespace (space, tab, CR, LF) removed, if the rest is valid padded base64, the key
//      material is the decoded bytes, and there must be at least 32 of them;
//   2. otherwise the key material is every byte of the file, exactly, and there must be at least 32.
// So editing the trailing newline of a text key file changes nothing, and binary files are taken as they are.
// Pipes work too (`--key-file <(secret-tool ...)`): the file is read to its end, not sized by stat.
// Errors name the path and sizes; the contents never appear in a Status.
#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "crypto/key_slot.h"

namespace cv::crypto {
namespace {

constexpr size_t kMinKeyMaterial = 32;
constexpr size_t kNewKeyFileBytes = 32;
// Far more than any key file; stops `--key-file /dev/zero` or a mistyped path to a backup from eating memory.
constexpr size_t kMaxKeyFileSize = size_t{1} << 20;

std::string Subject(std::string_view path) { return "key file " + std::string(path); }

bool IsTrailingSpace(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

Status WriteAll(int fd, ByteView data, std::string_view path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, Subject(path), "write");
    }
    done += static_cast<size_t>(n);
  }
  return Status::OK();
}

// The new file's directory entry must survive a crash as surely as its contents: a vault may be
// initialised with this key a moment later.
Status SyncParentDir(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, Subject(path), "open directory " + dir + " to sync it");
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Status::FromErrno(err, Subject(path), "sync directory " + dir);
  return Status::OK();
}

std::string ModeString(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// Random bytes are printable ASCII with odds of about (95/256)^32 for 32 bytes: a key file that is all
// printable text (and not base64, handled before) was typed or pasted by a person.
bool IsPrintableText(ByteView b) {
  for (uint8_t c : b) {
    if (!(c >= 0x20 && c < 0x7f) && !IsTrailingSpace(c)) return false;
  }
  return true;
}

}  // namespace

Result<KeySecret> LoadKeyFile(std::string_view path) {
  const std::string p(path);
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, Subject(path), "open");
  // As ssh does with private keys: a key others may read is refused, not used. Pipes and other
  // non-regular files (`--key-file <(secret-tool ...)`) have no such mode to check.
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Status::FromErrno(err, Subject(path), "stat");
  }
  if (S_ISREG(st.st_mode) && (st.st_mode & 077) != 0) {
    ::close(fd);
    return Status::PermissionDenied(Subject(path), "is readable or writable by group or others (mode " +
                                                       ModeString(st.st_mode) + "); run `chmod 600 " +
                                                       std::string(path) + "` and try again");
  }

  // One buffer of the maximum size, never grown: growing a vector would leave copies of the key behind.
  SecretBytes buf(kMaxKeyFileSize + 1);
  size_t size = 0;
  while (size < buf.size()) {
    ssize_t n = ::read(fd, buf.data() + size, buf.size() - size);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return Status::FromErrno(err, Subject(path), "read");
    }
    if (n == 0) break;
    size += static_cast<size_t>(n);
  }
  ::close(fd);
  if (size > kMaxKeyFileSize) {
    return Status::InvalidArgument(Subject(path),
                                   "is larger than 1 MiB; a key file holds about 32 bytes of key "
                                   "material (is this the right file?)");
  }

  size_t text_size = size;
  while (text_size > 0 && IsTrailingSpace(buf.data()[text_size - 1])) --text_size;
  if (text_size == 0) return Status::InvalidArgument(Subject(path), "is empty");

  KeySecret out;
  out.kind = KeySlotKind::kKeyFile;
  std::string_view text(reinterpret_cast<const char*>(buf.data()), text_size);
  Result<Bytes> decoded = Base64Decode(text);
  if (decoded.ok()) {
    Bytes& material = *decoded;
    const size_t n = material.size();
    out.secret = SecretBytes(material);
    OPENSSL_cleanse(material.data(), material.size());
    if (n < kMinKeyMaterial) {
      return Status::InvalidArgument(Subject(path),
                                     "holds base64 text that decodes to only " + std::to_string(n) +
                                         " bytes; a key file needs at least 32 bytes of key material");
    }
    return out;
  }
  if (size < kMinKeyMaterial) {
    return Status::InvalidArgument(Subject(path),
                                   "holds only " + std::to_string(size) +
                                       " bytes; a key file needs at least 32 bytes of key material "
                                       "(or base64 text of them)");
  }
  out.secret = SecretBytes(ByteView(buf.data(), size));
  out.weak_text_key_file = IsPrintableText(ByteView(buf.data(), size));
  return out;
}

Status WriteNewKeyFile(std::string_view path) {
  const std::string p(path);
  SecretBytes key(kNewKeyFileBytes);
  CV_RETURN_IF_ERROR(RandomBytes({key.data(), key.size()}));
  std::string b64 = Base64Encode(key.view());  // reserved to size: no reallocation leaves a copy behind
  SecretBytes text(b64.size() + 1);
  std::memcpy(text.data(), b64.data(), b64.size());
  text.data()[b64.size()] = '\n';
  OPENSSL_cleanse(b64.data(), b64.size());

  // Create-only, owner-only from the first byte: never overwrite a key that may already protect a vault.
  int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::FromErrno(errno, Subject(path), "create");
  Status s = WriteAll(fd, text.view(), path);
  if (s.ok() && ::fsync(fd) != 0) s = Status::FromErrno(errno, Subject(path), "sync");
  if (::close(fd) != 0 && s.ok()) s = Status::FromErrno(errno, Subject(path), "close");
  if (s.ok()) s = SyncParentDir(p);
  // A half-written key file is worse than none: it would be taken for a key.
  if (!s.ok()) ::unlink(p.c_str());
  return s;
}

}  // namespace cv::crypto
