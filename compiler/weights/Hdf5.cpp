#include "weights/Hdf5.h"

#include <hdf5.h>

#include <algorithm>
#include <set>

namespace kiln {

const H5Node *H5Node::child(std::string_view name) const {
  for (const H5Node &c : children)
    if (c.name == name) return &c;
  return nullptr;
}

const H5Node *H5Node::find(std::string_view relative) const {
  const H5Node *node = this;
  while (node && !relative.empty()) {
    size_t slash = relative.find('/');
    std::string_view part = relative.substr(0, slash);
    if (!part.empty()) node = node->child(part);
    relative = slash == std::string_view::npos ? std::string_view() : relative.substr(slash + 1);
  }
  return node;
}

const std::vector<std::string> *H5Node::attribute(const std::string &key) const {
  auto it = attributes.find(key);
  return it == attributes.end() ? nullptr : &it->second;
}

// A name from the file as messages can show it: valid UTF-8 stays, control
// characters and stray bytes become \xNN. Every name goes through this, so
// names that refer to each other (layer_names, groups) still match.
std::string printable(const std::string &s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = byte(i);
    size_t length = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool valid = length > 0 && i + length <= s.size() && (length > 1 || (c >= 0x20 && c != 0x7f));
    for (size_t k = 1; valid && k < length; ++k) valid = (byte(i + k) >> 6) == 2;
    if (valid) {
      out.append(s, i, length);
      i += length;
    } else {
      static const char hex[] = "0123456789abcdef";
      out += {'\\', 'x', hex[c >> 4], hex[c & 15]};
      ++i;
    }
  }
  return out;
}

namespace {

constexpr int kMaxDepth = 64;
constexpr size_t kMaxObjects = 1'000'000;
constexpr size_t kMaxAttributes = 100'000;
constexpr size_t kMaxStringBytes = size_t(1) << 30;

// Closes an HDF5 handle at the end of a scope.
struct Handle {
  hid_t id;
  herr_t (*close)(hid_t);
  Handle(hid_t id, herr_t (*close)(hid_t)) : id(id), close(close) {}
  ~Handle() {
    if (id >= 0) close(id);
  }
  Handle(const Handle &) = delete;
  Handle &operator=(const Handle &) = delete;
  operator hid_t() const { return id; }
  bool ok() const { return id >= 0; }
};

// The innermost message of libhdf5's error stack (its printing is off).
std::string hdf5Message() {
  std::string message;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t *e, void *data) -> herr_t {
        if (n == 0 && e->desc) *static_cast<std::string *>(data) = e->desc;
        return 0;
      },
      &message);
  return message;
}

// The names H5Literate (links) or H5Aiterate2 (attributes) lists, up to a limit.
struct NameList {
  std::vector<std::string> names;
  size_t limit;
};
template <typename Info>
herr_t addName(hid_t, const char *name, const Info *, void *data) {
  auto *list = static_cast<NameList *>(data);
  list->names.push_back(name);
  return list->names.size() > list->limit ? 1 : 0;
}

struct Reader {
  Hdf5Budget budget;
  bool values;
  uint64_t floats = 0;
  size_t objects = 0;
  std::set<haddr_t> visited;
  std::string error;

  bool fail(const std::string &what) {
    std::string detail = hdf5Message();
    error = what + (detail.empty() ? "" : " (HDF5: " + detail + ")");
    return false;
  }

