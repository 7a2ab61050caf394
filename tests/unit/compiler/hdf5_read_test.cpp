// Kiln's HDF5 reader against the HDF5 C library on every Keras-written file
// in the repository (.h5 files and the model.weights.h5 of .keras archives,
// written by tf.keras 2 and Keras 3 through h5py) and on files that use the
// rest of the format the reader covers: both must read the same tree, value
// for value.
#include "weights/Hdf5.h"

#include <gtest/gtest.h>
#include <hdf5.h>
#include <zip.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <set>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace {

// ---- the reference: the same tree read through the HDF5 C library

struct Handle {
  hid_t id;
  herr_t (*close)(hid_t);
  ~Handle() {
    if (id >= 0) close(id);
  }
  operator hid_t() const { return id; }
};

template <typename Info>
herr_t addName(hid_t, const char *name, const Info *, void *data) {
  static_cast<std::vector<std::string> *>(data)->push_back(name);
  return 0;
}

// A group's members or an object's attributes, in name order.
std::vector<std::string> names(hid_t object, bool attributes) {
  std::vector<std::string> out;
  hsize_t index = 0;
  if (attributes) H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &index, addName<H5A_info_t>, &out);
  else H5Literate(object, H5_INDEX_NAME, H5_ITER_INC, &index, addName<H5L_info_t>, &out);
  return out;
}

void referenceAttributes(hid_t object, kiln::H5Node &node) {
  for (const std::string &key : names(object, true)) {
    Handle attr{H5Aopen(object, key.c_str(), H5P_DEFAULT), H5Aclose};
    Handle type{H5Aget_type(attr), H5Tclose};
    Handle space{H5Aget_space(attr), H5Sclose};
    hssize_t count = H5Sget_simple_extent_npoints(space);
    if (H5Tget_class(type) != H5T_STRING) {
      if (count == 0) node.attributes[key] = {};
      continue;
    }
    std::vector<std::string> values;
    Handle memory{H5Tcopy(H5T_C_S1), H5Tclose};
    H5Tset_cset(memory, H5Tget_cset(type));
    if (H5Tis_variable_str(type) > 0) {
      H5Tset_size(memory, H5T_VARIABLE);
      std::vector<char *> strings(count, nullptr);
      H5Aread(attr, memory, strings.data());
      for (char *s : strings) values.emplace_back(s ? s : "");
      H5Dvlen_reclaim(memory, space, H5P_DEFAULT, strings.data());
    } else {
      size_t size = H5Tget_size(type);
      H5Tset_size(memory, size);
      H5Tset_strpad(memory, H5T_STR_NULLPAD);
      std::vector<char> buffer(count * size);
      H5Aread(attr, memory, buffer.data());
      for (hssize_t i = 0; i < count; ++i) {
        const char *s = buffer.data() + i * size;
        values.emplace_back(s, std::find(s, s + size, '\0'));
      }
    }
    node.attributes[key] = std::move(values);
  }
}

void referenceDataset(hid_t ds, kiln::H5Node &node) {
  referenceAttributes(ds, node);
  Handle type{H5Dget_type(ds), H5Tclose};
  Handle space{H5Dget_space(ds), H5Sclose};
  H5T_class_t cls = H5Tget_class(type);
  if (cls != H5T_FLOAT && cls != H5T_INTEGER) {
    node.unsupported = cls == H5T_STRING ? "strings" : cls == H5T_ENUM ? "an enumeration (booleans)" : "a non-numeric type";
    return;
  }
  if (H5Sget_simple_extent_type(space) == H5S_NULL) {
    node.unsupported = "no values (an empty dataspace)";
    return;
  }
  int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> dims(rank);
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  size_t count = 1;
  for (hsize_t d : dims) {
    node.shape.push_back(int64_t(d));
    count *= d;
  }
  node.data.resize(count);
  if (count) H5Dread(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, node.data.data());
}

