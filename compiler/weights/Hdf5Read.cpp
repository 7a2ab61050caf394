// Kiln's own reader of the HDF5 file format, the part of it that Keras and
// h5py write, up to HDF5 1.10's format (the HDF5 File Format Specification,
// version 3): superblocks 0-3, object headers 1 and 2, groups as symbol
// tables, link messages or dense storage (Hdf5Dense.cpp), attributes, and
// datasets (Hdf5Dataset.cpp). The HDF5 C library faults and loops on crafted
// files; this reader checks every address and length against the file,
// visits every object once and bounds every loop, so a malformed file is an
// error with a place. Features Keras never writes are errors that name them.
#include "weights/Hdf5Reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>

namespace kiln::hdf5 {

MappedFile::~MappedFile() {
  if (data_ && data_ != MAP_FAILED) ::munmap(const_cast<uint8_t *>(data_), size_);
}
bool MappedFile::open(const std::string &path, std::string &error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    error = fd < 0 ? std::string("cannot read: ") + std::strerror(errno) : "not a regular file";
    if (fd >= 0) ::close(fd);
    return false;
  }
  size_ = uint64_t(st.st_size);
  if (size_ > 0) {
    void *p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      error = std::string("cannot map the file: ") + std::strerror(errno);
      ::close(fd);
      return false;
    }
    data_ = static_cast<const uint8_t *>(p);
  }
  ::close(fd);
  return true;
}

void Reader::read(const std::vector<std::string> &skip, H5Node &root) {
  uint64_t rootAddress = superblock();
  root = H5Node{};
  root.name = "/";
  root.path = "/";
  where_ = "/";
  visited_.insert(rootAddress);
  std::vector<Message> messages = objectHeader(rootAddress);
  if (!isGroup(messages)) malformed("the root object is not a group");
  readGroup(messages, root, 0, skip);
}

// `length` bytes at `address` (relative to the superblock).
Cursor Reader::at(uint64_t address, uint64_t length, const char *what) {
  if (address == kUndefined || address > file_.size() - std::min(base_, file_.size()) ||
      length > file_.size() - base_ - address)
    malformed(std::string(what) + " lies outside the file");
  const uint8_t *p = file_.data() + base_ + address;
  return Cursor(p, p + length, offsetSize_, lengthSize_);
}

// From `address` to the end of the file.
Cursor Reader::from(uint64_t address, const char *what) {
  if (address == kUndefined || address >= file_.size() - std::min(base_, file_.size()))
    malformed(std::string(what) + " lies outside the file");
  return at(address, file_.size() - base_ - address, what);
}

uint64_t Reader::superblock() {
  static const uint8_t signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  uint64_t position = 0;
  for (;; position = position ? position * 2 : 512) {
    if (position + 8 > file_.size()) throw FormatError{FormatError::WholeFile, "not an HDF5 file (no HDF5 signature); is it truncated or corrupt?"};
    if (std::memcmp(file_.data() + position, signature, 8) == 0) break;
  }
  base_ = position;  // addresses count from the superblock (a user block may precede it)
  Cursor c = from(0, "the superblock");
  c.skip(8);
  unsigned version = c.u8();
  if (version > 3) unsupported("superblocks of version " + std::to_string(version));
  if (version >= 2) {
    setSizes(c.u8(), c.u8());
    c.skip(1);  // consistency flags
    c = Cursor(c.position(), file_.data() + file_.size(), offsetSize_, lengthSize_);
    c.address();  // base address: the superblock's place
    c.address();  // superblock extension
    checkEnd(c.address());
    return c.address();
  }
  c.skip(3);  // free-space, root group and shared-header versions
  c.skip(1);
  unsigned offsets = c.u8(), lengths = c.u8();
  setSizes(offsets, lengths);
  c.skip(1 + 2 + 2 + 4);  // reserved, group K values, consistency flags
  if (version == 1) c.skip(4);
  c = Cursor(c.position(), file_.data() + file_.size(), offsetSize_, lengthSize_);
  c.address();  // base address: the superblock's place
  c.address();  // free space
  checkEnd(c.address());
  c.address();  // driver information
  c.address();  // the root's link name
  return c.address();
}

