// Tests of .npy reading and writing and of array allocation.
#include "test_util.h"

#include <cstring>

using namespace kiln_test;

namespace {

// ---- arrays ---------------------------------------------------------------

TEST(Array, DtypeSizesAndNames) {
  EXPECT_EQ(kiln_dtype_size(KILN_FLOAT32), 4u);
  EXPECT_EQ(kiln_dtype_size(KILN_INT32), 4u);
  EXPECT_EQ(kiln_dtype_size(KILN_INT64), 8u);
  EXPECT_EQ(kiln_dtype_size(KILN_FLOAT64), 8u);
  EXPECT_STREQ(kiln_dtype_name(KILN_FLOAT32), "float32");
  EXPECT_STREQ(kiln_dtype_name(KILN_INT32), "int32");
  EXPECT_STREQ(kiln_dtype_name(KILN_INT64), "int64");
  EXPECT_STREQ(kiln_dtype_name(KILN_FLOAT64), "float64");
}

TEST(Array, AllocIsZeroedAlignedAndCounted) {
  const int64_t dims[] = {3, 5, 7};
  kiln_array a;
  ASSERT_EQ(kiln_array_alloc(&a, KILN_FLOAT64, 3, dims), KILN_OK);
  EXPECT_EQ(kiln_array_count(&a), 105u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a.data) % 64, 0u);
  for (size_t i = 0; i < 105; i++)
    EXPECT_EQ(static_cast<double *>(a.data)[i], 0.0);
  kiln_array_free(&a);
  EXPECT_EQ(a.data, nullptr);
  kiln_array_free(&a); // freeing twice is harmless
}

TEST(Array, ScalarAndEmpty) {
  kiln_array a;
  ASSERT_EQ(kiln_array_alloc(&a, KILN_INT32, 0, nullptr), KILN_OK);
  EXPECT_EQ(kiln_array_count(&a), 1u);
  kiln_array_free(&a);
  const int64_t dims[] = {0, 4};
  ASSERT_EQ(kiln_array_alloc(&a, KILN_INT32, 2, dims), KILN_OK);
  EXPECT_EQ(kiln_array_count(&a), 0u);
  EXPECT_NE(a.data, nullptr);
  kiln_array_free(&a);
}

TEST(Array, AllocRejectsBadArguments) {
  kiln_array a;
  const int64_t negative[] = {2, -1};
  EXPECT_EQ(kiln_array_alloc(&a, KILN_FLOAT32, 2, negative), KILN_ERR_SHAPE);
  EXPECT_EQ(a.data, nullptr);
  const int64_t dims[KILN_MAX_RANK + 1] = {};
  EXPECT_EQ(kiln_array_alloc(&a, KILN_FLOAT32, KILN_MAX_RANK + 1, dims),
            KILN_ERR_SHAPE);
  EXPECT_EQ(kiln_array_alloc(&a, static_cast<kiln_dtype>(9), 1, dims),
            KILN_ERR_DTYPE);
  const int64_t huge[] = {INT64_MAX, INT64_MAX};
  EXPECT_EQ(kiln_array_alloc(&a, KILN_FLOAT32, 2, huge), KILN_ERR_ALLOC);
}

// ---- round trips ------------------------------------------------------------

struct Kind {
  kiln_dtype dtype;
  int rank;
};

// Names the case in test listings (ctest shows it as the test's suffix).
void PrintTo(const Kind &k, std::ostream *os) {
  *os << kiln_dtype_name(k.dtype) << "_rank" << k.rank;
}

std::vector<Kind> allKinds() {
  std::vector<Kind> kinds;
  for (kiln_dtype d : {KILN_FLOAT32, KILN_INT32, KILN_INT64, KILN_FLOAT64})
    for (int rank = 0; rank <= 4; rank++)
      kinds.push_back({d, rank});
  return kinds;
}

class RoundTrip : public TempDirTest,
                  public ::testing::WithParamInterface<Kind> {};