  std::vector<std::string> names(hid_t group) {
    NameList links{{}, kMaxObjects};
    hsize_t index = 0;
    H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &index, addName<H5L_info_t>, &links);
    return links.names;
  }

  bool readStrings(hid_t attr, hid_t type, hid_t space, size_t count, std::vector<std::string> &out) {
    H5T_cset_t cset = H5Tget_cset(type);
    Handle memory(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_cset(memory, cset);
    if (H5Tis_variable_str(type) > 0) {
      H5Tset_size(memory, H5T_VARIABLE);
      std::vector<char *> strings(count, nullptr);
      if (H5Aread(attr, memory, strings.data()) < 0) return false;
      for (char *s : strings) out.emplace_back(s ? s : "");
      H5Dvlen_reclaim(memory, space, H5P_DEFAULT, strings.data());
      return true;
    }
    size_t size = H5Tget_size(type);
    if (size == 0 || size > kMaxStringBytes / std::max<size_t>(count, 1)) return false;
    H5Tset_size(memory, size);
    H5Tset_strpad(memory, H5T_STR_NULLPAD);
    std::vector<char> buffer(count * size);
    if (H5Aread(attr, memory, buffer.data()) < 0) return false;
    for (size_t i = 0; i < count; ++i) {
      const char *s = buffer.data() + i * size;
      out.emplace_back(s, std::find(s, s + size, '\0'));
    }
    return true;
  }

  bool readAttributes(hid_t object, H5Node &node) {
    NameList keys{{}, kMaxAttributes};
    hsize_t index = 0;
    H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &index, addName<H5A_info_t>, &keys);
    for (const std::string &key : keys.names) {
      Handle attr(H5Aopen(object, key.c_str(), H5P_DEFAULT), H5Aclose);
      if (!attr.ok()) return fail("cannot read attribute '" + key + "' of '" + node.path + "'");
      Handle type(H5Aget_type(attr), H5Tclose);
      Handle space(H5Aget_space(attr), H5Sclose);
      if (!type.ok() || !space.ok()) return fail("cannot read attribute '" + key + "' of '" + node.path + "'");
      hssize_t count = H5Sget_simple_extent_npoints(space);
      if (count < 0) return fail("attribute '" + key + "' of '" + node.path + "' has an invalid shape");
      if (H5Tget_class(type) == H5T_STRING) {
        std::vector<std::string> values;
        if (size_t(count) > kMaxStringBytes / 8 || !readStrings(attr, type, space, size_t(count), values))
          return fail("cannot read string attribute '" + key + "' of '" + node.path + "'");
        node.attributes[key] = std::move(values);
      } else if (count == 0) {
        node.attributes[key] = {};  // h5py writes an empty list as an empty float array
      }
    }
    return true;
  }

  bool readDataset(hid_t group, const std::string &name, H5Node &node) {
    Handle ds(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose);
    if (!ds.ok()) return fail("cannot open dataset '" + node.path + "'");
    if (!readAttributes(ds, node)) return false;
    Handle type(H5Dget_type(ds), H5Tclose);
    Handle space(H5Dget_space(ds), H5Sclose);
    Handle plist(H5Dget_create_plist(ds), H5Pclose);
    if (!type.ok() || !space.ok() || !plist.ok()) return fail("cannot read the type and shape of '" + node.path + "'");
    H5T_class_t cls = H5Tget_class(type);
    if (cls != H5T_FLOAT && cls != H5T_INTEGER) {
      node.unsupported = cls == H5T_STRING ? "strings" : cls == H5T_ENUM ? "an enumeration (booleans)"
                                                       : "a non-numeric type";
      return true;
    }
    H5S_class_t shapeKind = H5Sget_simple_extent_type(space);
    if (shapeKind == H5S_NULL) {
      node.unsupported = "no values (an empty dataspace)";
      return true;
    }
    int rank = H5Sget_simple_extent_ndims(space);
    if (rank < 0 || rank > H5S_MAX_RANK) return fail("dataset '" + node.path + "' has an invalid rank");
    std::vector<hsize_t> dims(rank);
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    uint64_t count = 1;
    for (hsize_t d : dims) {
      if (d > (uint64_t(1) << 40) || (d && count > (uint64_t(1) << 40) / d))
        return fail("dataset '" + node.path + "' declares more values than any model has");
      count *= d;
      node.shape.push_back(int64_t(d));
    }
    H5D_layout_t layout = H5Pget_layout(plist);
    if (layout != H5D_COMPACT && layout != H5D_CONTIGUOUS && layout != H5D_CHUNKED) {
      node.unsupported = "values stored in other datasets (a virtual dataset)";
      return true;
    }
    if (H5Pget_external_count(plist) > 0) {
      node.unsupported = "values stored in another file (external storage)";
      return true;
    }
    size_t elementSize = H5Tget_size(type);
    if (count > 0) {
      H5D_space_status_t status;
      if (H5Dget_space_status(ds, &status) < 0 || status != H5D_SPACE_STATUS_ALLOCATED)
        return fail("dataset '" + node.path + "' has no stored values");
      if (H5Pget_nfilters(plist) == 0 && H5Dget_storage_size(ds) / elementSize < count)
        return fail("dataset '" + node.path + "' stores fewer values than its shape needs");
    }
    if (!values) return true;
    floats += count;
    if (floats > budget.maxFloats)
      return fail("the file's datasets declare more values than its size can hold (at '" + node.path + "')");
    node.data.resize(count);
    if (count > 0 && H5Dread(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, node.data.data()) < 0)
      return fail("cannot read the values of '" + node.path + "'");
    return true;
  }

  bool readGroup(hid_t group, H5Node &node, int depth, const std::vector<std::string> &skip) {
    if (depth > kMaxDepth) return fail("groups are nested more than " + std::to_string(kMaxDepth) + " deep");
    if (!readAttributes(group, node)) return false;
    for (const std::string &name : names(group)) {
      if (++objects > kMaxObjects) return fail("the file has more than a million objects");
      if (std::find(skip.begin(), skip.end(), name) != skip.end()) continue;
      H5Node child;
      child.name = name;
      child.path = (node.path == "/" ? "" : node.path) + "/" + name;
      H5L_info_t link;
      if (H5Lget_info(group, name.c_str(), &link, H5P_DEFAULT) < 0) return fail("cannot read link '" + child.path + "'");
      if (link.type != H5L_TYPE_HARD) {
        child.dataset = true;
        child.unsupported = link.type == H5L_TYPE_SOFT ? "a link to another object" : "a link to another file";
        node.children.push_back(std::move(child));
        continue;
      }
      H5O_info_t info;
      if (H5Oget_info_by_name2(group, name.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
        return fail("cannot read object '" + child.path + "'");
      if (!visited.insert(info.addr).second) {  // a second link to an object: cycles end here
        child.dataset = true;
        child.unsupported = "a second link to an object already read";
      } else if (info.type == H5O_TYPE_GROUP) {
        Handle sub(H5Gopen2(group, name.c_str(), H5P_DEFAULT), H5Gclose);
        if (!sub.ok()) return fail("cannot open group '" + child.path + "'");
        if (!readGroup(sub, child, depth + 1, {})) return false;
      } else if (info.type == H5O_TYPE_DATASET) {
        child.dataset = true;
        if (!readDataset(group, name, child)) return false;
      } else {
        child.dataset = true;
        child.unsupported = "a named datatype, not values";
      }
      node.children.push_back(std::move(child));
    }
    return true;
  }
};

}  // namespace

