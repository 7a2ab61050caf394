// HDF5 files as plain trees, read by Kiln's own reader of the format
// (Hdf5Read.cpp). Keras writes its weights as groups of datasets with string
// attributes; this reads every group, every numeric dataset (converted to
// float32) and every string attribute, and nothing else: links to other
// objects or files, datasets stored outside the file and non-numeric types
// are recorded as such and not followed. Run in an isolated process
// (Isolated.h), with CPU and memory limits.
#pragma once

#include "weights/Isolated.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kiln {

// Limits of a tree, held by the reader and by the pipe.
inline constexpr int kH5MaxDepth = 64;  // groups within groups
inline constexpr size_t kH5MaxObjects = 1'000'000;
inline constexpr size_t kH5MaxAttributes = 100'000;  // of one object
inline constexpr uint64_t kH5MaxRank = 32;

struct H5Node {
  std::string name;  // the link name
  std::string path;  // from the root: "/model_weights/dense/dense/kernel:0"
  bool dataset = false;
  // String attributes, each as a list (a scalar string is a list of one);
  // a numeric attribute with no elements reads as an empty list.
  std::map<std::string, std::vector<std::string>> attributes;
  std::vector<H5Node> children;  // groups: members in name order
  std::vector<int64_t> shape;    // datasets: () for a scalar
  std::vector<float> data;
  std::string unsupported;  // why the dataset has no data: "a string", "a link to another file", ...

  const H5Node *child(std::string_view name) const;
  // A member by a path relative to this group ("dense/kernel:0"), or null.
  const H5Node *find(std::string_view relative) const;
  H5Node *find(std::string_view relative) { return const_cast<H5Node *>(std::as_const(*this).find(relative)); }
  const std::vector<std::string> *attribute(const std::string &key) const;
};

// Text from a file as messages can show it: valid UTF-8 stays, control
// characters and stray bytes become \xNN. Every name read goes through this,
// so names that refer to each other (layer_names, groups) still match.
std::string printable(const std::string &s);

// Limits on what a file may make the reader allocate, from the file's size.
struct Hdf5Budget {
  uint64_t maxFloats;  // float32 values over all datasets
};

// Reads the HDF5 file at `path` (in this process: call it in the isolated
// child). Root-level groups named in `skip` are left out (optimizer state);
// without `values` the datasets' shapes are read but not their values.
// False with `error` set for a file that is not HDF5 or is malformed.
bool readHdf5(const std::string &path, const std::vector<std::string> &skip, bool values, const Hdf5Budget &budget,
              H5Node &root, std::string &error);

// The tree over the pipe: written by the child, checked by the parent.
void writeH5Node(ByteWriter &out, const H5Node &node);
bool readH5Node(ByteReader &in, bool values, H5Node &node, std::string &error);

}  // namespace kiln