TEST_P(RoundTrip, SaveThenLoadGivesTheSameArray) {
  auto [dtype, rank] = GetParam();
  const int64_t all_dims[] = {2, 3, 1, 4};
  kiln_array a;
  ASSERT_EQ(kiln_array_alloc(&a, dtype, rank, all_dims), KILN_OK);
  size_t n = kiln_array_count(&a);
  for (size_t i = 0; i < n; i++) {
    double v = static_cast<double>(i) * 1.25 - 7.5;
    switch (dtype) {
    case KILN_FLOAT32:
      static_cast<float *>(a.data)[i] = float(v);
      break;
    case KILN_FLOAT64:
      static_cast<double *>(a.data)[i] = v / 3;
      break;
    case KILN_INT32:
      static_cast<int32_t *>(a.data)[i] = int32_t(i) * 7 - 40;
      break;
    case KILN_INT64:
      static_cast<int64_t *>(a.data)[i] = (int64_t(i) - 3) << 40;
      break;
    }
  }
  std::string file = path("a.npy");
  char err[256] = "";
  ASSERT_EQ(kiln_npy_save(file.c_str(), &a, err, sizeof err), KILN_OK) << err;

  // The layout NumPy writes: version 1.0, data at a multiple of 64 bytes.
  std::string bytes = readFile(file);
  size_t data_bytes = n * kiln_dtype_size(dtype);
  ASSERT_GE(bytes.size(), 10 + data_bytes);
  size_t offset = bytes.size() - data_bytes;
  EXPECT_EQ(offset % 64, 0u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  EXPECT_EQ(size_t(uint8_t(bytes[8])) | size_t(uint8_t(bytes[9])) << 8,
            offset - 10);
  EXPECT_EQ(bytes[offset - 1], '\n');

  kiln_array b;
  ASSERT_EQ(kiln_npy_load(file.c_str(), &b, err, sizeof err), KILN_OK) << err;
  EXPECT_EQ(b.dtype, dtype);
  ASSERT_EQ(b.rank, rank);
  for (int d = 0; d < rank; d++)
    EXPECT_EQ(b.dims[d], all_dims[d]);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data) % 64, 0u);
  EXPECT_EQ(std::memcmp(a.data, b.data, data_bytes), 0);
  kiln_array_free(&a);
  kiln_array_free(&b);
}

INSTANTIATE_TEST_SUITE_P(AllDtypesAndRanks, RoundTrip,
                         ::testing::ValuesIn(allKinds()));

using Npy = TempDirTest;

TEST_F(Npy, SavedHeaderIsTheOneNumPyWrites) {
  saveArray<float>(path("d.npy"), KILN_FLOAT32, {1, 784},
                   std::vector<float>(784, 0.5f));
  std::string bytes = readFile(path("d.npy"));
  std::string dict = "{'descr': '<f4', 'fortran_order': False, "
                     "'shape': (1, 784), }";
  EXPECT_EQ(bytes.substr(10, dict.size()), dict);
  EXPECT_EQ(bytes.size(), 128u + 784 * 4);
  saveArray<int64_t>(path("s.npy"), KILN_INT64, {}, {42});
  EXPECT_NE(readFile(path("s.npy")).find("'shape': (), }"), std::string::npos);
  saveArray<int32_t>(path("v.npy"), KILN_INT32, {3}, {1, 2, 3});
  EXPECT_NE(readFile(path("v.npy")).find("'descr': '<i4'"), std::string::npos);
  EXPECT_NE(readFile(path("v.npy")).find("'shape': (3,), }"),
            std::string::npos);
}

TEST_F(Npy, EmptyArrayRoundTrips) {
  saveArray<float>(path("e.npy"), KILN_FLOAT32, {0, 3}, {});
  EXPECT_TRUE(loadArray<float>(path("e.npy"), KILN_FLOAT32, {0, 3}).empty());
}

TEST_F(Npy, SaveToMissingDirectoryFails) {
  kiln_array a;
  ASSERT_EQ(kiln_array_alloc(&a, KILN_FLOAT32, 0, nullptr), KILN_OK);
  std::string file = path("no/such/dir.npy");
  char err[256] = "";
  EXPECT_EQ(kiln_npy_save(file.c_str(), &a, err, sizeof err), KILN_ERR_IO);
  EXPECT_NE(std::string(err).find(file), std::string::npos) << err;
  kiln_array_free(&a);
}

// ---- headers written by others --------------------------------------------

TEST_F(Npy, ReadsVersion2And3Headers) {
  std::string header =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  for (int major : {2, 3}) {
    std::string file = path(major == 2 ? "v2.npy" : "v3.npy");
    writeFile(file, npyBytes(header, bytesOf<float>({1.5f, -2.0f}), major));
    EXPECT_EQ(loadArray<float>(file, KILN_FLOAT32, {2}),
              (std::vector<float>{1.5f, -2.0f}));
  }
}