void referenceGroup(hid_t group, kiln::H5Node &node, std::set<haddr_t> &visited) {
  referenceAttributes(group, node);
  for (const std::string &name : names(group, false)) {
    kiln::H5Node child;
    child.name = name;
    child.path = (node.path == "/" ? "" : node.path) + "/" + name;
    H5L_info_t link;
    H5Lget_info(group, name.c_str(), &link, H5P_DEFAULT);
    H5O_info_t info;
    if (link.type != H5L_TYPE_HARD) {
      child.dataset = true;
      child.unsupported = link.type == H5L_TYPE_SOFT ? "a link to another object" : "a link to another file";
    } else if (H5Oget_info_by_name2(group, name.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT);
               !visited.insert(info.addr).second) {
      child.dataset = true;
      child.unsupported = "a second link to an object already read";
    } else if (info.type == H5O_TYPE_GROUP) {
      Handle sub{H5Gopen2(group, name.c_str(), H5P_DEFAULT), H5Gclose};
      referenceGroup(sub, child, visited);
    } else {
      child.dataset = true;
      Handle ds{H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose};
      referenceDataset(ds, child);
    }
    node.children.push_back(std::move(child));
  }
}

kiln::H5Node reference(const std::string &path) {
  kiln::H5Node root;
  root.name = root.path = "/";
  Handle file{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  EXPECT_GE(file.id, 0) << path;
  Handle group{H5Gopen2(file, "/", H5P_DEFAULT), H5Gclose};
  H5O_info_t info;
  H5Oget_info2(group, &info, H5O_INFO_BASIC);
  std::set<haddr_t> visited{info.addr};
  referenceGroup(group, root, visited);
  return root;
}

void expectSame(const kiln::H5Node &want, const kiln::H5Node &got) {
  SCOPED_TRACE(want.path);
  ASSERT_EQ(want.path, got.path);
  EXPECT_EQ(want.dataset, got.dataset);
  EXPECT_EQ(want.attributes, got.attributes);
  EXPECT_EQ(want.unsupported, got.unsupported);
  EXPECT_EQ(want.shape, got.shape);
  ASSERT_EQ(want.data.size(), got.data.size());
  for (size_t i = 0; i < want.data.size(); ++i) {  // bit for bit (-0 too), any NaN for a NaN
    if (std::isnan(want.data[i]) && std::isnan(got.data[i])) continue;
    uint32_t a, b;
    std::memcpy(&a, &want.data[i], 4);
    std::memcpy(&b, &got.data[i], 4);
    ASSERT_EQ(a, b) << "value " << i << ": " << want.data[i] << " from the HDF5 library, " << got.data[i] << " read";
  }
  ASSERT_EQ(want.children.size(), got.children.size());
  for (size_t i = 0; i < want.children.size(); ++i) expectSame(want.children[i], got.children[i]);
}

// The HDF5 part of a .keras archive, written to `out`.
bool extractWeights(const std::string &archive, const std::string &out) {
  int code = 0;
  zip_t *z = zip_open(archive.c_str(), ZIP_RDONLY, &code);
  if (!z) return false;
  zip_file_t *member = zip_fopen(z, "model.weights.h5", 0);
  bool ok = member != nullptr;
  if (member) {
    std::ofstream file(out, std::ios::binary);
    char buffer[1 << 16];
    for (zip_int64_t n; (n = zip_fread(member, buffer, sizeof buffer)) > 0;) file.write(buffer, n);
    zip_fclose(member);
  }
  zip_close(z);
  return ok;
}

// Every Keras-written HDF5 file of the repository (hostile files excluded).
std::vector<std::string> kerasFiles() {
  std::vector<std::string> files;
  for (const char *dir : {"tests/numerics", "tests/lit/Inputs", "tests/fuzz/corpus/hdf5", "tests/unit/compiler/hdf5", "examples"}) {
    fs::path root = fs::path(KILN_SOURCE_DIR) / dir;
    if (!fs::exists(root)) continue;
    for (const auto &entry : fs::recursive_directory_iterator(root)) {
      std::string ext = entry.path().extension();
      if (ext == ".h5" || ext == ".keras") files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(Hdf5Read, AgreesWithTheHdf5LibraryOnKerasFiles) {
  std::vector<std::string> files = kerasFiles();
  ASSERT_GT(files.size(), 150u);
  std::string scratch = (fs::temp_directory_path() / ("kiln-hdf5-" + std::to_string(::getpid()) + ".h5")).string();
  size_t datasets = 0;
  for (const std::string &file : files) {
    SCOPED_TRACE(file);
    std::string path = file;
    if (file.ends_with(".keras")) {
      ASSERT_TRUE(extractWeights(file, scratch));
      path = scratch;
    }
    kiln::H5Node got;
    std::string error;
    ASSERT_TRUE(kiln::readHdf5(path, {}, true, {uint64_t(1) << 32}, got, error)) << error;
    expectSame(reference(path), got);
    std::function<void(const kiln::H5Node &)> count = [&](const kiln::H5Node &n) {
      datasets += n.dataset && !n.data.empty();
      for (const auto &c : n.children) count(c);
    };
    count(got);
  }
  fs::remove(scratch);
  EXPECT_GT(datasets, 1000u);
}

}  // namespace

// A file of one chunked dataset written by the HDF5 C library with `dcpl`
// and the given format bounds; what Kiln's reader says of it.
std::string readError(hid_t dcpl, H5F_libver_t low, const hsize_t *maxDims = nullptr) {
  std::string path = (fs::temp_directory_path() / ("kiln-hdf5-parts-" + std::to_string(::getpid()) + ".h5")).string();
  {
    Handle fapl{H5Pcreate(H5P_FILE_ACCESS), H5Pclose};
    H5Pset_libver_bounds(fapl, low, H5F_LIBVER_V110);
    Handle file{H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl), H5Fclose};
    hsize_t dims[2] = {40, 30};
    Handle space{H5Screate_simple(2, dims, maxDims), H5Sclose};
    Handle ds{H5Dcreate2(file, "kernel:0", H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose};
    std::vector<float> values(40 * 30, 1.5f);
    H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  }
  kiln::H5Node root;
  std::string error;
  bool ok = kiln::readHdf5(path, {}, true, {uint64_t(1) << 24}, root, error);
  fs::remove(path);
  return ok ? "read" : error;
}

TEST(Hdf5Read, PartsOfTheFormatItDoesNotReadAreNamed) {
  hsize_t chunk[2] = {8, 8};
  Handle scaled{H5Pcreate(H5P_DATASET_CREATE), H5Pclose};
  H5Pset_chunk(scaled, 2, chunk);
  H5Pset_scaleoffset(scaled, H5Z_SO_FLOAT_DSCALE, 2);
  EXPECT_EQ(readError(scaled, H5F_LIBVER_EARLIEST),
            "the HDF5 file uses a part of the format Kiln does not read: the compression filter 6; Kiln reads deflate "
            "(gzip), shuffle and fletcher32 (at '/kernel:0')");
  Handle chunked{H5Pcreate(H5P_DATASET_CREATE), H5Pclose};
  H5Pset_chunk(chunked, 2, chunk);
  EXPECT_EQ(readError(chunked, H5F_LIBVER_EARLIEST), "read");  // a version 1 B-tree of chunks
  EXPECT_EQ(readError(chunked, H5F_LIBVER_V110), "read");      // a fixed array
  hsize_t unlimited[2] = {H5S_UNLIMITED, 30};
  EXPECT_EQ(readError(chunked, H5F_LIBVER_V110, unlimited),
            "the HDF5 file uses a part of the format Kiln does not read: chunk indexes of HDF5 1.10's format other "
            "than a single chunk or a fixed array (type 4: a dataset that can grow) (at '/kernel:0')");
}
