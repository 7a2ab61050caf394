#include "weights/KerasFile.h"

#include <zip.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kiln {

namespace {

constexpr char kHdf5Signature[] = "\x89HDF\r\n\x1a\n";
constexpr uint64_t kGiB = uint64_t(1) << 30;

bool fileSize(const std::string &path, uint64_t &size, std::string &error) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    error = std::string("cannot read: ") + std::strerror(errno);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    error = "is not a regular file";
    return false;
  }
  size = uint64_t(st.st_size);
  return true;
}

// What reading a file of `size` bytes may cost: its datasets may hold at
// most 4 floats per byte (float16 data, or modest compression).
Hdf5Budget budgetFor(uint64_t size) { return {std::max<uint64_t>(size * 4, uint64_t(1) << 24)}; }
// Reading a file takes well under a second per 100 MB; a reader still busy
// after many times that is looping on a malformed file.
IsolationLimits limitsFor(uint64_t size) {
  return {5 + 20 * (size / kGiB), 2 * kGiB + 24 * size};
}

// Keras's optimizer state: Keras 2's model.save() writes 'optimizer_weights',
// Keras 3's .keras 'optimizer'. Never needed for inference.
const std::vector<std::string> kSkip = {"optimizer_weights", "optimizer"};

struct ZipArchive {
  zip_t *z = nullptr;
  ~ZipArchive() {
    if (z) zip_discard(z);
  }
};

// A member of the zip, at most `limit` bytes, into `sink` (called per chunk).
template <typename Sink>
bool readMember(zip_t *z, const char *name, uint64_t limit, Sink sink, std::string &error) {
  zip_int64_t index = zip_name_locate(z, name, 0);
  zip_stat_t st;
  zip_stat_init(&st);
  if (index < 0 || zip_stat_index(z, zip_uint64_t(index), 0, &st) != 0) {
    error = std::string("has no ") + name;
    return false;
  }
  if (!(st.valid & ZIP_STAT_SIZE) || st.size > limit) {
    error = std::string(name) + " is larger than the archive's size can justify";
    return false;
  }
  zip_file_t *f = zip_fopen_index(z, zip_uint64_t(index), 0);
  if (!f) {
    error = std::string("cannot open ") + name + " in the archive: " + zip_strerror(z);
    return false;
  }
  std::vector<char> chunk(1 << 20);
  uint64_t total = 0;
  bool ok = true;
  for (;;) {
    zip_int64_t n = zip_fread(f, chunk.data(), chunk.size());
    if (n < 0 || (total += uint64_t(std::max<zip_int64_t>(n, 0))) > st.size) {
      error = std::string("cannot read ") + name + " in the archive: " + zip_file_strerror(f);
      ok = false;
      break;
    }
    if (n == 0) break;
    if (!sink(chunk.data(), size_t(n))) {
      error = std::string("cannot extract ") + name + ": " + std::strerror(errno);
      ok = false;
      break;
    }
  }
  zip_fclose(f);
  if (ok && total != st.size) {
    error = std::string(name) + " in the archive is shorter than its header says";
    ok = false;
  }
  return ok;
}

