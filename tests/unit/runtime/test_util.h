// Helpers shared by the runtime unit tests.
#pragma once

#include "kiln_rt.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace kiln_test {

// Gives each test a fresh directory, removed afterwards.
class TempDirTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "kiln_rt_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string path(const std::string &name) const {
    return (dir_ / name).string();
  }

  std::filesystem::path dir_;
};

inline void writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(f.good()) << path;
}

inline std::string readFile(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// The raw bytes of `values`, little-endian as on the host.
template <class T> std::string bytesOf(const std::vector<T> &values) {
  return {reinterpret_cast<const char *>(values.data()),
          values.size() * sizeof(T)};
}

// A .npy file of the given format version with `header` as its dict, padded
// with spaces and '\n' to a multiple of 64 bytes, followed by `data`.
inline std::string npyBytes(const std::string &header, const std::string &data,
                            int major = 1) {
  size_t preamble = major == 1 ? 10 : 12;
  std::string h = header;
  while ((preamble + h.size() + 1) % 64 != 0)
    h += ' ';
  h += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  uint32_t n = static_cast<uint32_t>(h.size());
  for (size_t i = 0; i < preamble - 8; i++)
    out += static_cast<char>(n >> (8 * i) & 0xff);
  return out + h + data;
}

// Saves an array of `values` with the given shape.
template <class T>
void saveArray(const std::string &path, kiln_dtype dtype,
               const std::vector<int64_t> &dims, const std::vector<T> &values) {
  kiln_array a;
  ASSERT_EQ(kiln_array_alloc(&a, dtype, static_cast<int32_t>(dims.size()),
                             dims.data()),
            KILN_OK);
  ASSERT_EQ(kiln_array_count(&a), values.size());
  std::copy(values.begin(), values.end(), static_cast<T *>(a.data));
  char err[256];
  EXPECT_EQ(kiln_npy_save(path.c_str(), &a, err, sizeof err), KILN_OK) << err;
  kiln_array_free(&a);
}

// Loads an array and returns its elements, checking dtype and shape.
template <class T>
std::vector<T> loadArray(const std::string &path, kiln_dtype dtype,
                         const std::vector<int64_t> &dims) {
  kiln_array a;
  char err[256];
  kiln_status st = kiln_npy_load(path.c_str(), &a, err, sizeof err);
  EXPECT_EQ(st, KILN_OK) << err;
  if (st != KILN_OK)
    return {};
  EXPECT_EQ(a.dtype, dtype);
  EXPECT_EQ(std::vector<int64_t>(a.dims, a.dims + a.rank), dims);
  const T *p = static_cast<const T *>(a.data);
  std::vector<T> values(p, p + kiln_array_count(&a));
  kiln_array_free(&a);
  return values;
}

// Fake models' tables; fields not given stay zero (no test vectors, no
// external weights, no open axes).
inline kiln_tensor_info tensor(const char *name, kiln_dtype dtype, int32_t rank, const int64_t *dims) {
  kiln_tensor_info t{};
  t.name = name;
  t.dtype = dtype;
  t.rank = rank;
  t.dims = dims;
  return t;
}

inline kiln_model_info model(const char *name, const kiln_tensor_info *inputs, int32_t numInputs,
                             const kiln_tensor_info *outputs, int32_t numOutputs,
                             decltype(kiln_model_info::scratch_size) scratchSize, decltype(kiln_model_info::run) run) {
  kiln_model_info m{};
  m.name = name;
  m.num_inputs = numInputs;
  m.num_outputs = numOutputs;
  m.inputs = inputs;
  m.outputs = outputs;
  m.scratch_size = scratchSize;
  m.run = run;
  return m;
}

} // namespace kiln_test