// The size the superblock gives the file (counted from the file's start,
// user block included): a download or copy cut short is the commonest damage.
void Reader::checkEnd(uint64_t end) {
  if (end != kUndefined && end > file_.size())
    throw FormatError{FormatError::WholeFile, "the file is truncated: its header says " + std::to_string(end) + " bytes, it has " +
                      std::to_string(file_.size())};
}

void Reader::setSizes(unsigned offsets, unsigned lengths) {
  auto valid = [](unsigned n) { return n == 2 || n == 4 || n == 8; };
  if (!valid(offsets) || !valid(lengths)) malformed("its superblock declares addresses of an invalid width");
  offsetSize_ = int(offsets);
  lengthSize_ = int(lengths);
}

std::vector<Message> Reader::objectHeader(uint64_t address) {
  Cursor c = from(address, "an object header");
  std::vector<Message> messages;
  std::set<uint64_t> blocks{address};
  auto continuation = [&](Message &m, bool v2) {
    uint64_t where = m.body.address(), length = m.body.length();
    if (!blocks.insert(where).second) malformed("its object header continues into itself");
    Cursor block = at(where, length, "an object header continuation");
    if (v2) {
      block.expect("OCHK", "an object header continuation");
      if (block.remaining() < 4) malformed("an object header continuation is too short");
      return block.sub(block.remaining() - 4);
    }
    return block;
  };
  if (c.remaining() >= 4 && std::memcmp(c.position(), "OHDR", 4) == 0) {
    c.skip(4);
    if (c.u8() != 2) malformed("an object header has an unknown version");
    uint8_t flags = c.u8();
    if (flags & 0x20) c.skip(16);  // times
    if (flags & 0x10) c.skip(4);   // attribute storage thresholds
    uint64_t size = c.uint(size_t(1) << (flags & 3));
    std::vector<Cursor> pending{c.sub(size)};
    while (!pending.empty()) {
      Cursor block = pending.back();
      pending.pop_back();
      size_t header = flags & 0x04 ? 6 : 4;
      while (block.remaining() >= header) {
        Message m{block.u8(), 0, {}};
        uint16_t length = block.u16();
        m.flags = block.u8();
        if (flags & 0x04) block.skip(2);
        m.body = block.sub(length);
        if (m.type == 0x10) pending.push_back(continuation(m, true));
        else messages.push_back(m);
        if (messages.size() > kMaxMessages) malformed("an object header has more than a million messages");
      }
    }
    return messages;
  }
  if (c.u8() != 1) malformed("an object header has an unknown version");
  c.skip(1 + 2 + 4);  // reserved, message count, reference count
  uint64_t size = c.u32();
  c.skip(4);  // to the 8-byte alignment of the messages
  std::vector<Cursor> pending{c.sub(size)};
  while (!pending.empty()) {
    Cursor block = pending.back();
    pending.pop_back();
    while (block.remaining() >= 8) {
      Message m{block.u16(), 0, {}};
      uint16_t length = block.u16();
      m.flags = block.u8();
      block.skip(3);
      m.body = block.sub(length);
      if (m.type == 0x10) pending.push_back(continuation(m, false));
      else messages.push_back(m);
      if (messages.size() > kMaxMessages) malformed("an object header has more than a million messages");
    }
  }
  return messages;
}

const Message *Reader::find(const std::vector<Message> &messages, unsigned type) {
  for (const Message &m : messages)
    if (m.type == type) return &m;
  return nullptr;
}

bool Reader::isGroup(const std::vector<Message> &messages) {
  return find(messages, 0x11) || find(messages, 0x02) || find(messages, 0x06) || find(messages, 0x0A);
}

