// HDF5 datasets: their types and shapes, and their values as float32 from
// compact, contiguous or chunked storage (deflate, shuffle, fletcher32).
#include "weights/Hdf5Reader.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>

namespace kiln::hdf5 {

Datatype Reader::datatype(Cursor c) {
  Datatype t;
  t.cls = c.u8() & 15;  // the high four bits are the message's version
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
    if (t.bits & 0x40) unsupported("floating-point values in VAX byte order");
    if (((t.bits >> 4) & 3) != 2) unsupported("floating-point values without an implied leading bit");
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

Dataspace Reader::dataspace(Cursor c) {
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
uint64_t Reader::elementCount(const Dataspace &s, const std::string &what) {
  uint64_t count = 1;
  for (uint64_t d : s.dims) {
    if (d > (uint64_t(1) << 40) || (d && count > (uint64_t(1) << 40) / d))
      malformed(what + " declares more values than any model has");
    count *= d;
  }
  return s.null ? 0 : count;
}

void Reader::readDataset(const std::vector<Message> &messages, H5Node &node) {
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
    unsupported("dataset layouts of version " + std::to_string(version) + (version == 5 ? " (HDF5 2.0's format)" : ""));
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
  if (!values_ || count == 0) return;
  floats_ += count;
  if (floats_ > budget_.maxFloats)
    malformed("the file's datasets declare more values than its size can hold (at '" + node.path + "')");
  node.data.resize(count);
  if (isIeee(type, 4) && !type.bigEndian && std::endian::native == std::endian::little)
    std::memcpy(node.data.data(), raw, count * 4);  // Keras's float32 weights, as stored
  else
    for (uint64_t i = 0; i < count; ++i) node.data[i] = toFloat(raw + i * type.size, type);
}

void Reader::checkNumeric(const Datatype &t) {
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

// IEEE binary32 (size 4) or binary64 (size 8), in either byte order.
bool Reader::isIeee(const Datatype &t, uint32_t size) {
  bool single = size == 4;
  return t.cls == 1 && t.size == size && t.bitOffset == 0 && t.precision == 8 * size && t.mantissaLocation == 0 &&
         t.signLocation == 8 * size - 1 && t.exponentSize == (single ? 8 : 11) &&
         t.mantissaSize == (single ? 23 : 52) && t.exponentLocation == (single ? 23 : 52) &&
         t.exponentBias == (single ? 127u : 1023u);
}

// One element as float32, as the HDF5 library converts it to the native
// float (the nearest value; out of range: infinity).
float Reader::toFloat(const uint8_t *p, const Datatype &t) {
  uint64_t bits = 0;
  for (uint32_t i = 0; i < t.size; ++i) bits |= uint64_t(p[t.bigEndian ? t.size - 1 - i : i]) << (8 * i);
  if (t.cls == 0) {
    if (!t.isSigned) return float(bits);
    unsigned shift = 64 - 8 * t.size;
    return float(int64_t(bits << shift) >> shift);
  }
  if (isIeee(t, 4)) return std::bit_cast<float>(uint32_t(bits));
  if (isIeee(t, 8)) return float(std::bit_cast<double>(bits));
  // Other IEEE-like layouts (float16, bfloat16): from the fields.
  auto field = [bits](unsigned location, unsigned size) { return (bits >> location) & ((uint64_t(1) << size) - 1); };
  bool negative = (bits >> t.signLocation) & 1;
  uint64_t exponent = field(t.exponentLocation, t.exponentSize);
  uint64_t mantissa = field(t.mantissaLocation, t.mantissaSize);
  // The power of two of the mantissa's last bit; beyond ±4000 any double is 0 or infinite.
  int64_t scale = std::max<int64_t>(exponent, 1) - int64_t(t.exponentBias) - t.mantissaSize;
  int power = int(std::clamp<int64_t>(scale, -4000, 4000));
  double value;
  if (exponent == (uint64_t(1) << t.exponentSize) - 1)
    value = mantissa ? std::nan("") : INFINITY;
  else if (exponent == 0)
    value = std::ldexp(double(mantissa), power);
  else
    value = std::ldexp(double(mantissa | uint64_t(1) << t.mantissaSize), power);
  return float(negative ? -value : value);
}

std::vector<Filter> Reader::filters(const std::vector<Message> &messages) {
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
      unsupported("the compression filter " + std::to_string(f.id) +
                  "; Kiln reads deflate (gzip), shuffle and fletcher32");
    out.push_back(std::move(f));
  }
  return out;
}

// A chunked dataset's values, gathered from its chunks (B-tree version 1
// index, or the single chunk of layout version 4) into `out`.
void Reader::chunked(Cursor layout, unsigned version, const Dataspace &space, const Datatype &type,
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
    if (indexType != 1 && indexType != 3)
      unsupported("chunk indexes of HDF5 1.10's format other than a single chunk or a fixed array (type " +
                  std::to_string(indexType) + ": a dataset that can grow)");
    if (indexType == 1 && (flags & 2)) {
      singleSize = layout.length();
      singleMask = layout.u32();
    }
    if (indexType == 3) layout.skip(1);  // page bits: the array says them again
    indexAddress = layout.address();
  }
  if (indexAddress == kUndefined) malformed("dataset '" + node.path + "' has no stored values");
  size_t rank = space.dims.size();
  if (rank == 0) malformed("a dataset of one value is stored in chunks");
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
  std::set<std::vector<uint64_t>> origins;
  uint64_t done = 0, unfiltered = 0;
  uint64_t chunkBytes = chunkElements * type.size;
  PlaceChunk place = [&](const std::vector<uint64_t> &origin, uint64_t address, uint64_t size, uint32_t mask) {
    for (size_t d = 0; d < rank; ++d)
      if (origin[d] % chunk[d] || origin[d] >= space.dims[d]) malformed("a dataset's chunk lies outside its shape");
    if (!origins.insert(origin).second) malformed("two chunks of a dataset overlap");
    // Inflating is the costly part: chunks may hold little more than the dataset.
    unfiltered += chunkBytes;
    if (unfiltered > std::max(8 * count * type.size, uint64_t(1) << 26))
      malformed("a dataset's chunks hold far more values than its shape");
    std::vector<uint8_t> data = unfilter(at(address, size, "a dataset's chunk"), pipeline, mask, chunkBytes, type.size);
    // Copy the part of the chunk inside the dataset, a run of its last axis at a time.
    std::vector<uint64_t> extent(rank), index(rank, 0);
    uint64_t runs = 1;
    for (size_t d = 0; d < rank; ++d) {
      extent[d] = std::min(chunk[d], space.dims[d] - origin[d]);
      if (d + 1 < rank) runs *= extent[d];
    }
    uint64_t run = rank ? extent[rank - 1] : 1;
    for (uint64_t r = 0; r < runs; ++r) {
      uint64_t source = 0, target = 0;
      for (size_t d = 0; d < rank; ++d) {
        source = source * chunk[d] + index[d];
        target = target * space.dims[d] + origin[d] + index[d];
      }
      std::memcpy(out.data() + target * type.size, data.data() + source * type.size, run * type.size);
      done += run;
      for (size_t d = rank - 1; d-- > 0;) {
        if (++index[d] < extent[d]) break;
        index[d] = 0;
      }
    }
  };
  if (indexType == 1) {
    uint64_t size = singleSize ? singleSize : chunkElements * type.size;
    place(std::vector<uint64_t>(rank, 0), indexAddress, size, singleMask);
  } else if (indexType == 3) {
    std::vector<uint64_t> grid(rank);
    for (size_t d = 0; d < rank; ++d) grid[d] = space.dims[d] / chunk[d] + (space.dims[d] % chunk[d] != 0);
    fixedArray(indexAddress, grid, chunk, chunkBytes, place);
  } else {
    btreeV1(indexAddress, 1, 8 + 8 * (rank + 1), "a dataset's chunk index", [&](Cursor key, uint64_t address) {
      uint32_t size = key.u32(), mask = key.u32();
      std::vector<uint64_t> origin(rank);
      for (uint64_t &o : origin) o = key.u64();
      place(origin, address, size, mask);
    });
  }
  if (done != count) malformed("dataset '" + node.path + "' does not store all its values");
}

// HDF5 1.10's index of a fixed number of chunks: an array of their
// addresses (and sizes, when filtered) in row-major order of the chunk
// grid, in pages when it is long.
void Reader::fixedArray(uint64_t address, const std::vector<uint64_t> &grid, const std::vector<uint64_t> &chunk,
                        uint64_t chunkBytes, const PlaceChunk &place) {
  Cursor header = from(address, "a dataset's chunk index");
  header.expect("FAHD", "a dataset's chunk index");
  if (header.u8() != 0) malformed("a dataset's chunk index has an unknown version");
  unsigned filtered = header.u8(), entrySize = header.u8(), pageBits = header.u8();
  uint64_t entries = header.length(), blockAddress = header.address();
  uint64_t chunks = 1;
  for (uint64_t g : grid) chunks *= g;
  unsigned sizeBytes = entrySize - unsigned(offsetSize_) - 4;
  if (entries != chunks || filtered > 1 || pageBits > 32 ||
      (filtered ? entrySize <= unsigned(offsetSize_) + 4 || sizeBytes > 8 : entrySize != unsigned(offsetSize_)))
    malformed("a dataset's chunk index does not match its chunks");
  Cursor block = from(blockAddress, "a dataset's chunk index");
  block.expect("FADB", "a dataset's chunk index");
  block.skip(2);  // version, client
  block.address();
  uint64_t perPage = uint64_t(1) << pageBits, pages = (entries + perPage - 1) / perPage;
  bool paged = entries > perPage;
  const uint8_t *initialized = paged ? block.take((pages + 7) / 8) : nullptr;
  if (paged) block.skip(4);  // checksum of the block's header
  uint64_t pageStride = perPage * entrySize + 4;
  for (uint64_t i = 0; i < entries; ++i) {
    uint64_t page = i / perPage;
    if (paged && !(initialized[page / 8] & (0x80 >> (page % 8)))) continue;
    Cursor entry = block;
    entry.skip(paged ? page * pageStride + (i % perPage) * entrySize : i * entrySize);
    uint64_t chunkAddress = entry.address();
    uint64_t size = filtered ? entry.uint(sizeBytes) : chunkBytes;
    uint32_t mask = filtered ? entry.u32() : 0;
    if (chunkAddress == kUndefined) continue;
    std::vector<uint64_t> origin(grid.size());
    for (size_t d = grid.size(), rest = i; d-- > 0; rest /= grid[d]) origin[d] = (rest % grid[d]) * chunk[d];
    place(origin, chunkAddress, size, mask);
  }
}


// A chunk's stored bytes through the filters in reverse, each skipped
// when its bit in `mask` is set; the result must be the chunk's size.
std::vector<uint8_t> Reader::unfilter(Cursor stored, const std::vector<Filter> &pipeline, uint32_t mask,
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

}  // namespace kiln::hdf5