bool readHdf5(const std::string &path, const std::vector<std::string> &skip, bool values, const Hdf5Budget &budget,
              H5Node &root, std::string &error) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  Reader reader;
  reader.budget = budget;
  reader.values = values;
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.ok()) {
    reader.fail("not a readable HDF5 file; is it truncated or corrupt?");
    error = reader.error;
    return false;
  }
  root = H5Node{};
  root.name.push_back('/');
  root.path.push_back('/');
  Handle group(H5Gopen2(file, "/", H5P_DEFAULT), H5Gclose);
  if (!group.ok() || !reader.readGroup(group, root, 0, skip)) {
    error = reader.error.empty() ? "cannot read the root group" : reader.error;
    return false;
  }
  return true;
}

// ---- over the pipe

void writeH5Node(ByteWriter &out, const H5Node &node) {
  out.str(node.name);
  out.str(node.path);
  out.u8(node.dataset);
  out.u64(node.attributes.size());
  for (const auto &[key, values] : node.attributes) {
    out.str(key);
    out.u64(values.size());
    for (const std::string &v : values) out.str(v);
  }
  if (node.dataset) {
    out.str(node.unsupported);
    out.u64(node.shape.size());
    for (int64_t d : node.shape) out.i64(d);
    out.u64(node.data.size());
    out.bytes(node.data.data(), node.data.size() * sizeof(float));
  } else {
    out.u64(node.children.size());
    for (const H5Node &c : node.children) writeH5Node(out, c);
  }
}

namespace {

// `parent` is the path of the node's group (null for the root): a path
// that does not name the node under it is malformed, since the binders
// read a node's place from its path.
bool readNode(ByteReader &in, bool values, H5Node &node, const std::string *parent, int depth, size_t &objects) {
  if (depth > kMaxDepth || ++objects > kMaxObjects) return false;
  node.name = printable(in.str(1 << 16));
  node.path = printable(in.str(1 << 20));
  if (node.path != (parent ? (*parent == "/" ? "" : *parent) + "/" + node.name : "/")) return false;
  node.dataset = in.u8() != 0;
  uint64_t attributes = in.u64();
  if (attributes > kMaxAttributes) return false;
  for (uint64_t i = 0; i < attributes && in.ok(); ++i) {
    std::string key = printable(in.str(1 << 16));
    bool config = key == "model_config" || key == "training_config";  // JSON, kept as written
    uint64_t n = in.u64();
    std::vector<std::string> values;
    for (uint64_t j = 0; j < n && in.ok(); ++j) values.push_back(config ? in.str() : printable(in.str()));
    node.attributes[key] = std::move(values);
  }
  if (node.dataset) {
    node.unsupported = in.str(1 << 16);
    uint64_t rank = in.u64();
    if (rank > H5S_MAX_RANK) return false;
    uint64_t expected = 1;
    for (uint64_t i = 0; i < rank; ++i) {
      int64_t d = in.i64();
      if (d < 0 || d > (int64_t(1) << 40) || (d && expected > (uint64_t(1) << 40) / uint64_t(d))) return false;
      expected *= uint64_t(d);
      node.shape.push_back(d);
    }
    uint64_t count = in.u64();
    if (count != (node.unsupported.empty() && values ? expected : 0)) return false;
    // In chunks: a count the stream cannot back ends at its end, not in a huge allocation.
    for (uint64_t done = 0; done < count && in.ok();) {
      uint64_t n = std::min<uint64_t>(count - done, 1 << 22);
      node.data.resize(done + n);
      in.bytes(node.data.data() + done, n * sizeof(float));
      done += n;
    }
  } else {
    uint64_t children = in.u64();
    if (children > kMaxObjects) return false;
    for (uint64_t i = 0; i < children && in.ok(); ++i) {
      node.children.emplace_back();
      if (!readNode(in, values, node.children.back(), &node.path, depth + 1, objects)) return false;
    }
  }
  return in.ok();
}

}  // namespace

bool readH5Node(ByteReader &in, bool values, H5Node &node, std::string &error) {
  size_t objects = 0;
  if (readNode(in, values, node, nullptr, 0, objects)) return true;
  error = "the reader process sent a malformed result";
  return false;
}

}  // namespace kiln
