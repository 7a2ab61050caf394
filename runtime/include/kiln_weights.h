/* kiln_weights.h — the external weights file of a model built with
 * `kilnc build --external-weights FILE`: the model's constants, packed in
 * the layout its compiled code reads, behind a header that is checked
 * before the code uses them.
 *
 * Layout (little-endian; offsets count from the start of the file, which
 * must be loaded at a 64-byte-aligned address, as mmap does):
 *
 *   0    magic "KILNWTS" and a 0 byte
 *   8    uint32  format version (KILN_WEIGHTS_VERSION)
 *   12   uint32  number of tensors n
 *   16   uint64  hash of the model definition the file was built for
 *   24   uint64  file size in bytes
 *   32   uint64  offset of the tensor table
 *   40   uint64  checksum of the tensor table
 *   48   16 bytes, zero
 *   64   the tensors, each at a 64-byte-aligned offset
 *   table: n entries of three uint64: offset, size in bytes, checksum
 *
 * Checksums are XXH64 with seed 0. This header is the one definition of the
 * format: kilnc writes files with it, the compiled model checks them with
 * kiln_weights_validate, and libkiln_rt explains the result. It needs only
 * <stdint.h> and <stddef.h>, so freestanding code can include it.
 */
#ifndef KILN_WEIGHTS_H
#define KILN_WEIGHTS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KILN_WEIGHTS_MAGIC "KILNWTS"
#define KILN_WEIGHTS_VERSION 1u
#define KILN_WEIGHTS_HEADER_SIZE 64u
#define KILN_WEIGHTS_ENTRY_SIZE 24u
#define KILN_WEIGHTS_ALIGNMENT 64u

/* What kiln_weights_validate (and <prefix>_weights_check) return. */
typedef enum kiln_weights_status {
  KILN_WEIGHTS_OK = 0,
  KILN_WEIGHTS_NOT_WEIGHTS = 1,    /* too short, or no magic: not a weights file */
  KILN_WEIGHTS_BAD_VERSION = 2,    /* a format version this code does not read */
  KILN_WEIGHTS_OTHER_MODEL = 3,    /* built for another model definition */
  KILN_WEIGHTS_TRUNCATED = 4,      /* shorter (or longer) than its header says */
  KILN_WEIGHTS_CORRUPT = 5,        /* a table or tensor fails its checksum, or the table is malformed */
  KILN_WEIGHTS_MISALIGNED = 6      /* not loaded at a 64-byte-aligned address */
} kiln_weights_status;

static inline uint64_t kiln_weights_load64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

static inline uint32_t kiln_weights_load32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t kiln_weights_rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static inline uint64_t kiln_weights_round(uint64_t acc, uint64_t input) {
  acc += input * 0xC2B2AE3D27D4EB4Full;
  return kiln_weights_rotl(acc, 31) * 0x9E3779B185EBCA87ull;
}

static inline uint64_t kiln_weights_merge(uint64_t acc, uint64_t value) {
  acc ^= kiln_weights_round(0, value);
  return acc * 0x9E3779B185EBCA87ull + 0x85EBCA77C2B2AE63ull;
}

