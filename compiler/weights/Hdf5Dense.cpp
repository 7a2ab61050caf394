// HDF5's dense storage: links or attributes kept as objects of a fractal
// heap and named by the records of a version 2 B-tree (groups of more than
// 8 members, or objects of many attributes, in files of libver "v108" on).
#include "weights/Hdf5Reader.h"

#include <algorithm>
#include <functional>

namespace kiln::hdf5 {

Reader::FractalHeap Reader::fractalHeap(uint64_t address) {
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
  if (filterLength) unsupported("compressed fractal heaps");
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

uint64_t Reader::rowBlockSize(const FractalHeap &h, unsigned row) {
  return row < 2 ? h.startBlock : h.startBlock << std::min(row - 1, 63u);
}

Cursor Reader::directBlock(uint64_t address, uint64_t size) {
  Cursor block = at(address, size, "a fractal heap's block");
  Cursor c = block;
  c.expect("FHDB", "a fractal heap's block");
  return block;
}

void Reader::indirectBlock(FractalHeap &h, uint64_t address, uint64_t offset, unsigned rows, std::set<uint64_t> &blocks) {
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
Cursor Reader::heapObject(const FractalHeap &h, Cursor id) {
  uint8_t kind = id.u8();
  if ((kind & 0xc0) != 0) malformed("a fractal heap ID has an unknown version");
  if ((kind & 0x30) == 0x20) return id.sub(std::min<uint64_t>((kind & 0x0f) + 1u, id.remaining()));  // tiny: in the ID
  if ((kind & 0x30) != 0) unsupported("objects stored apart from their fractal heap (huge objects)");
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

// The objects named by every record of a dense storage's B-tree (records of
// `type`: 5 links by name, 8 attributes by name). `info` is the link or
// attribute information message, whose creation-order field, when there
// is one, has `orderBytes`; without a fractal heap there are none.
std::vector<Cursor> Reader::denseObjects(Cursor info, unsigned orderBytes, unsigned type) {
  if (info.u8() != 0) malformed("a group's link or an object's attribute information has an unknown version");
  if (info.u8() & 1) info.skip(orderBytes);
  uint64_t heapAddress = info.address(), index = info.address();
  if (heapAddress == kUndefined) return {};
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

}  // namespace kiln::hdf5
