// Writes a Keras .h5 or .keras file as an input of the `keras` fuzz target:
// a .keras file's config.json (nothing for an .h5), a NUL byte, then the
// file's HDF5 tree in the isolated reader's pipe format.
//   keras_seed FILE > SEED
#include "weights/KerasFile.h"

#include <cstdio>

int main(int argc, char **argv) {
  using namespace kiln;
  FileKind kind;
  KerasFile keras;
  std::string error = "usage: keras_seed FILE > SEED";
  if (argc != 2 || !sniffFile(argv[1], kind, error) || !readKerasFile(argv[1], kind, true, keras, error)) {
    std::fprintf(stderr, "keras_seed: %s\n", error.c_str());
    return 1;
  }
  std::fwrite(keras.config.data(), 1, keras.config.size(), stdout);
  std::fputc(0, stdout);
  std::fflush(stdout);
  ByteWriter out(1);
  writeH5Node(out, keras.root);
  return 0;
}
