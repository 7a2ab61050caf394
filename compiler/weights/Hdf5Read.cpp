// Kiln's own reader of the HDF5 file format, the part of it that Keras's
// files use (the HDF5 File Format Specification, version 3): superblocks 0-3,
// object headers 1 and 2, groups as symbol tables or link messages,
// compact, contiguous and chunked datasets (deflate, shuffle, fletcher32),
// fixed and variable-length string attributes. The HDF5 C library faults and
// loops on crafted files; this reader checks every address and length
// against the file, visits every object once and bounds every loop, so a
// malformed file is an error with a place. Features Keras never writes are
// errors that name them.
#include "weights/Hdf5.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <set>

namespace kiln {

namespace {

constexpr size_t kMaxMessages = 1'000'000;
constexpr uint64_t kUndefined = ~uint64_t(0);

// A malformed or unsupported structure: the message says what, the reader
// adds where.
struct FormatError {
  std::string message;
  bool wholeFile = false;  // about the file as a whole: no place to add
};
[[noreturn]] void malformed(const std::string &what) { throw FormatError{what}; }

// Little-endian reads from a range of the file, each checked against its end.
class Cursor {
public:
  Cursor() = default;
  Cursor(const uint8_t *begin, const uint8_t *end, int offsetSize, int lengthSize)
      : p_(begin), end_(end), offsetSize_(offsetSize), lengthSize_(lengthSize) {}
  uint64_t uint(size_t bytes) {
    const uint8_t *b = take(bytes);
    uint64_t v = 0;
    for (size_t i = bytes; i-- > 0;) v = v << 8 | b[i];
    return v;
  }
  uint8_t u8() { return uint8_t(uint(1)); }
  uint16_t u16() { return uint16_t(uint(2)); }
  uint32_t u32() { return uint32_t(uint(4)); }
  uint64_t u64() { return uint(8); }
  // An address or a length, in the widths the superblock declares; an
  // address of all ones is undefined.
  uint64_t address() {
    uint64_t v = uint(offsetSize_);
    return offsetSize_ < 8 && v == (uint64_t(1) << (8 * offsetSize_)) - 1 ? kUndefined : v;
  }
  uint64_t length() { return uint(lengthSize_); }
  const uint8_t *take(uint64_t n) {
    if (n > remaining()) malformed("a structure runs past its end");
    const uint8_t *b = p_;
    p_ += n;
    return b;
  }
  void skip(uint64_t n) { take(n); }
  Cursor sub(uint64_t n) {
    const uint8_t *b = take(n);
    return Cursor(b, b + n, offsetSize_, lengthSize_);
  }
  void expect(const char *signature, const char *what) {
    if (std::memcmp(take(4), signature, 4) != 0) malformed(std::string(what) + " lacks its signature");
  }
  uint64_t remaining() const { return uint64_t(end_ - p_); }
  const uint8_t *position() const { return p_; }
  int offsetSize() const { return offsetSize_; }

private:
  const uint8_t *p_ = nullptr, *end_ = nullptr;
  int offsetSize_ = 8, lengthSize_ = 8;
};

// The file, mapped read-only.
class MappedFile {
public:
  ~MappedFile() {
    if (data_ && data_ != MAP_FAILED) ::munmap(const_cast<uint8_t *>(data_), size_);
  }
  bool open(const std::string &path, std::string &error) {
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
  const uint8_t *data() const { return data_; }
  uint64_t size() const { return size_; }

private:
  const uint8_t *data_ = nullptr;
  uint64_t size_ = 0;
};

struct Message {
  unsigned type;
  uint8_t flags;
  Cursor body;
};

// A datatype message: what the reader needs of it.
struct Datatype {
  unsigned cls = 0, version = 0;
  uint32_t bits = 0;  // the class bit fields
  uint32_t size = 0;
  // Fixed-point and floating-point layouts.
  bool bigEndian = false, isSigned = false;
  uint16_t bitOffset = 0, precision = 0;
  uint8_t exponentLocation = 0, exponentSize = 0, mantissaLocation = 0, mantissaSize = 0, signLocation = 0;
  uint32_t exponentBias = 0;
  // Strings: padding (0 null-terminated, 1 null-padded, 2 space-padded);
  // a variable-length string keeps its data in the global heap.
  unsigned padding = 0;
  bool variableString = false;
};

struct Dataspace {
  bool null = false;
  std::vector<uint64_t> dims;  // empty: a scalar
};

struct Filter {
  uint16_t id;
  uint16_t flags;
  std::vector<uint32_t> values;
};

class Reader {
public:
  Reader(const MappedFile &file, bool values, const Hdf5Budget &budget)
      : file_(file), values_(values), budget_(budget) {}