TEST_F(Npy, ReadsHeaderVariants) {
  const std::string data = bytesOf<int32_t>({1, 2, 3, 4, 5, 6});
  const char *headers[] = {
      "{'shape': (2, 3), 'fortran_order': False, 'descr': '<i4'}",
      "{'descr':'<i4','fortran_order':False,'shape':(2,3)}",
      "{\"descr\": \"<i4\", \"fortran_order\": False, \"shape\": (2, 3,),}",
      "{ 'descr' : '=i4' , 'fortran_order' : False , 'shape' : ( 2 , 3 ) }",
      "{'descr': '|i4', 'fortran_order': False, 'shape': (2L, 3L), }",
  };
  for (const char *h : headers) {
    SCOPED_TRACE(h);
    writeFile(path("h.npy"), npyBytes(h, data));
    EXPECT_EQ(loadArray<int32_t>(path("h.npy"), KILN_INT32, {2, 3}),
              (std::vector<int32_t>{1, 2, 3, 4, 5, 6}));
  }
}

TEST_F(Npy, ReadsScalarsAndOtherDtypes) {
  writeFile(path("s.npy"),
            npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': ()}",
                     bytesOf<double>({3.25})));
  EXPECT_EQ(loadArray<double>(path("s.npy"), KILN_FLOAT64, {}),
            std::vector<double>{3.25});
  writeFile(path("l.npy"),
            npyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (1,)}",
                     bytesOf<int64_t>({-(int64_t(1) << 50)})));
  EXPECT_EQ(loadArray<int64_t>(path("l.npy"), KILN_INT64, {1}),
            std::vector<int64_t>{-(int64_t(1) << 50)});
}

// ---- files that must be rejected -----------------------------------------

TEST_F(Npy, TruncatedDataMessage) {
  std::string file = path("digit.npy");
  writeFile(file, npyBytes("{'descr': '<f4', 'fortran_order': False, "
                           "'shape': (1, 784), }",
                           std::string(100, '\0')));
  kiln_array a;
  char err[256];
  EXPECT_EQ(kiln_npy_load(file.c_str(), &a, err, sizeof err), KILN_ERR_FORMAT);
  EXPECT_EQ(std::string(err),
            file + ": file is truncated: the shape (1, 784) needs 3136 bytes "
                   "of data, found 100");
  EXPECT_EQ(a.data, nullptr);
}

TEST_F(Npy, MissingFile) {
  std::string file = path("missing.npy");
  kiln_array a;
  char err[256];
  EXPECT_EQ(kiln_npy_load(file.c_str(), &a, err, sizeof err), KILN_ERR_IO);
  EXPECT_EQ(std::string(err),
            file + ": cannot open: No such file or directory");
  EXPECT_EQ(kiln_npy_load(dir_.c_str(), &a, err, sizeof err), KILN_ERR_IO);
  EXPECT_NE(std::string(err).find("directory"), std::string::npos) << err;
}

TEST_F(Npy, TinyErrorBufferIsRespected) {
  kiln_array a;
  char err[8];
  std::memset(err, 'x', sizeof err);
  std::string file = path("missing.npy");
  EXPECT_EQ(kiln_npy_load(file.c_str(), &a, err, sizeof err), KILN_ERR_IO);
  EXPECT_EQ(std::strlen(err), 7u);
  EXPECT_EQ(kiln_npy_load(file.c_str(), &a, nullptr, 0), KILN_ERR_IO);
}

struct BadFile {
  const char *name;
  std::string bytes;
  kiln_status status;
  const char *message; // expected after "PATH: "
};

// Names the case in test listings instead of dumping its bytes.
void PrintTo(const BadFile &bad, std::ostream *os) { *os << bad.name; }

std::string dict(const std::string &descr, const std::string &shape,
                 const std::string &fortran = "False") {
  return "{'descr': '" + descr + "', 'fortran_order': " + fortran +
         ", 'shape': " + shape + ", }";
}

