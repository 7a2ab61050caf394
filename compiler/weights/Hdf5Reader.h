// The classes of Kiln's HDF5 reader (Hdf5Read.cpp: the file, its object
// headers, groups and attributes; Hdf5Dense.cpp: fractal heaps and version 2
// B-trees; Hdf5Dataset.cpp: types, shapes and values).
#pragma once

#include "weights/Hdf5.h"

#include <bit>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace kiln::hdf5 {

constexpr size_t kMaxMessages = 1'000'000;
constexpr uint64_t kUndefined = ~uint64_t(0);

// A malformed structure, or a part of the format Kiln does not read: the
// message says what, the reader adds where.
struct FormatError {
  enum Kind { Malformed, Unsupported, WholeFile } kind;
  std::string message;
};
[[noreturn]] inline void malformed(const std::string &what) { throw FormatError{FormatError::Malformed, what}; }
[[noreturn]] inline void unsupported(const std::string &what) { throw FormatError{FormatError::Unsupported, what}; }

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
  ~MappedFile();
  bool open(const std::string &path, std::string &error);
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
  unsigned cls = 0;
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

  void read(const std::vector<std::string> &skip, H5Node &root);
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

  Cursor at(uint64_t address, uint64_t length, const char *what);
  Cursor from(uint64_t address, const char *what);

  // ---- superblock

  uint64_t superblock();
  void checkEnd(uint64_t end);
  void setSizes(unsigned offsets, unsigned lengths);

  // ---- object headers

  std::vector<Message> objectHeader(uint64_t address);
  // Walks a version 1 B-tree of `type` (0: group members, 1: chunks) with
  // keys of `keySize` bytes, calling `leaf` for each entry of its leaves.
  void btreeV1(uint64_t address, unsigned type, uint64_t keySize, const char *what,
               const std::function<void(Cursor key, uint64_t child)> &leaf);
  static const Message *find(const std::vector<Message> &messages, unsigned type);
  static bool isGroup(const std::vector<Message> &messages);
  static void unshared(const Message &m, const char *what);

  // ---- groups

  struct Link {
    std::string name;
    enum Kind { Hard, Soft, External, Other } kind = Hard;
    uint64_t address = kUndefined;
  };
  std::string localHeapName(Cursor heap, uint64_t offset);
  void symbolTable(const Message &m, std::vector<Link> &links);
  void symbolNode(uint64_t address, Cursor names, std::vector<Link> &links);
  Link linkMessage(Cursor c);
  void readGroup(const std::vector<Message> &messages, H5Node &node, int depth, const std::vector<std::string> &skip);

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

  FractalHeap fractalHeap(uint64_t address);
  uint64_t rowBlockSize(const FractalHeap &h, unsigned row);
  Cursor directBlock(uint64_t address, uint64_t size);
  void indirectBlock(FractalHeap &h, uint64_t address, uint64_t offset, unsigned rows, std::set<uint64_t> &blocks);
  Cursor heapObject(const FractalHeap &h, Cursor id);
  std::vector<Cursor> denseObjects(Cursor info, unsigned orderBytes, unsigned type);

  // ---- datatypes and dataspaces

  Datatype datatype(Cursor c);
  Dataspace dataspace(Cursor c);
  uint64_t elementCount(const Dataspace &s, const std::string &what);

  // ---- attributes

  void readAttributes(const std::vector<Message> &messages, H5Node &node);
  void attribute(Cursor c, H5Node &node);
  static std::string fixedString(const uint8_t *p, uint32_t size, unsigned padding);
  static std::string fixedString(const uint8_t *p, const Datatype &t) { return fixedString(p, t.size, t.padding); }

  std::string variableString(Cursor &c);
  const std::map<uint16_t, Cursor> &globalHeap(uint64_t address);

  // ---- datasets

  void readDataset(const std::vector<Message> &messages, H5Node &node);
  static void checkNumeric(const Datatype &t);
  static bool isIeee(const Datatype &t, uint32_t size);
  static float toFloat(const uint8_t *p, const Datatype &t);
  std::vector<Filter> filters(const std::vector<Message> &messages);
  void chunked(Cursor layout, unsigned version, const Dataspace &space, const Datatype &type,
               const std::vector<Message> &messages, const H5Node &node, std::vector<uint8_t> &out);
  // Reads a chunk: its origin in the dataset, address, stored size and filter mask.
  using PlaceChunk = std::function<void(const std::vector<uint64_t> &, uint64_t, uint64_t, uint32_t)>;
  void fixedArray(uint64_t address, const std::vector<uint64_t> &grid, const std::vector<uint64_t> &chunk,
                  uint64_t chunkBytes, const PlaceChunk &place);
  static std::vector<uint8_t> unfilter(Cursor stored, const std::vector<Filter> &pipeline, uint32_t mask,
                                       uint64_t chunkBytes, uint32_t elementSize);
};

}  // namespace kiln::hdf5