  void read(const std::vector<std::string> &skip, H5Node &root) {
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

  const std::string &where() const { return where_; }

private:
  const MappedFile &file_;
  bool values_;
  Hdf5Budget budget_;
  uint64_t base_ = 0;
  int offsetSize_ = 8, lengthSize_ = 8;
  uint64_t floats_ = 0;
  size_t objects_ = 0;
  std::set<uint64_t> visited_;
  std::map<uint64_t, std::map<uint16_t, Cursor>> globalHeaps_;
  std::string where_;  // the path of the object being read

  // `length` bytes at `address` (relative to the superblock).
  Cursor at(uint64_t address, uint64_t length, const char *what) {
    if (address == kUndefined || address > file_.size() - std::min(base_, file_.size()) ||
        length > file_.size() - base_ - address)
      malformed(std::string(what) + " lies outside the file");
    const uint8_t *p = file_.data() + base_ + address;
    return Cursor(p, p + length, offsetSize_, lengthSize_);
  }
  // From `address` to the end of the file.
  Cursor from(uint64_t address, const char *what) {
    if (address == kUndefined || address >= file_.size() - std::min(base_, file_.size()))
      malformed(std::string(what) + " lies outside the file");
    return at(address, file_.size() - base_ - address, what);
  }

  // ---- superblock

  uint64_t superblock() {
    static const uint8_t signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    uint64_t position = 0;
    for (;; position = position ? position * 2 : 512) {
      if (position + 8 > file_.size()) throw FormatError{"not an HDF5 file (no HDF5 signature); is it truncated or corrupt?", true};
      if (std::memcmp(file_.data() + position, signature, 8) == 0) break;
    }
    base_ = position;  // addresses count from the superblock (a user block may precede it)
    Cursor c = from(0, "the superblock");
    c.skip(8);
    unsigned version = c.u8();
    if (version > 3) malformed("its superblock has version " + std::to_string(version) + ", which Kiln does not read");
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
  void checkEnd(uint64_t end) {
    if (end != kUndefined && end > file_.size())
      throw FormatError{"the file is truncated: its header says " + std::to_string(end) + " bytes, it has " +
                        std::to_string(file_.size()), true};
  }

  void setSizes(unsigned offsets, unsigned lengths) {
    auto valid = [](unsigned n) { return n == 2 || n == 4 || n == 8; };
    if (!valid(offsets) || !valid(lengths)) malformed("its superblock declares addresses of an invalid width");
    offsetSize_ = int(offsets);
    lengthSize_ = int(lengths);
  }

  // ---- object headers

  std::vector<Message> objectHeader(uint64_t address) {
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

  static const Message *find(const std::vector<Message> &messages, unsigned type) {
    for (const Message &m : messages)
      if (m.type == type) return &m;
    return nullptr;
  }
  static bool isGroup(const std::vector<Message> &messages) {
    return find(messages, 0x11) || find(messages, 0x02) || find(messages, 0x06) || find(messages, 0x0A);
  }
  static void unshared(const Message &m, const char *what) {
    if (m.flags & 0x02) malformed(std::string(what) + " is shared with other objects, which Kiln does not read");
  }

  // ---- groups

  struct Link {
    std::string name;
    enum Kind { Hard, Soft, External, Other } kind = Hard;
    uint64_t address = kUndefined;
  };

  std::string localHeapName(Cursor heap, uint64_t offset) {
    if (offset >= heap.remaining()) malformed("a member's name lies outside its group's name heap");
    const uint8_t *p = heap.position() + offset;
    const uint8_t *end = static_cast<const uint8_t *>(std::memchr(p, 0, heap.remaining() - offset));
    if (!end) malformed("a member's name is not terminated");
    return std::string(reinterpret_cast<const char *>(p), reinterpret_cast<const char *>(end));
  }

  // An old-style group: a version 1 B-tree of symbol table nodes, names in a local heap.
  void symbolTable(const Message &m, std::vector<Link> &links) {
    Cursor body = m.body;
    uint64_t tree = body.address(), heapAddress = body.address();
    Cursor heap = from(heapAddress, "a group's name heap");
    heap.expect("HEAP", "a group's name heap");
    if (heap.u8() != 0) malformed("a group's name heap has an unknown version");
    heap.skip(3);
    uint64_t segmentSize = heap.length();
    heap.length();  // free list
    Cursor names = at(heap.address(), segmentSize, "a group's name heap");
    std::set<uint64_t> nodes;
    groupNode(tree, -1, names, nodes, links);
  }

  void groupNode(uint64_t address, int level, Cursor names, std::set<uint64_t> &nodes, std::vector<Link> &links) {
    if (!nodes.insert(address).second) malformed("a group's index refers to one of its nodes twice");
    Cursor c = from(address, "a group's index node");
    c.expect("TREE", "a group's index node");
    if (c.u8() != 0) malformed("a group's index holds something other than group members");
    int nodeLevel = c.u8();
    if (level >= 0 && nodeLevel != level) malformed("a group's index has nodes at inconsistent levels");
    unsigned entries = c.u16();
    c.address();  // siblings
    c.address();
    for (unsigned i = 0; i < entries; ++i) {
      c.length();  // the key: a name's offset
      uint64_t child = c.address();
      if (nodeLevel > 0) groupNode(child, nodeLevel - 1, names, nodes, links);
      else symbolNode(child, names, links);
    }
  }

  void symbolNode(uint64_t address, Cursor names, std::vector<Link> &links) {
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
  Link linkMessage(Cursor c) {
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

  void readGroup(const std::vector<Message> &messages, H5Node &node, int depth, const std::vector<std::string> &skip) {
    if (depth > kH5MaxDepth) malformed("groups are nested more than " + std::to_string(kH5MaxDepth) + " deep");
    readAttributes(messages, node);
    std::vector<Link> links;
    for (const Message &m : messages) {
      if (m.type == 0x11) symbolTable(m, links);
      if (m.type == 0x06) links.push_back(linkMessage(m.body));
      if (m.type == 0x02) {
        Cursor info = m.body;
        if (info.u8() != 0) malformed("a group's link information has an unknown version");
        if (info.u8() & 1) info.skip(8);
        uint64_t heap = info.address(), index = info.address();
        if (heap != kUndefined)
          for (Cursor object : denseObjects(heap, index, 5)) links.push_back(linkMessage(object));
      }
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

  // ---- dense storage: links or attributes as objects of a fractal heap,
  // named by the records of a version 2 B-tree

  struct FractalHeap {
    uint64_t address;
    unsigned idLength, width, maxHeapBits, startRows, rows;
    uint64_t startBlock, maxDirectBlock, root;
    unsigned offsetBytes, lengthBytes;  // of a managed object's heap ID
    std::vector<std::pair<uint64_t, Cursor>> directBlocks;  // heap offset, the block
  };

  static unsigned log2Floor(uint64_t n) { return n ? 63 - unsigned(std::countl_zero(n)) : 0; }
  static unsigned bytesFor(uint64_t n) { return log2Floor(n) / 8 + 1; }

  FractalHeap fractalHeap(uint64_t address) {
    Cursor c = from(address, "a fractal heap");
    c.expect("FRHP", "a fractal heap");
    if (c.u8() != 0) malformed("a fractal heap has an unknown version");
    FractalHeap h{};
    h.address = address;
    h.idLength = c.u16();
    unsigned filterLength = c.u16();
    c.skip(1);  // flags
    uint32_t maxManaged = c.u32();
    c.length();   // next huge object ID
    c.address();  // huge objects' B-tree
    c.length();   // free space
    c.address();  // free space manager
    for (int i = 0; i < 8; ++i) c.length();  // managed, allocated, iterator, counts and sizes
    h.width = c.u16();
    h.startBlock = c.length();
    h.maxDirectBlock = c.length();
    h.maxHeapBits = c.u16();
    h.startRows = c.u16();
    h.root = c.address();
    h.rows = c.u16();
    if (filterLength) malformed("a fractal heap is compressed, which Kiln does not read");
    bool power = std::has_single_bit(h.startBlock) && std::has_single_bit(h.maxDirectBlock) &&
                 std::has_single_bit(uint64_t(h.width));
    if (!power || h.startBlock > h.maxDirectBlock || h.maxHeapBits < 1 || h.maxHeapBits > 64 || h.rows > 64 ||
        h.maxDirectBlock > (uint64_t(1) << 32))
      malformed("a fractal heap has an invalid block table");
    h.offsetBytes = (h.maxHeapBits + 7) / 8;
    h.lengthBytes = std::min(bytesFor(h.maxDirectBlock), bytesFor(maxManaged));
    if (h.rows == 0) {
      h.directBlocks.emplace_back(0, directBlock(h.root, h.startBlock));
    } else {
      std::set<uint64_t> blocks;
      indirectBlock(h, h.root, 0, h.rows, blocks);
    }
    return h;
  }

  uint64_t rowBlockSize(const FractalHeap &h, unsigned row) {
    return row < 2 ? h.startBlock : h.startBlock << std::min(row - 1, 63u);
  }

  Cursor directBlock(uint64_t address, uint64_t size) {
    Cursor block = at(address, size, "a fractal heap's block");
    Cursor c = block;
    c.expect("FHDB", "a fractal heap's block");
    return block;
  }

  void indirectBlock(FractalHeap &h, uint64_t address, uint64_t offset, unsigned rows, std::set<uint64_t> &blocks) {
    if (!blocks.insert(address).second) malformed("a fractal heap refers to one of its blocks twice");
    Cursor c = from(address, "a fractal heap's indirect block");
    c.expect("FHIB", "a fractal heap's indirect block");
    c.skip(1);
    c.address();
    c.uint(h.offsetBytes);
    unsigned directRows = log2Floor(h.maxDirectBlock) - log2Floor(h.startBlock) + 2;
    for (unsigned row = 0; row < rows; ++row) {
      uint64_t size = rowBlockSize(h, row);
      for (unsigned col = 0; col < h.width; ++col, offset += size) {
        uint64_t child = c.address();
        if (child == kUndefined) continue;
        if (h.directBlocks.size() + blocks.size() > 1'000'000) malformed("a fractal heap has more than a million blocks");
        if (row < directRows) {
          h.directBlocks.emplace_back(offset, directBlock(child, size));
        } else {
          unsigned childRows = log2Floor(size) - log2Floor(h.startBlock * h.width) + 1;
          if (childRows >= rows) malformed("a fractal heap's indirect blocks do not shrink");
          indirectBlock(h, child, offset, childRows, blocks);
        }
      }
    }
  }

  // The object a heap ID names.
  Cursor heapObject(const FractalHeap &h, Cursor id) {
    uint8_t kind = id.u8();
    if ((kind & 0xc0) != 0) malformed("a fractal heap ID has an unknown version");
    if ((kind & 0x30) == 0x20) return id.sub(std::min<uint64_t>((kind & 0x0f) + 1u, id.remaining()));  // tiny: in the ID
    if ((kind & 0x30) != 0) malformed("an object of a fractal heap is stored apart (a huge object), which Kiln does not read");
    uint64_t offset = id.uint(h.offsetBytes), length = id.uint(h.lengthBytes);
    auto block = std::upper_bound(h.directBlocks.begin(), h.directBlocks.end(), offset,
                                  [](uint64_t o, const auto &b) { return o < b.first; });
    if (block == h.directBlocks.begin()) malformed("an object lies outside its fractal heap");
    --block;
    Cursor c = block->second;
    uint64_t within = offset - block->first;
    if (within > c.remaining() || length > c.remaining() - within) malformed("an object lies outside its fractal heap's block");
    c.skip(within);
    return c.sub(length);
  }

  // The objects named by every record of the B-tree at `index` (records of
  // `type`: 5 links by name, 8 attributes by name).
  std::vector<Cursor> denseObjects(uint64_t heapAddress, uint64_t index, unsigned type) {
    FractalHeap heap = fractalHeap(heapAddress);
    std::sort(heap.directBlocks.begin(), heap.directBlocks.end(),
              [](const auto &a, const auto &b) { return a.first < b.first; });
    Cursor c = from(index, "a B-tree of names");
    c.expect("BTHD", "a B-tree of names");
    if (c.u8() != 0 || c.u8() != type) malformed("a B-tree of names has an unknown version or type");
    uint32_t nodeSize = c.u32();
    unsigned recordSize = c.u16(), depth = c.u16();
    c.skip(2);
    uint64_t root = c.address();
    unsigned rootRecords = c.u16();
    unsigned idOffset = type == 5 ? 4 : 0;
    if (recordSize < idOffset + heap.idLength || nodeSize < 10 + recordSize || depth > 32)
      malformed("a B-tree of names has invalid sizes");
    // The widths of an internal node's record counts, as the HDF5 library derives them.
    std::vector<uint64_t> cumulative{(nodeSize - 10) / recordSize};
    std::vector<unsigned> cumulativeBytes{0};
    unsigned countBytes = bytesFor(cumulative[0]);
    for (unsigned d = 1; d <= depth; ++d) {
      uint64_t pointer = uint64_t(offsetSize_) + countBytes + (d > 1 ? cumulativeBytes[d - 1] : 0);
      if (nodeSize < 10 + pointer) malformed("a B-tree of names has invalid sizes");
      uint64_t most = (nodeSize - 10 - pointer) / (recordSize + pointer);
      cumulative.push_back(std::min<uint64_t>((most + 1) * cumulative[d - 1] + most, uint64_t(1) << 48));
      cumulativeBytes.push_back(bytesFor(cumulative[d]));
    }
    std::vector<Cursor> objects;
    std::set<uint64_t> nodes;
    std::function<void(uint64_t, unsigned, unsigned)> walk = [&](uint64_t address, unsigned records, unsigned d) {
      if (!nodes.insert(address).second) malformed("a B-tree of names refers to one of its nodes twice");
      Cursor node = at(address, nodeSize, "a B-tree node");
      node.expect(d ? "BTIN" : "BTLF", "a B-tree node");
      node.skip(2);
      for (unsigned r = 0; r < records; ++r) {
        Cursor record = node.sub(recordSize);
        record.skip(idOffset);
        objects.push_back(heapObject(heap, record.sub(heap.idLength)));
        if (objects.size() > kH5MaxObjects) malformed("a B-tree of names has more than a million records");
      }
      if (d == 0) return;
      for (unsigned r = 0; r <= records; ++r) {
        uint64_t child = node.address();
        uint64_t childRecords = node.uint(countBytes);
        if (d > 1) node.uint(cumulativeBytes[d - 1]);
        if (childRecords > cumulative[0]) malformed("a B-tree node has more records than fit in it");
        walk(child, unsigned(childRecords), d - 1);
      }
    };
    if (root != kUndefined && rootRecords > 0) walk(root, rootRecords, depth);
    return objects;
  }

  // ---- datatypes and dataspaces

  Datatype datatype(Cursor c) {
    Datatype t;
    uint8_t classAndVersion = c.u8();
    t.cls = classAndVersion & 15;
    t.version = classAndVersion >> 4;
    t.bits = uint32_t(c.uint(3));
    t.size = c.u32();
    switch (t.cls) {
    case 0:  // fixed-point
      t.bigEndian = t.bits & 1;
      t.isSigned = t.bits & 8;
      t.bitOffset = c.u16();
      t.precision = c.u16();
      break;
    case 1:  // floating-point
      t.bigEndian = t.bits & 1;
      if (t.bits & 0x40) malformed("a floating-point type has VAX byte order, which Kiln does not read");
      if (((t.bits >> 4) & 3) != 2) malformed("a floating-point type has no implied leading bit, which Kiln does not read");
      t.signLocation = uint8_t(t.bits >> 8);
      t.bitOffset = c.u16();
      t.precision = c.u16();
      t.exponentLocation = c.u8();
      t.exponentSize = c.u8();
      t.mantissaLocation = c.u8();
      t.mantissaSize = c.u8();
      t.exponentBias = c.u32();
      break;
    case 3:  // string
      t.padding = t.bits & 15;
      break;
    case 9:  // variable-length: a string or a sequence
      t.variableString = (t.bits & 15) == 1;
      t.padding = (t.bits >> 4) & 15;
      break;
    default:
      break;
    }
    return t;
  }

  Dataspace dataspace(Cursor c) {
    Dataspace s;
    unsigned version = c.u8();
    if (version != 1 && version != 2) malformed("a dataspace has an unknown version");
    unsigned rank = c.u8();
    uint8_t flags = c.u8();
    if (rank > kH5MaxRank) malformed("a dataspace has more than 32 dimensions");
    if (version == 1) {
      c.skip(5);
    } else {
      unsigned type = c.u8();
      if (type > 2) malformed("a dataspace has an unknown type");
      s.null = type == 2;
    }
    for (unsigned i = 0; i < rank; ++i) s.dims.push_back(c.length());
    (void)flags;  // maximum sizes and permutations follow; a reader needs neither
    return s;
  }

  // The number of elements, bounded so that products cannot overflow.
  uint64_t elementCount(const Dataspace &s, const std::string &what) {
    uint64_t count = 1;
    for (uint64_t d : s.dims) {
      if (d > (uint64_t(1) << 40) || (d && count > (uint64_t(1) << 40) / d))
        malformed(what + " declares more values than any model has");
      count *= d;
    }
    return s.null ? 0 : count;
  }

  // ---- attributes

  void readAttributes(const std::vector<Message> &messages, H5Node &node) {
    size_t count = 0;
    for (const Message &m : messages) {
      if (m.type == 0x15) {
        Cursor info = m.body;
        if (info.u8() != 0) malformed("an object's attribute information has an unknown version");
        if (info.u8() & 1) info.skip(2);
        uint64_t heap = info.address(), index = info.address();
        if (heap != kUndefined)
          for (Cursor object : denseObjects(heap, index, 8)) {
            if (++count > kH5MaxAttributes) malformed("an object has more than 100,000 attributes");
            attribute(object, node);
          }
      }
      if (m.type != 0x0C) continue;
      if (++count > kH5MaxAttributes) malformed("an object has more than 100,000 attributes");
      attribute(m.body, node);
    }
  }

  void attribute(Cursor c, H5Node &node) {
    unsigned version = c.u8();
    if (version < 1 || version > 3) malformed("an attribute has an unknown version");
    uint8_t flags = c.u8();
    uint64_t nameSize = c.u16(), typeSize = c.u16(), spaceSize = c.u16();
    if (version >= 2 && (flags & 3)) malformed("an attribute's type or shape is shared, which Kiln does not read");
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
  static std::string fixedString(const uint8_t *p, uint32_t size, unsigned padding) {
    const char *s = reinterpret_cast<const char *>(p);
    const char *end = std::find(s, s + size, '\0');
    if (padding == 2)
      while (end > s && end[-1] == ' ') --end;
    return std::string(s, end);
  }
  static std::string fixedString(const uint8_t *p, const Datatype &t) { return fixedString(p, t.size, t.padding); }

  std::string variableString(Cursor &c) {
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

  const std::map<uint16_t, Cursor> &globalHeap(uint64_t address) {
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

  // ---- datasets

  void readDataset(const std::vector<Message> &messages, H5Node &node) {
    readAttributes(messages, node);
    const Message *typeMessage = find(messages, 0x03), *spaceMessage = find(messages, 0x01);
    const Message *layoutMessage = find(messages, 0x08);
    if (!typeMessage || !spaceMessage) malformed("a dataset lacks its type or its shape");
    unshared(*typeMessage, "a dataset's type");
    unshared(*spaceMessage, "a dataset's shape");
    Datatype type = datatype(typeMessage->body);
    if (type.cls != 0 && type.cls != 1) {
      node.unsupported = type.cls == 3 || (type.cls == 9 && type.variableString) ? "strings"
                         : type.cls == 8                                        ? "an enumeration (booleans)"
                                                                                : "a non-numeric type";
      return;
    }
    Dataspace space = dataspace(spaceMessage->body);
    if (space.null) {
      node.unsupported = "no values (an empty dataspace)";
      return;
    }
    uint64_t count = elementCount(space, "dataset '" + node.path + "'");
    for (uint64_t d : space.dims) node.shape.push_back(int64_t(d));
    checkNumeric(type);
    Cursor layout = layoutMessage->body;
    unsigned version = layout.u8();
    if (version < 3 || version > 4)
      malformed("a dataset's layout has version " + std::to_string(version) + ", which Kiln does not read");
    unsigned layoutClass = layout.u8();
    if (layoutClass == 3) {
      node.unsupported = "values stored in other datasets (a virtual dataset)";
      return;
    }
    if (find(messages, 0x07)) {
      node.unsupported = "values stored in another file (external storage)";
      return;
    }
    std::vector<uint8_t> bytes;
    const uint8_t *raw = nullptr;
    uint64_t rawSize = 0;
    if (layoutClass == 0) {
      rawSize = layout.u16();
      raw = layout.take(rawSize);
    } else if (layoutClass == 1) {
      uint64_t address = layout.address();
      rawSize = layout.length();
      if (count > 0 && address == kUndefined) malformed("dataset '" + node.path + "' has no stored values");
      if (count > 0) raw = at(address, rawSize, "a dataset's values").position();
    } else if (layoutClass == 2) {
      if (count > 0) {
        chunked(layout, version, space, type, messages, node, bytes);
        raw = bytes.data();
        rawSize = bytes.size();
      }
    } else {
      malformed("a dataset's layout has an unknown class");
    }
    if (count > 0 && rawSize / type.size < count)
      malformed("dataset '" + node.path + "' stores fewer values than its shape needs");
    if (!values_) return;
    floats_ += count;
    if (floats_ > budget_.maxFloats)
      malformed("the file's datasets declare more values than its size can hold (at '" + node.path + "')");
    node.data.resize(count);
    for (uint64_t i = 0; i < count; ++i) node.data[i] = toFloat(raw + i * type.size, type);
  }

  static void checkNumeric(const Datatype &t) {
    if (t.cls == 0) {
      if ((t.size != 1 && t.size != 2 && t.size != 4 && t.size != 8) || t.bitOffset != 0 || t.precision != 8 * t.size)
        malformed("a dataset has an integer type Kiln does not read (" + std::to_string(t.precision) + " bits in " +
                  std::to_string(t.size) + " bytes)");
      return;
    }
    bool fields = t.size >= 1 && t.size <= 8 && t.precision >= 2 && uint32_t(t.bitOffset) + t.precision <= 8 * t.size &&
                  t.exponentSize >= 1 && t.exponentSize <= 16 && t.mantissaSize >= 1 && t.mantissaSize <= 63 &&
                  uint32_t(t.exponentLocation) + t.exponentSize <= t.precision &&
                  uint32_t(t.mantissaLocation) + t.mantissaSize <= t.precision && t.signLocation < t.precision;
    if (!fields) malformed("a dataset has a floating-point type whose fields do not fit its size");
  }

  // One element as float32, as the HDF5 library converts it to the native
  // float (the nearest value; out of range: infinity).
  static float toFloat(const uint8_t *p, const Datatype &t) {
    uint64_t bits = 0;
    for (uint32_t i = 0; i < t.size; ++i) bits |= uint64_t(p[t.bigEndian ? t.size - 1 - i : i]) << (8 * i);
    if (t.cls == 0) {
      if (!t.isSigned) return float(bits);
      unsigned shift = 64 - 8 * t.size;
      return float(int64_t(bits << shift) >> shift);
    }
    if (t.size == 4 && t.signLocation == 31 && t.exponentSize == 8 && t.mantissaSize == 23 && t.bitOffset == 0 &&
        t.mantissaLocation == 0 && t.exponentLocation == 23 && t.exponentBias == 127)
      return std::bit_cast<float>(uint32_t(bits));
    if (t.size == 8 && t.signLocation == 63 && t.exponentSize == 11 && t.mantissaSize == 52 && t.bitOffset == 0 &&
        t.mantissaLocation == 0 && t.exponentLocation == 52 && t.exponentBias == 1023)
      return float(std::bit_cast<double>(bits));
    // Other IEEE-like layouts (float16, bfloat16): from the fields.
    auto field = [bits](unsigned location, unsigned size) { return (bits >> location) & ((uint64_t(1) << size) - 1); };
    bool negative = (bits >> t.signLocation) & 1;
    uint64_t exponent = field(t.exponentLocation, t.exponentSize);
    uint64_t mantissa = field(t.mantissaLocation, t.mantissaSize);
    double value;
    if (exponent == (uint64_t(1) << t.exponentSize) - 1)
      value = mantissa ? std::nan("") : INFINITY;
    else if (exponent == 0)
      value = std::ldexp(double(mantissa), 1 - int(t.exponentBias) - t.mantissaSize);
    else
      value = std::ldexp(double(mantissa | uint64_t(1) << t.mantissaSize), int(exponent) - int(t.exponentBias) - t.mantissaSize);
    return float(negative ? -value : value);
  }

  std::vector<Filter> filters(const std::vector<Message> &messages) {
    std::vector<Filter> out;
    const Message *m = find(messages, 0x0B);
    if (!m) return out;
    Cursor c = m->body;
    unsigned version = c.u8(), count = c.u8();
    if (version != 1 && version != 2) malformed("a dataset's filter pipeline has an unknown version");
    if (version == 1) c.skip(6);
    for (unsigned i = 0; i < count; ++i) {
      Filter f;
      f.id = c.u16();
      uint16_t nameLength = version == 1 || f.id >= 256 ? c.u16() : 0;
      f.flags = c.u16();
      unsigned values = c.u16();
      c.skip(version == 1 ? (nameLength + 7) / 8 * 8 : nameLength);
      for (unsigned k = 0; k < values; ++k) f.values.push_back(c.u32());
      if (version == 1 && values % 2) c.skip(4);
      if (f.id != 1 && f.id != 2 && f.id != 3)
        malformed("a dataset is compressed with HDF5 filter " + std::to_string(f.id) +
                  "; Kiln reads deflate (gzip), shuffle and fletcher32");
      out.push_back(std::move(f));
    }
    return out;
  }

  // A chunked dataset's values, gathered from its chunks (B-tree version 1
  // index, or the single chunk of layout version 4) into `out`.
  void chunked(Cursor layout, unsigned version, const Dataspace &space, const Datatype &type,
               const std::vector<Message> &messages, const H5Node &node, std::vector<uint8_t> &out) {
    std::vector<uint64_t> chunk;
    uint64_t indexAddress;
    unsigned indexType = 0;
    uint64_t singleSize = 0;
    uint32_t singleMask = 0;
    std::vector<Filter> pipeline = filters(messages);
    if (version == 3) {
      unsigned dims = layout.u8();
      indexAddress = layout.address();
      for (unsigned i = 0; i < dims; ++i) chunk.push_back(layout.u32());
    } else {
      uint8_t flags = layout.u8();
      unsigned dims = layout.u8(), width = layout.u8();
      if (width < 1 || width > 8) malformed("a dataset's chunk sizes have an invalid width");
      for (unsigned i = 0; i < dims; ++i) chunk.push_back(layout.uint(width));
      indexType = layout.u8();
      if (indexType != 1)
        malformed("a dataset indexes its chunks in a way of HDF5 1.10's format that Kiln does not read (type " +
                  std::to_string(indexType) + ")");
      if (flags & 2) {
        singleSize = layout.length();
        singleMask = layout.u32();
      }
      indexAddress = layout.address();
    }
    if (indexAddress == kUndefined) malformed("dataset '" + node.path + "' has no stored values");
    size_t rank = space.dims.size();
    if (chunk.size() != rank + 1 || chunk[rank] != type.size) malformed("a dataset's chunks do not match its shape");
    uint64_t chunkElements = 1;
    for (size_t d = 0; d < rank; ++d) {
      if (chunk[d] == 0 || chunk[d] > (uint64_t(1) << 32)) malformed("a dataset's chunk has an invalid size");
      chunkElements *= chunk[d];
      if (chunkElements > (uint64_t(1) << 32)) malformed("a dataset's chunks are larger than 4 G values");
    }
    uint64_t count = elementCount(space, "dataset '" + node.path + "'");
    if (count > budget_.maxFloats) malformed("dataset '" + node.path + "' declares more values than the file can hold");
    out.assign(count * type.size, 0);
    std::vector<bool> filled(count, false);
    uint64_t done = 0;
    auto place = [&](const std::vector<uint64_t> &origin, uint64_t address, uint64_t size, uint32_t mask) {
      for (size_t d = 0; d < rank; ++d)
        if (origin[d] % chunk[d] || origin[d] >= space.dims[d]) malformed("a dataset's chunk lies outside its shape");
      std::vector<uint8_t> data = unfilter(at(address, size, "a dataset's chunk"), pipeline, mask,
                                           chunkElements * type.size, type.size);
      // Copy each element of the chunk that lies inside the dataset.
      std::vector<uint64_t> index(rank, 0);
      for (uint64_t e = 0; e < chunkElements; ++e) {
        uint64_t target = 0;
        bool inside = true;
        for (size_t d = 0; d < rank; ++d) {
          uint64_t position = origin[d] + index[d];
          inside = inside && position < space.dims[d];
          target = target * space.dims[d] + position;
        }
        if (inside) {
          if (filled[target]) malformed("two chunks of a dataset overlap");
          filled[target] = true;
          ++done;
          std::memcpy(out.data() + target * type.size, data.data() + e * type.size, type.size);
        }
        for (size_t d = rank; d-- > 0;) {
          if (++index[d] < chunk[d]) break;
          index[d] = 0;
        }
      }
    };
    if (version == 4) {
      uint64_t size = singleSize ? singleSize : chunkElements * type.size;
      place(std::vector<uint64_t>(rank, 0), indexAddress, size, singleMask);
    } else {
      std::set<uint64_t> nodes;
      chunkNode(indexAddress, -1, rank, nodes, place);
    }
    if (done != count) malformed("dataset '" + node.path + "' does not store all its values");
  }

  template <typename Place>
  void chunkNode(uint64_t address, int level, size_t rank, std::set<uint64_t> &nodes, Place &place) {
    if (!nodes.insert(address).second) malformed("a dataset's chunk index refers to one of its nodes twice");
    Cursor c = from(address, "a dataset's chunk index");
    c.expect("TREE", "a dataset's chunk index");
    if (c.u8() != 1) malformed("a dataset's chunk index holds something other than chunks");
    int nodeLevel = c.u8();
    if (level >= 0 && nodeLevel != level) malformed("a dataset's chunk index has nodes at inconsistent levels");
    unsigned entries = c.u16();
    c.address();  // siblings
    c.address();
    for (unsigned i = 0; i < entries; ++i) {
      uint32_t size = c.u32(), mask = c.u32();
      std::vector<uint64_t> origin;
      for (size_t d = 0; d <= rank; ++d) origin.push_back(c.u64());
      uint64_t child = c.address();
      if (nodeLevel > 0) chunkNode(child, nodeLevel - 1, rank, nodes, place);
      else place(origin, child, size, mask);
    }
  }

  // A chunk's stored bytes through the filters in reverse, each skipped
  // when its bit in `mask` is set; the result must be the chunk's size.
  static std::vector<uint8_t> unfilter(Cursor stored, const std::vector<Filter> &pipeline, uint32_t mask,
                                       uint64_t chunkBytes, uint32_t elementSize) {
    std::vector<uint8_t> data(stored.position(), stored.position() + stored.remaining());
    for (size_t i = pipeline.size(); i-- > 0;) {
      if (i < 32 && (mask >> i) & 1) continue;
      const Filter &f = pipeline[i];
      if (f.id == 1) {
        std::vector<uint8_t> inflated(chunkBytes);
        uLongf length = uLongf(chunkBytes);
        if (::uncompress(inflated.data(), &length, data.data(), uLong(data.size())) != Z_OK)
          malformed("a dataset's chunk does not inflate to its size");
        inflated.resize(length);
        data = std::move(inflated);
      } else if (f.id == 2) {
        uint32_t size = f.values.empty() ? elementSize : f.values[0];
        if (size > 1 && data.size() % size == 0) {
          std::vector<uint8_t> plain(data.size());
          size_t n = data.size() / size;
          for (size_t b = 0; b < size; ++b)
            for (size_t e = 0; e < n; ++e) plain[e * size + b] = data[b * n + e];
          data = std::move(plain);
        }
      } else {
        if (data.size() < 4) malformed("a dataset's chunk is shorter than its checksum");
        data.resize(data.size() - 4);
      }
    }
    if (data.size() != chunkBytes) malformed("a dataset's chunk is not the size of a chunk");
    return data;
  }
};

}  // namespace

bool readHdf5(const std::string &path, const std::vector<std::string> &skip, bool values, const Hdf5Budget &budget,
              H5Node &root, std::string &error) {
  MappedFile file;
  if (!file.open(path, error)) return false;
  Reader reader(file, values, budget);
  try {
    reader.read(skip, root);
    return true;
  } catch (const FormatError &e) {
    if (e.wholeFile) {
      error = e.message;
    } else {
      error = "malformed HDF5 file: " + e.message;
      if (!reader.where().empty()) error += " (at '" + reader.where() + "')";
    }
    return false;
  }
}

}  // namespace kiln