/* XXH64 of `size` bytes with seed 0. */
static inline uint64_t kiln_weights_checksum(const void *data, uint64_t size) {
  const uint64_t p1 = 0x9E3779B185EBCA87ull, p2 = 0xC2B2AE3D27D4EB4Full, p3 = 0x165667B19E3779F9ull,
                 p4 = 0x85EBCA77C2B2AE63ull, p5 = 0x27D4EB2F165667C5ull;
  const unsigned char *p = (const unsigned char *)data, *end = p + size;
  uint64_t h;
  if (size >= 32) {
    uint64_t v1 = p1 + p2, v2 = p2, v3 = 0, v4 = 0 - p1;
    for (; end - p >= 32; p += 32) {
      v1 = kiln_weights_round(v1, kiln_weights_load64(p));
      v2 = kiln_weights_round(v2, kiln_weights_load64(p + 8));
      v3 = kiln_weights_round(v3, kiln_weights_load64(p + 16));
      v4 = kiln_weights_round(v4, kiln_weights_load64(p + 24));
    }
    h = kiln_weights_rotl(v1, 1) + kiln_weights_rotl(v2, 7) + kiln_weights_rotl(v3, 12) + kiln_weights_rotl(v4, 18);
    h = kiln_weights_merge(h, v1);
    h = kiln_weights_merge(h, v2);
    h = kiln_weights_merge(h, v3);
    h = kiln_weights_merge(h, v4);
  } else {
    h = p5;
  }
  h += size;
  for (; end - p >= 8; p += 8) h = kiln_weights_rotl(h ^ kiln_weights_round(0, kiln_weights_load64(p)), 27) * p1 + p4;
  if (end - p >= 4) {
    h = kiln_weights_rotl(h ^ (uint64_t)kiln_weights_load32(p) * p1, 23) * p2 + p3;
    p += 4;
  }
  for (; p < end; p++) h = kiln_weights_rotl(h ^ (uint64_t)*p * p5, 11) * p1;
  h ^= h >> 33;
  h *= p2;
  h ^= h >> 29;
  h *= p3;
  return h ^ (h >> 32);
}

/* Checks `size` bytes at `data` as the weights file of the model whose
 * definition hashes to `model_hash` and whose tensors are `layout` (count
 * pairs of offset and size in bytes): the header, the table and every
 * tensor's checksum. Reads nothing outside [data, data + size). */
static inline kiln_weights_status kiln_weights_validate(const void *data, uint64_t size, uint64_t model_hash,
                                                        const uint64_t *layout, uint32_t count) {
  const unsigned char *p = (const unsigned char *)data;
  if (!p || size < KILN_WEIGHTS_HEADER_SIZE) return KILN_WEIGHTS_NOT_WEIGHTS;
  for (int i = 0; i < 8; i++)
    if (p[i] != (unsigned char)KILN_WEIGHTS_MAGIC[i]) return KILN_WEIGHTS_NOT_WEIGHTS;
  if (kiln_weights_load32(p + 8) != KILN_WEIGHTS_VERSION) return KILN_WEIGHTS_BAD_VERSION;
  if ((uintptr_t)p % KILN_WEIGHTS_ALIGNMENT != 0) return KILN_WEIGHTS_MISALIGNED;
  uint32_t n = kiln_weights_load32(p + 12);
  if (kiln_weights_load64(p + 16) != model_hash || n != count) return KILN_WEIGHTS_OTHER_MODEL;
  if (kiln_weights_load64(p + 24) != size) return KILN_WEIGHTS_TRUNCATED;
  uint64_t table = kiln_weights_load64(p + 32);
  if (table < KILN_WEIGHTS_HEADER_SIZE || table > size || (size - table) / KILN_WEIGHTS_ENTRY_SIZE < n)
    return KILN_WEIGHTS_CORRUPT;
  if (kiln_weights_checksum(p + table, (uint64_t)n * KILN_WEIGHTS_ENTRY_SIZE) != kiln_weights_load64(p + 40))
    return KILN_WEIGHTS_CORRUPT;
  for (uint32_t i = 0; i < n; i++) {
    const unsigned char *e = p + table + (uint64_t)i * KILN_WEIGHTS_ENTRY_SIZE;
    uint64_t offset = kiln_weights_load64(e), bytes = kiln_weights_load64(e + 8);
    if (offset != layout[2 * i] || bytes != layout[2 * i + 1]) return KILN_WEIGHTS_OTHER_MODEL;
    if (offset > table || bytes > table - offset) return KILN_WEIGHTS_CORRUPT;
    if (kiln_weights_checksum(p + offset, bytes) != kiln_weights_load64(e + 16)) return KILN_WEIGHTS_CORRUPT;
  }
  return KILN_WEIGHTS_OK;
}

#ifdef __cplusplus
}
#endif

#endif /* KILN_WEIGHTS_H */