// The child's side: read, then stream 'O' config metadata tree, or 'E' message.
void produce(ByteWriter &out, const std::string &path, FileKind kind, bool values, uint64_t size,
             const std::string &scratch) {
  std::string error, config, metadata, hdf5 = path;
  auto fail = [&] {
    out.u8('E');
    out.str(error);
  };
  if (kind == FileKind::Zip) {
    int code = 0;
    ZipArchive archive{zip_open(path.c_str(), ZIP_RDONLY, &code)};
    if (!archive.z) {
      zip_error_t e;
      zip_error_init_with_code(&e, code);
      error = std::string("not a readable zip archive (") + zip_error_strerror(&e) + ")";
      zip_error_fini(&e);
      return fail();
    }
    auto append = [](std::string &s) {
      return [&s](const char *data, size_t n) {
        s.append(data, n);
        return true;
      };
    };
    if (!readMember(archive.z, "config.json", size + (1 << 20), append(config), error)) return fail();
    if (zip_name_locate(archive.z, "metadata.json", 0) >= 0 &&
        !readMember(archive.z, "metadata.json", size + (1 << 20), append(metadata), error))
      return fail();
    if (zip_name_locate(archive.z, "model.weights.h5", 0) < 0) {
      bool sharded = zip_name_locate(archive.z, "model.weights.json", 0) >= 0;
      error = sharded ? "holds sharded weights (model.weights.json); Kiln reads a single model.weights.h5"
                      : "has no model.weights.h5";
      return fail();
    }
    int fd = ::open(scratch.c_str(), O_WRONLY | O_TRUNC);
    auto write = [fd](const char *data, size_t n) {
      for (size_t done = 0; done < n;) {
        ssize_t w = ::write(fd, data + done, n - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        done += size_t(w);
      }
      return true;
    };
    bool extracted = fd >= 0 && readMember(archive.z, "model.weights.h5", 4 * size + (64 << 20), write, error);
    if (fd >= 0) ::close(fd);
    if (!extracted) {
      if (fd < 0) error = std::string("cannot extract model.weights.h5: ") + std::strerror(errno);
      return fail();
    }
    hdf5 = scratch;
    if (!fileSize(hdf5, size, error)) return fail();
  }
  H5Node root;
  if (!readHdf5(hdf5, kSkip, values, budgetFor(size), root, error)) {
    if (kind == FileKind::Zip) error = "model.weights.h5 in the archive: " + error;
    return fail();
  }
  out.u8('O');
  out.str(config);
  out.str(metadata);
  writeH5Node(out, root);
}

}  // namespace

bool sniffFile(const std::string &path, FileKind &kind, std::string &error) {
  uint64_t size;
  if (!fileSize(path, size, error)) return false;
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) {
    error = std::string("cannot read: ") + std::strerror(errno);
    return false;
  }
  char head[8] = {};
  size_t n = std::fread(head, 1, sizeof head, f);
  kind = FileKind::Other;
  // HDF5's superblock is at 0, or after a user block at 512, 1024, 2048, ...
  for (uint64_t offset = 0; offset + 8 <= size && kind == FileKind::Other; offset = offset ? offset * 2 : 512) {
    char sig[8];
    if (std::fseek(f, long(offset), SEEK_SET) == 0 && std::fread(sig, 1, 8, f) == 8 &&
        std::memcmp(sig, kHdf5Signature, 8) == 0)
      kind = FileKind::Hdf5;
  }
  std::fclose(f);
  if (kind == FileKind::Hdf5) return true;
  if (n >= 4 && (std::memcmp(head, "PK\3\4", 4) == 0 || std::memcmp(head, "PK\5\6", 4) == 0)) {
    kind = FileKind::Zip;
    return true;
  }
  size_t i = n >= 3 && std::memcmp(head, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;  // a UTF-8 byte order mark
  while (i < n && std::strchr(" \t\r\n", head[i])) ++i;
  if (i < n && head[i] == '{') kind = FileKind::Json;
  return true;
}

bool readKerasFile(const std::string &path, FileKind kind, bool values, KerasFile &out, std::string &error) {
  uint64_t size;
  if (!fileSize(path, size, error)) return false;
  // A .keras archive's HDF5 part is extracted to a file the parent removes.
  std::string scratch;
  if (kind == FileKind::Zip) {
    const char *tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/kiln-weights-XXXXXX";
    int fd = ::mkstemp(pattern.data());
    if (fd < 0) {
      error = std::string("cannot create a temporary file to extract model.weights.h5: ") + std::strerror(errno);
      return false;
    }
    ::close(fd);
    scratch = pattern;
  }
  out = KerasFile{};
  out.zip = kind == FileKind::Zip;
  bool ok = runIsolated([&](ByteWriter &w) { produce(w, path, kind, values, size, scratch); },
                        [&](ByteReader &in, std::string &err) {
                          uint8_t status = in.u8();
                          if (status == 'E') {
                            err = printable(in.str(1 << 16));
                            return false;
                          }
                          if (status != 'O') {
                            err = in.ok() ? "the reader process sent a malformed result" : "";
                            return false;
                          }
                          out.config = in.str();
                          out.metadata = in.str();
                          return readH5Node(in, values, out.root, err);
                        },
                        limitsFor(size), error);
  if (!scratch.empty()) ::unlink(scratch.c_str());
  return ok;
}

}  // namespace kiln