void Reader::unshared(const Message &m, const char *what) {
  if (m.flags & 0x02) unsupported(std::string(what) + " shared with other objects");
}

std::string Reader::localHeapName(Cursor heap, uint64_t offset) {
  if (offset >= heap.remaining()) malformed("a member's name lies outside its group's name heap");
  const uint8_t *p = heap.position() + offset;
  const uint8_t *end = static_cast<const uint8_t *>(std::memchr(p, 0, heap.remaining() - offset));
  if (!end) malformed("a member's name is not terminated");
  return std::string(reinterpret_cast<const char *>(p), reinterpret_cast<const char *>(end));
}

// An old-style group: a version 1 B-tree of symbol table nodes, names in a local heap.
void Reader::symbolTable(const Message &m, std::vector<Link> &links) {
  Cursor body = m.body;
  uint64_t tree = body.address(), heapAddress = body.address();
  Cursor heap = from(heapAddress, "a group's name heap");
  heap.expect("HEAP", "a group's name heap");
  if (heap.u8() != 0) malformed("a group's name heap has an unknown version");
  heap.skip(3);
  uint64_t segmentSize = heap.length();
  heap.length();  // free list
  Cursor names = at(heap.address(), segmentSize, "a group's name heap");
  btreeV1(tree, 0, uint64_t(lengthSize_), "a group's index", [&](Cursor, uint64_t node) { symbolNode(node, names, links); });
}

void Reader::btreeV1(uint64_t address, unsigned type, uint64_t keySize, const char *what,
                     const std::function<void(Cursor key, uint64_t child)> &leaf) {
  std::set<uint64_t> nodes;
  std::function<void(uint64_t, int)> walk = [&](uint64_t node, int level) {
    if (!nodes.insert(node).second) malformed(std::string(what) + " refers to one of its nodes twice");
    Cursor c = from(node, what);
    c.expect("TREE", what);
    if (c.u8() != type) malformed(std::string(what) + " holds something else");
    int nodeLevel = c.u8();
    if (level >= 0 && nodeLevel != level) malformed(std::string(what) + " has nodes at inconsistent levels");
    unsigned entries = c.u16();
    c.address();  // siblings
    c.address();
    for (unsigned i = 0; i < entries; ++i) {
      Cursor key = c.sub(keySize);
      uint64_t child = c.address();
      if (nodeLevel > 0) walk(child, nodeLevel - 1);
      else leaf(key, child);
    }
  };
  walk(address, -1);
}

void Reader::symbolNode(uint64_t address, Cursor names, std::vector<Link> &links) {
  Cursor c = from(address, "a group's symbol table node");
  c.expect("SNOD", "a group's symbol table node");
  if (c.u8() != 1) malformed("a group's symbol table node has an unknown version");
  c.skip(1);
  unsigned symbols = c.u16();
  for (unsigned i = 0; i < symbols; ++i) {
    Link link;
    link.name = localHeapName(names, c.uint(size_t(c.offsetSize())));
    link.address = c.address();
    uint32_t cache = c.u32();
    c.skip(4 + 16);
    if (cache == 2) link.kind = Link::Soft;  // a soft link: its target is in the scratch pad
    links.push_back(std::move(link));
    if (links.size() > kH5MaxObjects) malformed("a group has more than a million members");
  }
}

// A new-style group's link message.
Reader::Link Reader::linkMessage(Cursor c) {
  if (c.u8() != 1) malformed("a link has an unknown version");
  uint8_t flags = c.u8();
  unsigned type = flags & 0x08 ? c.u8() : 0;
  if (flags & 0x04) c.skip(8);  // creation order
  if (flags & 0x10) c.skip(1);  // character set
  uint64_t length = c.uint(size_t(1) << (flags & 3));
  Link link;
  link.name.assign(reinterpret_cast<const char *>(c.take(length)), length);
  if (type == 0) link.address = c.address();
  link.kind = type == 0 ? Link::Hard : type == 1 ? Link::Soft : type == 64 ? Link::External : Link::Other;
  return link;
}

