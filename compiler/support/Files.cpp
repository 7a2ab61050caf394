#include "support/Files.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kiln {

RegularFile::RegularFile(const std::string &path, std::string &error) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  struct stat st;
  if (fd < 0) {
    error = std::strerror(errno);
    return;
  }
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    error = S_ISDIR(st.st_mode) ? "it is a directory" : "it is not a regular file (a FIFO, device or socket)";
    ::close(fd);
    return;
  }
  fd_ = fd;
  size_ = uint64_t(st.st_size);
}

RegularFile::~RegularFile() {
  if (fd_ >= 0) ::close(fd_);
}

bool RegularFile::readInto(std::string &out, std::string &error) {
  size_t start = out.size();
  out.resize(start + size_);
  char *p = out.data() + start;
  for (uint64_t left = size_; left > 0;) {
    ssize_t n = ::read(fd_, p, std::min<uint64_t>(left, uint64_t(1) << 24));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = n < 0 ? std::strerror(errno) : "it shrank while being read";
      out.resize(start);
      return false;
    }
    p += n;
    left -= uint64_t(n);
  }
  return true;
}

std::optional<std::string> readWholeFile(const std::string &path, uint64_t limit, const char *what,
                                         std::string &error) {
  RegularFile file(path, error);
  if (!file.ok()) return std::nullopt;
  if (file.size() > limit) {
    error = "it is " + std::to_string(file.size()) + " bytes, more than the " + std::to_string(limit >> 20) +
            " MiB " + what + " may have";
    return std::nullopt;
  }
  std::string text;
  if (!file.readInto(text, error)) return std::nullopt;
  return text;
}

}  // namespace kiln
