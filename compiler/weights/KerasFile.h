// Keras's own files (.h5 from model.save() or save_weights(), .weights.h5,
// .keras): what a file is by its contents, and its HDF5 tree and model
// configuration, read with Kiln's HDF5 reader and libzip in an isolated process.
#pragma once

#include "weights/Hdf5.h"

#include <string>

namespace kiln {

enum class FileKind { Hdf5, Zip, Json, Other };

// By the first bytes: the HDF5 signature (at 0 or after a user block), a zip
// header, or '{'. False with `error` set when the file cannot be read.
bool sniffFile(const std::string &path, FileKind &kind, std::string &error);

struct KerasFile {
  bool zip = false;
  std::string config;    // .keras: config.json
  std::string metadata;  // .keras: metadata.json
  H5Node root;           // the HDF5 file; of a .keras, its model.weights.h5
};

// Reads an HDF5 or .keras file; without `values` only the datasets' shapes.
// Optimizer state is skipped. False with `error` set for a malformed file.
bool readKerasFile(const std::string &path, FileKind kind, bool values, KerasFile &out, std::string &error);

}  // namespace kiln