std::vector<BadFile> badFiles() {
  const std::string f4x2 = bytesOf<float>({1, 2});
  std::string long_header = npyBytes(dict("<f4", "(2,)"), f4x2);
  long_header[8] = '\xff'; // header length 0x76ff, far past the end
  long_header[9] = '\x76';
  std::string v2_long = npyBytes(dict("<f4", "(2,)"), f4x2, 2);
  v2_long[11] = '\x7f';
  return {
      {"empty", "", KILN_ERR_FORMAT, "file is empty"},
      {"bad_magic", "PK\x03\x04 this is a zip file", KILN_ERR_FORMAT,
       "not a .npy file (bad magic bytes)"},
      {"short_magic", "\x93NUM", KILN_ERR_FORMAT,
       "file is truncated: it ends inside the .npy preamble"},
      {"short_preamble", std::string("\x93NUMPY\x01\x00\x10", 9),
       KILN_ERR_FORMAT, "file is truncated: it ends inside the .npy preamble"},
      {"version_4", std::string("\x93NUMPY\x04\x00", 8) + std::string(100, ' '),
       KILN_ERR_FORMAT,
       "unsupported .npy format version 4.0 (Kiln reads 1.0, 2.0 and 3.0)"},
      {"header_past_eof", long_header, KILN_ERR_FORMAT,
       "header length 30463 goes past the end of the file (136 bytes)"},
      {"v2_header_past_eof", v2_long, KILN_ERR_FORMAT,
       "header length 2130706548 goes past the end of the file (136 bytes)"},
      {"not_a_dict", npyBytes("['descr', '<f4']", f4x2), KILN_ERR_FORMAT,
       "malformed header: expected a dict starting with '{'"},
      {"unclosed_dict",
       npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", f4x2),
       KILN_ERR_FORMAT, "malformed header: expected ',' or '}' after 'shape'"},
      {"missing_key", npyBytes("{'descr': '<f4', 'shape': (2,)}", f4x2),
       KILN_ERR_FORMAT, "malformed header: missing key 'fortran_order'"},
      {"unknown_key",
       npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), "
                "'extra': 1}",
                f4x2),
       KILN_ERR_FORMAT, "malformed header: unexpected key 'extra'"},
      {"duplicate_key",
       npyBytes("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, "
                "'shape': (2,)}",
                f4x2),
       KILN_ERR_FORMAT, "malformed header: duplicate key 'descr'"},
      {"unterminated_string",
       npyBytes("{'fortran_order': False, 'shape': (2,), 'descr': '<f4", f4x2),
       KILN_ERR_FORMAT, "malformed header: 'descr' is not a string"},
      {"unquoted_key",
       npyBytes("{descr: '<f4', 'fortran_order': False, 'shape': (2,)}", f4x2),
       KILN_ERR_FORMAT, "malformed header: expected a quoted key or '}'"},
      {"descr_not_string",
       npyBytes("{'descr': 4, 'fortran_order': False, 'shape': (2,)}", f4x2),
       KILN_ERR_FORMAT, "malformed header: 'descr' is not a string"},
      {"fortran_not_bool", npyBytes(dict("<f4", "(2,)", "0"), f4x2),
       KILN_ERR_FORMAT,
       "malformed header: 'fortran_order' is not True or False"},
      {"shape_not_tuple", npyBytes(dict("<f4", "[2]"), f4x2), KILN_ERR_FORMAT,
       "malformed header: 'shape' is not a tuple"},
      {"shape_int_in_parens", npyBytes(dict("<f4", "(2)"), f4x2),
       KILN_ERR_FORMAT,
       "malformed header: 'shape' is not a tuple (a one-element tuple needs a "
       "trailing comma)"},
      {"shape_not_ints", npyBytes(dict("<f4", "(2.0,)"), f4x2), KILN_ERR_FORMAT,
       "malformed header: expected ',' or ')' in 'shape'"},
      {"shape_unclosed", npyBytes(dict("<f4", "(2, "), f4x2), KILN_ERR_FORMAT,
       "malformed header: 'shape' must be a tuple of integers"},
      {"trailing_garbage", npyBytes(dict("<f4", "(2,)") + " x", f4x2),
       KILN_ERR_FORMAT, "malformed header: unexpected text after the dict"},
      {"nul_in_header",
       npyBytes(dict("<f4", "(2,)") + std::string(1, '\0'), f4x2),
       KILN_ERR_FORMAT, "malformed header: unexpected text after the dict"},
      {"float16", npyBytes(dict("<f2", "(2,)"), std::string(4, '\0')),
       KILN_ERR_DTYPE,
       "unsupported dtype '<f2' (Kiln reads <f4, <i4, <i8 and <f8)"},
      {"big_endian", npyBytes(dict(">f4", "(2,)"), f4x2), KILN_ERR_DTYPE,
       "unsupported dtype '>f4': big-endian data is not supported; convert "
       "with x.astype('<f4')"},
      {"bool", npyBytes(dict("|b1", "(2,)"), "\x01\x00"), KILN_ERR_DTYPE,
       "unsupported dtype '|b1' (Kiln reads <f4, <i4, <i8 and <f8)"},
      {"unicode", npyBytes(dict("<U5", "(1,)"), std::string(20, 'a')),
       KILN_ERR_DTYPE,
       "unsupported dtype '<U5' (Kiln reads <f4, <i4, <i8 and <f8)"},
      {"object", npyBytes(dict("|O", "(1,)"), std::string(8, '\0')),
       KILN_ERR_DTYPE,
       "unsupported dtype '|O' (Kiln reads <f4, <i4, <i8 and <f8)"},
      {"long_descr", npyBytes(dict("<f4<f4<f4<f4<f4<f4<f4", "(2,)"), f4x2),
       KILN_ERR_DTYPE,
       "unsupported dtype '<f4<f4<f4<f4<f4...' (Kiln reads <f4, <i4, <i8 and "
       "<f8)"},
      {"structured",
       npyBytes("{'descr': [('a', '<f4')], 'fortran_order': False, "
                "'shape': (2,)}",
                f4x2),
       KILN_ERR_DTYPE,
       "unsupported dtype: structured arrays are not supported"},
      {"fortran_order", npyBytes(dict("<f4", "(2, 1)", "True"), f4x2),
       KILN_ERR_FORMAT,
       "fortran_order arrays are not supported; save with "
       "np.ascontiguousarray(x)"},
      {"rank_9", npyBytes(dict("<f4", "(1, 1, 1, 1, 1, 1, 1, 1, 2)"), f4x2),
       KILN_ERR_SHAPE, "rank 9 is more than the 8 dimensions Kiln supports"},
      {"negative_dim", npyBytes(dict("<f4", "(-2,)"), f4x2), KILN_ERR_FORMAT,
       "malformed header: negative dimension -2 in 'shape'"},
      {"dim_too_large", npyBytes(dict("<f4", "(99999999999999999999,)"), f4x2),
       KILN_ERR_FORMAT,
       "malformed header: a dimension in 'shape' is too large"},
      {"count_overflow",
       npyBytes(dict("<f4", "(4294967296, 4294967296)"), f4x2), KILN_ERR_FORMAT,
       "the shape (4294967296, 4294967296) has more elements than can be "
       "addressed"},
      {"bytes_overflow", npyBytes(dict("<f8", "(0, 2305843009213693952)"), ""),
       KILN_ERR_FORMAT,
       "the shape (0, 2305843009213693952) has more elements than can be "
       "addressed"},
      {"truncated_data",
       npyBytes(dict("<i8", "(3,)"), bytesOf<int64_t>({1, 2})), KILN_ERR_FORMAT,
       "file is truncated: the shape (3,) needs 24 bytes of data, found 16"},
      {"truncated_huge", npyBytes(dict("<f4", "(1000000000000,)"), f4x2),
       KILN_ERR_FORMAT,
       "file is truncated: the shape (1000000000000,) needs 4000000000000 "
       "bytes of data, found 8"},
      {"trailing_bytes", npyBytes(dict("<f4", "(2,)"), f4x2 + "xyz"),
       KILN_ERR_FORMAT,
       "3 unexpected bytes after the data (the shape (2,) needs 8 bytes)"},
  };
}

