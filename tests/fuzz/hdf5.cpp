// libFuzzer target: Kiln's HDF5 reader (Hdf5Read.cpp), behind Keras's .h5
// files and the model.weights.h5 of .keras archives, in this process (kilnc
// runs it in an isolated child), and the pipe protocol that carries its tree
// to the parent: what the child writes, the parent reads back unchanged.
#include "FuzzFiles.h"

#include "weights/Hdf5.h"

#include <sys/mman.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace kiln;
  std::string path = fuzz::writeFile("model.h5", data, size);
  H5Node root;
  std::string error;
  if (!readHdf5(path, {"optimizer_weights"}, true, {std::max<uint64_t>(size * 4, 1 << 24)}, root, error)) {
    if (error.empty()) std::abort();  // every failure says why
    return 0;
  }
  int fd = ::memfd_create("h5node", MFD_CLOEXEC);
  {
    ByteWriter out(fd);
    writeH5Node(out, root);
  }
  ::lseek(fd, 0, SEEK_SET);
  ByteReader in(fd);
  H5Node again;
  if (!readH5Node(in, true, again, error)) std::abort();
  ::close(fd);
  return 0;
}
