// TensorFlow's checkpoints: what tf.keras 2 writes for save_weights('w')
// (a path without .h5: w.index, w.data-00000-of-00001) and in a SavedModel
// directory (model.save('dir') before Keras 3: dir/variables/variables.*).
//
// The .index file is a LevelDB-format table from each tensor's key to its
// BundleEntryProto (dtype, shape, shard, offset, size in the data file); the
// key "" holds the BundleHeaderProto (number of shards, byte order). The
// tensor "_CHECKPOINTABLE_OBJECT_GRAPH" is the TrackableObjectGraph: its
// nodes are the model, its layers and their variables, and a variable's
// attribute gives its name ("dense/kernel", "lstm/lstm_cell/kernel"), the
// names of Keras 2's HDF5 files and TensorFlow.js's, by which it binds. The
// optimizer's variables are skipped.
#include "support/Files.h"
#include "weights/Internal.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

namespace kiln {

namespace {

namespace fs = std::filesystem;

constexpr uint64_t kTableMagic = 0xdb4775248b80fb57ull;
constexpr uint64_t kMaxIndexBytes = uint64_t(1) << 28;
constexpr uint64_t kMaxVariableElements = uint64_t(1) << 40;  // 4 TiB of float32: a damaged shape
constexpr int kFloat = 1, kDouble = 2, kString = 7;  // TensorFlow's DataType
const char *const kObjectGraphKey = "_CHECKPOINTABLE_OBJECT_GRAPH";

// Protocol buffer wire format, bounds-checked: a damaged file fails, never
// reads past its bytes.
struct Wire {
  const uint8_t *p, *end;
  explicit Wire(std::string_view s)
      : p(reinterpret_cast<const uint8_t *>(s.data())), end(p + s.size()) {}
  bool done() const { return p >= end; }
  bool varint(uint64_t &v) {
    v = 0;
    for (int shift = 0; shift < 64 && p < end; shift += 7) {
      uint8_t b = *p++;
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  bool bytes(std::string_view &out) {
    uint64_t n;
    if (!varint(n) || n > uint64_t(end - p)) return false;
    out = std::string_view(reinterpret_cast<const char *>(p), n);
    p += n;
    return true;
  }
  bool fixed(size_t n) {
    if (uint64_t(end - p) < n) return false;
    p += n;
    return true;
  }
  // The next field: its number, and its value as an integer or as bytes.
  bool field(uint32_t &number, uint64_t &value, std::string_view &data) {
    uint64_t key;
    if (!varint(key)) return false;
    number = uint32_t(key >> 3);
    switch (key & 7) {
    case 0: return varint(value);
    case 1: return fixed(8);
    case 2: return bytes(data);
    case 5:
      if (end - p < 4) return false;
      value = uint64_t(p[0]) | uint64_t(p[1]) << 8 | uint64_t(p[2]) << 16 | uint64_t(p[3]) << 24;
      return fixed(4);
    default: return false;
    }
  }
};

struct BundleEntry {
  int64_t dtype = 0, shard = 0;
  uint64_t offset = 0, size = 0;
  uint32_t crc = 0;  // masked CRC-32C of the data
  std::vector<int64_t> shape;
  bool sliced = false;
};

// CRC-32C (Castagnoli), masked as TensorFlow stores it.
uint32_t maskedCrc32c(std::string_view bytes) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xffffffffu;
  for (char b : bytes) crc = table[(crc ^ uint8_t(b)) & 0xff] ^ (crc >> 8);
  crc = ~crc;
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

bool parseEntry(std::string_view value, BundleEntry &e) {
  Wire w(value);
  while (!w.done()) {
    uint32_t f;
    uint64_t v = 0;
    std::string_view d;
    if (!w.field(f, v, d)) return false;
    if (f == 1) e.dtype = int64_t(v);
    else if (f == 3) e.shard = int64_t(v);
    else if (f == 4) e.offset = v;
    else if (f == 5) e.size = v;
    else if (f == 6) e.crc = uint32_t(v);
    else if (f == 7) e.sliced = true;
    else if (f == 2) {
      Wire shape(d);
      while (!shape.done()) {
        uint32_t sf;
        std::string_view dim;
        if (!shape.field(sf, v, dim)) return false;
        if (sf != 2) continue;
        Wire dw(dim);
        int64_t size = 0;
        while (!dw.done()) {
          uint32_t df;
          std::string_view unused;
          if (!dw.field(df, v, unused)) return false;
          if (df == 1) size = int64_t(v);
        }
        if (size < 0) return false;
        e.shape.push_back(size);
      }
    }
  }
  return true;
}

// LevelDB's table: blocks of prefix-compressed (key, value) entries, an
// index block of (last key, block handle), a 48-byte footer.
class Table {
public:
  explicit Table(std::string bytes) : bytes_(std::move(bytes)) {}

  bool read(std::map<std::string, std::string> &out, std::string &error) {
    if (bytes_.size() < 48) return fail(error, "shorter than a table's footer");
    uint64_t magic;
    std::memcpy(&magic, bytes_.data() + bytes_.size() - 8, 8);
    if (magic != kTableMagic) return fail(error, "not a TensorFlow checkpoint index (no table footer)");
    Wire footer(std::string_view(bytes_).substr(bytes_.size() - 48, 40));
    uint64_t metaOffset, metaSize, indexOffset, indexSize;
    if (!footer.varint(metaOffset) || !footer.varint(metaSize) || !footer.varint(indexOffset) ||
        !footer.varint(indexSize))
      return fail(error, "a damaged table footer");
    std::vector<std::pair<std::string, std::string>> index;
    if (!block(indexOffset, indexSize, index, error)) return false;
    for (const auto &[key, handle] : index) {
      Wire h(handle);
      uint64_t offset, size;
      std::vector<std::pair<std::string, std::string>> entries;
      if (!h.varint(offset) || !h.varint(size)) return fail(error, "a damaged block handle");
      if (!block(offset, size, entries, error)) return false;
      for (auto &[k, v] : entries) out[k] = std::move(v);
    }
    return true;
  }

private:
  static bool fail(std::string &error, const std::string &message) {
    error = message;
    return false;
  }

  bool block(uint64_t offset, uint64_t size, std::vector<std::pair<std::string, std::string>> &out,
             std::string &error) {
    if (offset > bytes_.size() || size + 5 > bytes_.size() - offset || size < 4)
      return fail(error, "a table block lies outside the file");
    if (bytes_[offset + size] != 0)
      return fail(error, "a compressed table block (Kiln reads the uncompressed ones TensorFlow writes)");
    std::string_view b(bytes_.data() + offset, size);
    uint32_t restarts;
    std::memcpy(&restarts, b.data() + b.size() - 4, 4);
    if (uint64_t(restarts) * 4 + 4 > b.size()) return fail(error, "a damaged table block");
    Wire w(b.substr(0, b.size() - 4 - uint64_t(restarts) * 4));
    std::string key;
    while (!w.done()) {
      uint64_t shared, unshared, length;
      if (!w.varint(shared) || !w.varint(unshared) || !w.varint(length) || shared > key.size() ||
          unshared > uint64_t(w.end - w.p) || length > uint64_t(w.end - w.p) - unshared)
        return fail(error, "a damaged table entry");
      key.resize(shared);
      key.append(reinterpret_cast<const char *>(w.p), unshared);
      w.p += unshared;
      out.push_back({key, std::string(reinterpret_cast<const char *>(w.p), length)});
      w.p += length;
    }
    return true;
  }

  std::string bytes_;
};

// The variables of the trackable object graph, by checkpoint key: their
// names, from the root through every child but the optimizer and, in a
// SavedModel, Keras's own attributes (its metrics' totals and counts).
bool variableNames(std::string_view graph, std::map<std::string, std::string> &names, std::string &error) {
  struct Node {
    std::vector<std::pair<uint64_t, std::string>> children;
    std::vector<std::pair<std::string, std::string>> variables;  // (full name, checkpoint key)
  };
  std::vector<Node> nodes;
  Wire w(graph);
  while (!w.done()) {
    uint32_t f;
    uint64_t v = 0;
    std::string_view d;
    if (!w.field(f, v, d)) return error = "a damaged object graph", false;
    if (f != 1) continue;
    Node &node = nodes.emplace_back();
    Wire nw(d);
    while (!nw.done()) {
      std::string_view item;
      if (!nw.field(f, v, item)) return error = "a damaged object graph", false;
      if (f != 1 && f != 2) continue;
      Wire iw(item);
      uint64_t id = 0;
      std::string_view texts[4];
      while (!iw.done()) {
        uint32_t g;
        std::string_view s;
        if (!iw.field(g, v, s)) return error = "a damaged object graph", false;
        if (g == 1 && f == 1) id = v;
        else if (g < 4) texts[g] = s;
      }
      if (f == 1) node.children.push_back({id, std::string(texts[2])});
      else if (texts[1] == "VARIABLE_VALUE") node.variables.push_back({std::string(texts[2]), std::string(texts[3])});
    }
  }
  std::vector<uint64_t> stack{0};
  std::set<uint64_t> seen{0};
  while (!stack.empty() && !nodes.empty()) {
    uint64_t id = stack.back();
    stack.pop_back();
    if (id >= nodes.size()) return error = "the object graph refers to a node it does not have", false;
    for (const auto &[name, key] : nodes[id].variables) names.emplace(key, name);
    for (const auto &[child, local] : nodes[id].children)
      if (local != "optimizer" && local != "keras_api" && seen.insert(child).second) stack.push_back(child);
  }
  return true;
}

// prefix.data-00000-of-00001
std::string shardPath(const std::string &prefix, int64_t shard, int64_t shards) {
  auto five = [](int64_t n) {
    std::string s = std::to_string(n);
    return std::string(s.size() < 5 ? 5 - s.size() : 0, '0') + s;
  };
  return prefix + ".data-" + five(shard) + "-of-" + five(shards);
}

// The checkpoint's data files, each opened once, read by range.
class DataShards {
public:
  DataShards(std::string prefix, int64_t count) : prefix_(std::move(prefix)), count_(count) {}

  // The bytes [offset, offset + size) of data file `shard`; for a shard the
  // checkpoint does not have, no `error`: the caller names the damaged entry.
  bool read(int64_t shard, uint64_t offset, uint64_t size, std::string &out, std::string &error) {
    if (shard < 0 || shard >= count_) return error.clear(), false;
    File *file = open(shard, error);
    if (!file) return false;
    if (offset > file->length || size > file->length - offset)
      return error = "a tensor lies outside its data file '" + file->path + "'", false;
    out.resize(size);
    if (std::fseek(file->handle.get(), long(offset), SEEK_SET) != 0 ||
        std::fread(out.data(), 1, size, file->handle.get()) != size)
      return error = "cannot read '" + file->path + "'", false;
    return true;
  }

private:
  struct File {
    std::string path;
    std::unique_ptr<FILE, int (*)(FILE *)> handle;
    uint64_t length;
  };

  File *open(int64_t shard, std::string &error) {
    if (auto it = files_.find(shard); it != files_.end()) return &it->second;
    std::string path = shardPath(prefix_, shard, count_);
    std::error_code ec;
    if (!fs::exists(path, ec)) return error = "its data file '" + path + "' is missing", nullptr;
    if (!fs::is_regular_file(path, ec)) return error = "its data file '" + path + "' is not a regular file", nullptr;
    uint64_t length = fs::file_size(path, ec);
    std::unique_ptr<FILE, int (*)(FILE *)> handle(ec ? nullptr : std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!handle) return error = "cannot read '" + path + "'", nullptr;
    return &files_.emplace(shard, File{path, std::move(handle), length}).first->second;
  }

  std::string prefix_;
  int64_t count_;
  std::map<int64_t, File> files_;
};

// The SavedModel's metadata writes a tuple (a shape) as {"class_name":
// "__tuple__", "items": [...]}, where model.to_json() writes the list.
void untuple(nlohmann::json &j) {
  if (j.is_object() && j.value("class_name", nlohmann::json()) == "__tuple__" && j.contains("items")) {
    nlohmann::json items = std::move(j["items"]);
    j = std::move(items);
  }
  if (j.is_structured())
    for (nlohmann::json &item : j) untuple(item);
}

}  // namespace

std::optional<std::string> savedModelConfig(const std::string &dir, std::string &error) {
  std::string path = (fs::path(dir) / "keras_metadata.pb").string();
  std::optional<std::string> metadata = readWholeFile(path, kMaxIndexBytes, "a SavedModel's Keras metadata", error);
  if (!metadata) {
    error = "is a directory without a SavedModel's keras_metadata.pb (" + error + ")";
    return std::nullopt;
  }
  // SavedMetadata: nodes (1), each a SavedObject with node_path (3) and the
  // object's Keras metadata as JSON (5); the model is the node "root".
  Wire w(*metadata);
  while (!w.done()) {
    uint32_t f;
    uint64_t v = 0;
    std::string_view node;
    if (!w.field(f, v, node)) break;
    if (f != 1) continue;
    Wire n(node);
    std::string_view fields[6];
    while (!n.done()) {
      uint32_t g;
      std::string_view s;
      if (!n.field(g, v, s)) break;
      if (g < 6) fields[g] = s;
    }
    if (fields[3] != "root") continue;
    nlohmann::json config = nlohmann::json::parse(fields[5], nullptr, false);
    if (config.is_discarded()) break;
    untuple(config);
    return config.dump();
  }
  error = "'" + path + "' has no metadata for the model (its node \"root\", a JSON object)";
  return std::nullopt;
}

std::optional<std::string> checkpointPrefix(const std::string &path, std::string &error) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    fs::path dir(path);
    if (fs::exists(dir / "variables" / "variables.index", ec)) return (dir / "variables" / "variables").string();
    std::string listing = (dir / "checkpoint").string();
    if (!fs::exists(listing, ec)) {
      error = "is a directory, but not a SavedModel (no variables/variables.index) or a folder of TensorFlow "
              "checkpoints (no 'checkpoint' file)";
      return std::nullopt;
    }
    std::optional<std::string> state = readWholeFile(listing, 1 << 20, "a checkpoint list", error);
    // Its first line names the latest checkpoint: model_checkpoint_path: "weights"
    size_t open = state ? state->find('"') : std::string::npos;
    size_t close = open == std::string::npos ? open : state->find('"', open + 1);
    if (close == std::string::npos) {
      error = "'" + listing + "' names no checkpoint" + (error.empty() ? "" : ": " + error);
      return std::nullopt;
    }
    fs::path latest = state->substr(open + 1, close - open - 1);
    return (latest.is_absolute() ? latest : dir / latest).string();
  }
  if (path.ends_with(".index") && fs::exists(path, ec)) return path.substr(0, path.size() - 6);
  if (!fs::exists(path, ec) && fs::exists(path + ".index", ec)) return path;
  return std::nullopt;
}

std::optional<WeightFile> readTfCheckpoint(const std::string &prefix, const std::string &path,
                                           DiagnosticEngine &diags) {
  auto fail = [&](const std::string &message) -> std::optional<WeightFile> {
    diags.report(DiagID::err_weights_file, SourceRange{}, path, "TensorFlow checkpoint '" + prefix + "': " + message);
    return std::nullopt;
  };
  std::string error;
  std::optional<std::string> index = readWholeFile(prefix + ".index", kMaxIndexBytes, "a checkpoint index", error);
  if (!index) return fail("cannot read its index '" + prefix + ".index': " + error);
  std::map<std::string, std::string> table;
  if (!Table(std::move(*index)).read(table, error)) return fail("its index is not a table TensorFlow wrote: " + error);

  int64_t shards = 1;
  if (auto header = table.find(""); header != table.end()) {
    Wire w(header->second);
    while (!w.done()) {
      uint32_t f;
      uint64_t v = 0;
      std::string_view d;
      if (!w.field(f, v, d)) return fail("a damaged header");
      if (f == 1) shards = int64_t(v);
      if (f == 2 && v != 0) return fail("its tensors are big-endian");
    }
  }
  BundleEntry graph;
  auto graphEntry = table.find(kObjectGraphKey);
  if (graphEntry == table.end() || !parseEntry(graphEntry->second, graph) || graph.dtype != kString)
    return fail("it has no object graph (TensorFlow 1's Saver writes none), so its variables have no layer names");
  std::string bytes;
  DataShards data(prefix, shards);
  if (!data.read(graph.shard, graph.offset, graph.size, bytes, error))
    return fail(error.empty() ? "the entry of its object graph is damaged" : error);
  // A scalar string: its length (varint), a 4-byte checksum, its bytes.
  Wire s(bytes);
  std::string_view serialized;
  uint64_t length;
  if (!s.varint(length) || !s.fixed(4) || length > uint64_t(s.end - s.p)) return fail("its object graph is damaged");
  serialized = std::string_view(reinterpret_cast<const char *>(s.p), length);
  std::map<std::string, std::string> names;
  if (!variableNames(serialized, names, error)) return fail(error);

  WeightFile file;
  file.path = path;
  file.layout = WeightLayout::TfjsNames;
  for (const auto &[key, name] : names) {
    auto it = table.find(key);
    BundleEntry e;
    if (it == table.end() || !parseEntry(it->second, e)) return fail("the variable '" + key + "' has no entry");
    if (e.sliced) return fail("the variable '" + name + "' is partitioned, which Kiln does not read");
    WeightEntry entry{name, key, e.shape, {}, {}};
    uint64_t count = 1;
    for (int64_t d : e.shape) {
      if (d && count > kMaxVariableElements / uint64_t(d)) return fail("the variable '" + name + "' has a damaged shape");
      count *= uint64_t(d);
    }
    size_t width = e.dtype == kFloat ? 4 : e.dtype == kDouble ? 8 : 0;
    if (!width) {
      entry.unsupported = "its dtype is not float32 or float64 (TensorFlow DataType " + std::to_string(e.dtype) + ")";
      file.entries.push_back(std::move(entry));
      continue;
    }
    if (count * width != e.size) return fail("the variable '" + name + "' has a size its shape does not have");
    if (!data.read(e.shard, e.offset, e.size, bytes, error))
      return fail(error.empty() ? "the entry of '" + name + "' is damaged" : error);
    if (maskedCrc32c(bytes) != e.crc) return fail("the values of '" + name + "' do not match their checksum");
    entry.data.resize(count);
    for (uint64_t i = 0; i < count; ++i) {
      if (width == 4) {
        std::memcpy(&entry.data[i], bytes.data() + 4 * i, 4);
      } else {
        double x;
        std::memcpy(&x, bytes.data() + 8 * i, 8);
        entry.data[i] = float(x);
      }
    }
    file.entries.push_back(std::move(entry));
  }
  if (file.entries.empty()) return fail("it has no variables outside the optimizer");
  return file;
}

}  // namespace kiln
