// libFuzzer target: libkiln_rt's .npy reader (the executables' inputs) on
// arbitrary bytes, loaded and mapped; what it accepts is written and read
// back unchanged.
#include "FuzzFiles.h"

extern "C" {
#include "rt_internal.h"
}

#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path = kiln::fuzz::writeFile("in.npy", data, size);
  kiln_array a;
  char err[512];
  kiln_rt_mapping mapping;
  kiln_status loaded = kiln_npy_load(path.c_str(), &a, err, sizeof err);
  if (loaded != KILN_OK && (!std::memchr(err, '\0', sizeof err) || err[0] == '\0')) std::abort();  // says why
  kiln_status mapped = kiln_rt_npy_map(path.c_str(), &mapping, err, sizeof err);
  if ((mapped == KILN_OK) != (loaded == KILN_OK)) std::abort();  // both read the file alike
  if (loaded != KILN_OK) return 0;
  size_t bytes = kiln_array_count(&a) * kiln_dtype_size(a.dtype);
  if (bytes && std::memcmp(mapping.array.data, a.data, bytes) != 0) std::abort();
  kiln_rt_npy_unmap(&mapping);
  std::string again = kiln::fuzz::scratchDir() + "/again.npy";
  kiln_array b;
  if (kiln_npy_save(again.c_str(), &a, err, sizeof err) != KILN_OK ||
      kiln_npy_load(again.c_str(), &b, err, sizeof err) != KILN_OK)
    std::abort();
  if (b.dtype != a.dtype || b.rank != a.rank || std::memcmp(b.dims, a.dims, sizeof a.dims) != 0 ||
      (bytes && std::memcmp(b.data, a.data, bytes) != 0))
    std::abort();
  kiln_array_free(&b);
  kiln_array_free(&a);
  return 0;
}
