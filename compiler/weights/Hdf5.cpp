#include "weights/Hdf5.h"

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
  if (depth > kH5MaxDepth || ++objects > kH5MaxObjects) return false;
  node.name = printable(in.str(1 << 16));
  node.path = printable(in.str(1 << 20));
  if (node.path != (parent ? (*parent == "/" ? "" : *parent) + "/" + node.name : "/")) return false;
  node.dataset = in.u8() != 0;
  uint64_t attributes = in.u64();
  if (attributes > kH5MaxAttributes) return false;
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
    if (rank > kH5MaxRank) return false;
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
    if (children > kH5MaxObjects) return false;
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
