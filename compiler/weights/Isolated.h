// Running a parser of untrusted bytes in a child process. A weights file
// comes from anywhere: libzip is a large C library, the HDF5 reader maps the
// file (a file cut short while it is read faults), and any parser of such
// bytes is better held to a CPU and memory budget. The child reads the file and
// streams a plain result over a pipe; a crash, a runaway loop or a huge
// allocation in the child becomes an error message in the parent, which
// checks every byte it is sent.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace kiln {

// Buffered writes to a file descriptor (the child's end of the pipe).
class ByteWriter {
public:
  explicit ByteWriter(int fd) : fd_(fd) {}
  ~ByteWriter() { flush(); }
  void bytes(const void *data, size_t size);
  void u8(uint8_t v) { bytes(&v, 1); }
  void u64(uint64_t v) { bytes(&v, 8); }
  void i64(int64_t v) { bytes(&v, 8); }
  void str(const std::string &s) {
    u64(s.size());
    bytes(s.data(), s.size());
  }
  void flush();

private:
  int fd_;
  std::string buffer_;
};

// Buffered, bounds-checked reads (the parent's end). After the first failure
// every read returns zeros and ok() is false.
class ByteReader {
public:
  explicit ByteReader(int fd) : fd_(fd) {}
  bool bytes(void *out, size_t size);
  uint8_t u8();
  uint64_t u64();
  int64_t i64() { return static_cast<int64_t>(u64()); }
  // A string of at most `limit` bytes.
  std::string str(uint64_t limit = uint64_t(1) << 31);
  bool ok() const { return ok_; }
  void fail() { ok_ = false; }

private:
  bool fill();
  int fd_;
  std::vector<char> buffer_ = std::vector<char>(1 << 16);
  size_t begin_ = 0, end_ = 0;
  bool ok_ = true;
};

struct IsolationLimits {
  uint64_t cpuSeconds;    // the child is killed after this much CPU time
  uint64_t addressSpace;  // bytes of virtual memory the child may map (0: no limit)
};

// Runs `produce` in a forked child that writes to the pipe, and `consume` in
// this process on the other end. Returns false with `error` set when the
// child failed (crashed, killed by a limit, exited non-zero) or `consume`
// returned false; `consume` sets `error` for its own failures.
bool runIsolated(const std::function<void(ByteWriter &)> &produce,
                 const std::function<bool(ByteReader &, std::string &error)> &consume, const IsolationLimits &limits,
                 std::string &error);

}  // namespace kiln