void Reader::readGroup(const std::vector<Message> &messages, H5Node &node, int depth, const std::vector<std::string> &skip) {
  if (depth > kH5MaxDepth) malformed("groups are nested more than " + std::to_string(kH5MaxDepth) + " deep");
  readAttributes(messages, node);
  std::vector<Link> links;
  for (const Message &m : messages) {
    if (m.type == 0x11) symbolTable(m, links);
    if (m.type == 0x06) links.push_back(linkMessage(m.body));
    if (m.type == 0x02)
      for (Cursor object : denseObjects(m.body, 8, 5)) links.push_back(linkMessage(object));
  }
  std::sort(links.begin(), links.end(), [](const Link &a, const Link &b) { return a.name < b.name; });
  std::string path = where_;
  for (size_t i = 0; i < links.size(); ++i) {
    const Link &link = links[i];
    if (link.name.empty() || link.name.find('/') != std::string::npos || link.name.find('\0') != std::string::npos)
      malformed("a member's name is empty or holds a '/' or a NUL byte");
    if (i > 0 && links[i - 1].name == link.name) malformed("two members are named '" + link.name + "'");
    if (++objects_ > kH5MaxObjects) malformed("the file has more than a million objects");
    if (depth == 0 && std::find(skip.begin(), skip.end(), link.name) != skip.end()) continue;
    H5Node child;
    child.name = link.name;
    child.path = (node.path == "/" ? "" : node.path) + "/" + link.name;
    where_ = child.path;
    if (link.kind != Link::Hard) {
      child.dataset = true;
      child.unsupported = link.kind == Link::Soft ? "a link to another object" : "a link to another file";
    } else if (!visited_.insert(link.address).second) {  // a second link to an object: cycles end here
      child.dataset = true;
      child.unsupported = "a second link to an object already read";
    } else {
      std::vector<Message> childMessages = objectHeader(link.address);
      if (find(childMessages, 0x08)) {
        child.dataset = true;
        readDataset(childMessages, child);
      } else if (isGroup(childMessages)) {
        readGroup(childMessages, child, depth + 1, {});
      } else if (find(childMessages, 0x03)) {
        child.dataset = true;
        child.unsupported = "a named datatype, not values";
      } else {
        malformed("an object is neither a group nor a dataset");
      }
    }
    node.children.push_back(std::move(child));
    where_ = path;
  }
}

void Reader::readAttributes(const std::vector<Message> &messages, H5Node &node) {
  size_t count = 0;
  for (const Message &m : messages) {
    if (m.type == 0x15)
      for (Cursor object : denseObjects(m.body, 2, 8)) {
        if (++count > kH5MaxAttributes) malformed("an object has more than 100,000 attributes");
        attribute(object, node);
      }
    if (m.type != 0x0C) continue;
    if (++count > kH5MaxAttributes) malformed("an object has more than 100,000 attributes");
    attribute(m.body, node);
  }
}

void Reader::attribute(Cursor c, H5Node &node) {
  unsigned version = c.u8();
  if (version < 1 || version > 3) malformed("an attribute has an unknown version");
  uint8_t flags = c.u8();
  uint64_t nameSize = c.u16(), typeSize = c.u16(), spaceSize = c.u16();
  if (version >= 2 && (flags & 3)) unsupported("an attribute's type or shape shared with other objects");
  if (version == 3) c.skip(1);  // the name's character set
  auto padded = [version](uint64_t n) { return version == 1 ? (n + 7) / 8 * 8 : n; };
  Cursor name = c.sub(padded(nameSize));
  const char *chars = reinterpret_cast<const char *>(name.take(nameSize));
  std::string key(chars, std::find(chars, chars + nameSize, '\0'));
  Datatype type = datatype(c.sub(padded(typeSize)));
  Dataspace space = dataspace(c.sub(padded(spaceSize)));
  uint64_t count = elementCount(space, "attribute '" + key + "'");
  bool string = type.cls == 3 || (type.cls == 9 && type.variableString);
  if (!string) {
    if (count == 0) node.attributes[key] = {};  // h5py writes an empty list as an empty float array
    return;
  }
  std::vector<std::string> values;
  if (type.cls == 3) {
    if (type.size == 0 || count > c.remaining() / type.size) malformed("attribute '" + key + "' is shorter than its shape");
    for (uint64_t i = 0; i < count; ++i) values.push_back(fixedString(c.take(type.size), type));
  } else {
    uint64_t element = 4 + uint64_t(offsetSize_) + 4;
    if (count > c.remaining() / element) malformed("attribute '" + key + "' is shorter than its shape");
    for (uint64_t i = 0; i < count; ++i) values.push_back(variableString(c));
  }
  node.attributes[key] = std::move(values);
}

