#include "codegen/WeightBlob.h"

#include <llvm/Object/ELFObjectFile.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Support/FileSystem.h>

#include <unistd.h>

namespace kiln {

namespace {

// Writes all of [data, data + bytes) at `offset` of `fd`.
bool writeAt(int fd, const char *data, size_t bytes, int64_t offset) {
  while (bytes > 0) {
    ssize_t n = ::pwrite(fd, data, bytes, offset);
    if (n <= 0) return false;
    data += n;
    bytes -= size_t(n);
    offset += n;
  }
  return true;
}

bool readAt(int fd, char *data, size_t bytes, int64_t offset) {
  while (bytes > 0) {
    ssize_t n = ::pread(fd, data, bytes, offset);
    if (n <= 0) return false;
    data += n;
    bytes -= size_t(n);
    offset += n;
  }
  return true;
}

}  // namespace

WeightBlob::~WeightBlob() {
  if (fd_ >= 0) ::close(fd_);
  if (!path_.empty()) llvm::sys::fs::remove(path_);
}

bool WeightBlob::open() {
  if (fd_ >= 0) return true;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile("kiln-weights", "bin", fd_, path_)) {
    error_ = "cannot create a temporary file for the weights: " + ec.message();
    fd_ = -1;
    return false;
  }
  return true;
}

int64_t WeightBlob::append(const void *data, size_t bytes) {
  if (!open()) return -1;
  int64_t offset = (size_ + 63) / 64 * 64;
  if (bytes > 0 && !writeAt(fd_, static_cast<const char *>(data), bytes, offset)) {
    error_ = "cannot write the weights to a temporary file";
    return -1;
  }
  size_ = offset + int64_t(bytes);
  return offset;
}

void WeightBlob::extend(const void *data, size_t bytes) {
  if (fd_ < 0 || !error_.empty()) return;
  if (!writeAt(fd_, static_cast<const char *>(data), bytes, size_)) error_ = "cannot write the weights to a temporary file";
  size_ += int64_t(bytes);
}

bool WeightBlob::patchObject(const std::string &path, std::string &error) const {
  if (size_ == 0) return true;
  uint64_t sectionOffset = 0, sectionSize = 0;
  int found = 0;
  {
    auto object = llvm::object::ObjectFile::createObjectFile(path);
    if (!object) {
      error = "cannot read '" + path + "' back: " + llvm::toString(object.takeError());
      return false;
    }
    const auto *elf = llvm::dyn_cast<llvm::object::ELFObjectFileBase>(object->getBinary());
    for (const llvm::object::SectionRef &section : object->getBinary()->sections()) {
      llvm::Expected<llvm::StringRef> name = section.getName();
      if (!name || *name != kSection) {
        if (!name) llvm::consumeError(name.takeError());
        continue;
      }
      ++found;
      sectionSize = section.getSize();
      sectionOffset = elf ? llvm::object::ELFSectionRef(section).getOffset() : 0;
    }
    if (!elf || found != 1 || sectionSize != uint64_t(size_)) {
      error = "internal error: '" + path + "' has no section " + kSection + " of " + std::to_string(size_) +
              " bytes to hold the weights";
      return false;
    }
  }
  int out;
  if (std::error_code ec = llvm::sys::fs::openFileForReadWrite(path, out, llvm::sys::fs::CD_OpenExisting,
                                                               llvm::sys::fs::OF_None)) {
    error = "cannot open '" + path + "' to write the weights: " + ec.message();
    return false;
  }
  std::vector<char> chunk(size_t(1) << 22);
  bool ok = true;
  for (int64_t done = 0; ok && done < size_;) {
    size_t n = size_t(std::min<int64_t>(int64_t(chunk.size()), size_ - done));
    ok = readAt(fd_, chunk.data(), n, done) && writeAt(out, chunk.data(), n, int64_t(sectionOffset) + done);
    done += int64_t(n);
  }
  ok = ::close(out) == 0 && ok;
  if (!ok) error = "cannot write the weights into '" + path + "'";
  return ok;
}

}  // namespace kiln
