// libFuzzer target: the parent's side of the isolated Keras file reader,
// which must take anything a crashed or compromised child sends over the
// pipe: readH5Node on arbitrary bytes.
#include "weights/Hdf5.h"

#include <cstdlib>
#include <sys/mman.h>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace kiln;
  int fd = ::memfd_create("h5node", MFD_CLOEXEC);
  if (fd < 0 || ::write(fd, data, size) != ssize_t(size)) std::abort();
  ::lseek(fd, 0, SEEK_SET);
  ByteReader in(fd);
  H5Node root;
  std::string error;
  readH5Node(in, size && (data[0] & 1), root, error);
  ::close(fd);
  return 0;
}