// As the HDF5 library converts a stored string to a null-padded one: up to
// the first NUL, trailing spaces dropped from a space-padded string.
std::string Reader::fixedString(const uint8_t *p, uint32_t size, unsigned padding) {
  const char *s = reinterpret_cast<const char *>(p);
  const char *end = std::find(s, s + size, '\0');
  if (padding == 2)
    while (end > s && end[-1] == ' ') --end;
  return std::string(s, end);
}

std::string Reader::variableString(Cursor &c) {
  uint32_t length = c.u32();
  uint64_t collection = c.address();
  uint32_t index = c.u32();
  if (length == 0) return "";
  auto &objects = globalHeap(collection);
  auto it = objects.find(uint16_t(index));
  if (index > 0xffff || it == objects.end()) malformed("a string refers to a missing object of the global heap");
  if (length > it->second.remaining()) malformed("a string is longer than its object in the global heap");
  return fixedString(it->second.position(), length, 1);
}

const std::map<uint16_t, Cursor> &Reader::globalHeap(uint64_t address) {
  auto found = globalHeaps_.find(address);
  if (found != globalHeaps_.end()) return found->second;
  if (globalHeaps_.size() > 100'000) malformed("strings refer to more than 100,000 global heaps");
  Cursor c = from(address, "a global heap");
  c.expect("GCOL", "a global heap");
  if (c.u8() != 1) malformed("a global heap has an unknown version");
  c.skip(3);
  uint64_t size = c.length();
  uint64_t header = 8 + uint64_t(lengthSize_);
  if (size < header) malformed("a global heap is shorter than its header");
  Cursor objects = at(address + header, size - header, "a global heap");
  std::map<uint16_t, Cursor> &out = globalHeaps_[address];
  while (objects.remaining() >= 8 + uint64_t(lengthSize_)) {
    uint16_t index = objects.u16();
    objects.skip(6);  // reference count, reserved
    uint64_t objectSize = objects.length();
    if (index == 0) break;  // free space: the rest of the collection
    Cursor data = objects.sub(objectSize);
    objects.skip(std::min<uint64_t>((8 - objectSize % 8) % 8, objects.remaining()));
    out.emplace(index, data);
  }
  return out;
}

}  // namespace kiln::hdf5

namespace kiln {

bool readHdf5(const std::string &path, const std::vector<std::string> &skip, bool values, const Hdf5Budget &budget,
              H5Node &root, std::string &error) {
  hdf5::MappedFile file;
  if (!file.open(path, error)) return false;
  hdf5::Reader reader(file, values, budget);
  try {
    reader.read(skip, root);
    return true;
  } catch (const hdf5::FormatError &e) {
    if (e.kind == hdf5::FormatError::WholeFile) {
      error = e.message;
    } else {
      error = (e.kind == hdf5::FormatError::Malformed ? "malformed HDF5 file: "
                                                      : "the HDF5 file uses a part of the format Kiln does not read: ") +
              e.message;
      if (!reader.where().empty()) error += " (at '" + reader.where() + "')";
    }
    return false;
  }
}

}  // namespace kiln