class Malformed : public TempDirTest,
                  public ::testing::WithParamInterface<BadFile> {};

TEST_P(Malformed, IsRejectedWithAMessageNamingTheFile) {
  const BadFile &bad = GetParam();
  std::string file = path(std::string(bad.name) + ".npy");
  writeFile(file, bad.bytes);
  kiln_array a;
  std::memset(&a, 0x5a, sizeof a);
  char err[512] = "";
  EXPECT_EQ(kiln_npy_load(file.c_str(), &a, err, sizeof err), bad.status);
  EXPECT_EQ(std::string(err), file + ": " + bad.message);
  EXPECT_EQ(std::string(err).find('\n'), std::string::npos);
  EXPECT_EQ(a.data, nullptr);
  EXPECT_EQ(a.rank, 0);
}

INSTANTIATE_TEST_SUITE_P(AllCases, Malformed, ::testing::ValuesIn(badFiles()));

// Every prefix of a valid file is rejected cleanly (never read past its end).
TEST_F(Npy, EveryTruncationIsRejected) {
  std::string good =
      npyBytes(dict("<f8", "(2, 2)"), bytesOf<double>({1, 2, 3, 4}), 2);
  for (size_t len = 0; len < good.size(); len++) {
    writeFile(path("t.npy"), good.substr(0, len));
    kiln_array a;
    char err[256];
    EXPECT_EQ(kiln_npy_load(path("t.npy").c_str(), &a, err, sizeof err),
              KILN_ERR_FORMAT)
        << "length " << len;
    EXPECT_EQ(a.data, nullptr);
  }
}

} // namespace
