#include "driver/BuildCache.h"

#include "codegen/Emit.h"
#include "codegen/KernelAssembly.h"

#include <fmt/format.h>
#include <llvm/ADT/SmallString.h>
#include <llvm/Support/Chrono.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/Path.h>
#include <llvm/Support/xxhash.h>
#include <llvm/Support/raw_ostream.h>

#include <algorithm>
#include <cstdlib>
#include <unistd.h>

namespace kiln {

namespace {

std::string cacheDirectory() {
  if (const char *dir = std::getenv("KILN_CACHE_DIR"); dir && *dir) return dir;
  if (const char *dir = std::getenv("XDG_CACHE_HOME"); dir && *dir) return std::string(dir) + "/kiln";
  if (const char *home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/kiln";
  return "";
}

// The file's path, size and time, as a line of a key; empty if it has none.
std::string fileStamp(const std::string &path) {
  llvm::sys::fs::file_status status;
  if (llvm::sys::fs::status(path, status)) return "";
  return fmt::format("{}\n{}\n{}\n", path, status.getSize(), llvm::sys::toTimeT(status.getLastModificationTime()));
}

// What the archive is built from, as one string to hash; empty if a file
// cannot be read. `sources` receives the C files.
std::string buildKey(const Linker &linker, const std::string &runtimeDir, const std::vector<std::string> &flags,
                     std::vector<std::string> &sources) {
  std::string key = fileStamp(linker.driver);
  if (key.empty()) return "";
  for (const std::vector<std::string> *list : {&linker.flags, &flags})
    for (const std::string &flag : *list) key += flag + "\n";
  std::vector<std::string> files;
  std::error_code ec;
  for (llvm::sys::fs::recursive_directory_iterator it(runtimeDir, ec), end; it != end && !ec; it.increment(ec))
    if (it->type() == llvm::sys::fs::file_type::regular_file) files.push_back(it->path());
  if (ec) return "";
  std::sort(files.begin(), files.end());
  for (const std::string &file : files) {
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> text = llvm::MemoryBuffer::getFile(file);
    if (!text) return "";
    key += fmt::format("{}\n{}\n", file, (*text)->getBufferSize()) + (*text)->getBuffer().str();
    if (llvm::sys::path::extension(file) == ".c") sources.push_back(file);
  }
  return key;
}

// Compiles `sources` into objects in `dir` and archives them as `archive`.
bool buildArchive(const Linker &linker, const std::vector<std::string> &flags, const std::vector<std::string> &sources,
                  const std::string &dir, const std::string &archive) {
  std::vector<ArchiveMember> members;
  std::string error;
  for (const std::string &source : sources) {
    std::string name = llvm::sys::path::stem(source).str() + ".o";
    members.push_back({dir + "/" + name, name});
    std::vector<std::string> args = flags;
    args.insert(args.end(), {"-c", source, "-o", members.back().path});
    if (!runDriver(linker, args, error)) return false;
  }
  return writeStaticLibrary(members, archive, error);
}

// Writes `text` to `path` through a file of its own in the same directory.
void writeEntry(const std::string &path, llvm::StringRef text) {
  llvm::SmallString<256> temporary;
  int fd = -1;
  if (llvm::sys::fs::createUniqueFile(path + ".%%%%%%%%", fd, temporary)) return;
  {
    llvm::raw_fd_ostream out(fd, true);
    out << text;
    out.close();
    if (!out.has_error() && !llvm::sys::fs::rename(temporary, path)) return;
    out.clear_error();
  }
  llvm::sys::fs::remove(temporary);
}

// The kernel's assembly from the cache entry at `path`, if it holds a whole
// one: its first line is the hash of the rest, so a damaged entry is
// compiled again, never assembled.
bool readKernelEntry(const std::string &path, std::string &assembly) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> entry = llvm::MemoryBuffer::getFile(path);
  if (!entry) return false;
  auto [checksum, text] = (*entry)->getBuffer().split('\n');
  if (checksum != fmt::format("{:016x}", llvm::xxh3_64bits(text))) return false;
  assembly = text.str();
  return true;
}

}  // namespace

std::optional<std::string> cachedRuntime(const Linker &linker, const std::string &runtimeDir,
                                         const std::vector<std::string> &flags) {
  std::string cache = cacheDirectory();
  std::vector<std::string> sources;
  std::string key = buildKey(linker, runtimeDir, flags, sources);
  if (cache.empty() || key.empty() || sources.empty()) return std::nullopt;
  std::string archive = fmt::format("{}/libkiln_rt-{:016x}.a", cache, llvm::xxh3_64bits(key));
  if (llvm::sys::fs::exists(archive)) return archive;

  // Built beside its final name and renamed onto it, so that builds running
  // at the same time each see either no archive or a whole one.
  llvm::SmallString<256> work;
  if (llvm::sys::fs::create_directories(cache) ||
      llvm::sys::fs::createUniqueDirectory(cache + "/build", work))
    return std::nullopt;
  std::string built = std::string(work) + "/libkiln_rt.a";
  bool ok = buildArchive(linker, flags, sources, std::string(work), built) &&
            !llvm::sys::fs::rename(built, archive);
  llvm::sys::fs::remove_directories(work);
  return ok ? std::optional<std::string>(archive) : std::nullopt;
}

bool cachedKernelAssembly(llvm::StringRef library, const std::string &name, const TargetOptions &target,
                          const llvm::TargetMachine &machine, std::string &assembly, std::string &error) {
  std::string cache = cacheDirectory();
  std::string kilnc = llvm::sys::fs::getMainExecutable(nullptr, nullptr);
  std::string stamp = kilnc.empty() ? "" : fileStamp(kilnc);
  if (cache.empty() || stamp.empty() || llvm::sys::fs::create_directories(cache))
    return compileKernelAssembly(library, name, target, assembly, error);
  std::string key = fmt::format("{}{}\n{}\n{}\n{}\n{}\n{:016x}\n", stamp, name, machine.getTargetTriple().str(),
                                machine.getTargetCPU().str(), machine.getTargetFeatureString().str(), target.optLevel,
                                llvm::xxh3_64bits(library));
  std::string path = fmt::format("{}/kernel-{:016x}.s", cache, llvm::xxh3_64bits(key));
  if (readKernelEntry(path, assembly)) return true;
  // One build compiles a kernel while the others that need it wait for the
  // entry (parallel builds of several models would each compile it). The
  // lock is the entry's lock file, released by the system if kilnc dies.
  int lock = -1;
  bool locked = !llvm::sys::fs::openFileForWrite(path + ".lock", lock, llvm::sys::fs::CD_OpenAlways) &&
                !llvm::sys::fs::lockFile(lock);
  bool found = locked && readKernelEntry(path, assembly);
  bool ok = found || compileKernelAssembly(library, name, target, assembly, error);
  if (ok && !found) writeEntry(path, fmt::format("{:016x}\n", llvm::xxh3_64bits(assembly)) + assembly);
  if (lock >= 0) ::close(lock);
  return ok;
}

}  // namespace kiln
