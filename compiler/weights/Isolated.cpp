#include "weights/Isolated.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define KILN_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || __has_feature(thread_sanitizer)
#define KILN_SANITIZED 1
#endif
#endif

namespace kiln {

void ByteWriter::bytes(const void *data, size_t size) {
  buffer_.append(static_cast<const char *>(data), size);
  if (buffer_.size() >= (1 << 16)) flush();
}

void ByteWriter::flush() {
  const char *p = buffer_.data();
  size_t left = buffer_.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(4);  // the reader has gone away
    p += n;
    left -= size_t(n);
  }
  buffer_.clear();
}

bool ByteReader::fill() {
  for (;;) {
    ssize_t n = ::read(fd_, buffer_.data(), buffer_.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    begin_ = 0;
    end_ = size_t(n);
    return true;
  }
}

bool ByteReader::bytes(void *out, size_t size) {
  char *dst = static_cast<char *>(out);
  while (size > 0 && ok_) {
    if (begin_ == end_ && !fill()) ok_ = false;
    if (!ok_) break;
    size_t n = std::min(size, end_ - begin_);
    std::memcpy(dst, buffer_.data() + begin_, n);
    begin_ += n;
    dst += n;
    size -= n;
  }
  if (!ok_) std::memset(dst, 0, size);
  return ok_;
}

uint8_t ByteReader::u8() {
  uint8_t v = 0;
  bytes(&v, 1);
  return v;
}

uint64_t ByteReader::u64() {
  uint64_t v = 0;
  bytes(&v, 8);
  return v;
}

std::string ByteReader::str(uint64_t limit) {
  uint64_t size = u64();
  if (size > limit) ok_ = false;
  // Grown as the bytes arrive, so that a length the stream does not back
  // (a compromised child's) costs no more than the bytes sent.
  std::string s;
  while (ok_ && s.size() < size) {
    size_t have = s.size(), n = std::min<uint64_t>(size - have, buffer_.size());
    s.resize(have + n);
    bytes(s.data() + have, n);
  }
  return ok_ ? s : std::string();
}

bool runIsolated(const std::function<void(ByteWriter &)> &produce,
                 const std::function<bool(ByteReader &, std::string &error)> &consume, const IsolationLimits &limits,
                 std::string &error) {
  int fds[2];
  if (::pipe(fds) != 0) {
    error = std::string("cannot create a pipe: ") + std::strerror(errno);
    return false;
  }
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    error = std::string("cannot start the reader process: ") + std::strerror(errno);
    ::close(fds[0]);
    ::close(fds[1]);
    return false;
  }
  if (pid == 0) {
    ::close(fds[0]);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // dies with kilnc
    if (::getppid() != parent) _exit(5);  // kilnc died before that took effect
    rlimit cpu{limits.cpuSeconds, limits.cpuSeconds + 1};  // SIGXCPU first, SIGKILL a second later
    ::setrlimit(RLIMIT_CPU, &cpu);
    // A fault or the CPU limit ends the child quietly, not through kilnc's
    // crash handler (a stack trace that reads as kilnc crashing): the parent
    // says what happened. A malformed file can fault inside libzip.
    for (int sig : {SIGXCPU, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) ::signal(sig, SIG_DFL);
#ifndef KILN_SANITIZED
    if (limits.addressSpace) {
      rlimit as{limits.addressSpace, limits.addressSpace};
      ::setrlimit(RLIMIT_AS, &as);
    }
#endif
    try {
      ByteWriter out(fds[1]);
      produce(out);
      out.flush();
    } catch (...) {  // std::bad_alloc under the address-space limit
      _exit(3);
    }
    _exit(0);
  }

  ::close(fds[1]);
  ByteReader in(fds[0]);
  bool consumed = consume(in, error);
  ::close(fds[0]);
  if (!consumed) ::kill(pid, SIGKILL);  // it may be blocked writing what we no longer read
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (consumed && WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
  // A child that died explains a truncated stream better than the stream does.
  if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL) {
    int sig = WTERMSIG(status);
    error = sig == SIGXCPU ? "reading it took more than " + std::to_string(limits.cpuSeconds) + " s of CPU time; the file is malformed"
                           : std::string("the reader crashed on it (") + strsignal(sig) + "); the file is malformed";
  } else if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
    error = "reading it needs more memory than the file's size can justify; the file is malformed";
  } else if (consumed || error.empty()) {
    error = "the reader process failed on it; the file is malformed";
  }
  return false;
}

}  // namespace kiln
