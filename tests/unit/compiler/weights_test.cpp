// Reading weights files: the model configuration Keras stores, weights in
// other dtypes, and files made to break the reader — truncated or corrupted
// copies of Keras's own files, and hostile HDF5 structures written here with
// the HDF5 C library (huge shapes, strings, links, cycles).
#include "compile_util.h"
#include "weights/Isolated.h"
#include "weights/Weights.h"

#include <hdf5.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sys/resource.h>
#include <unistd.h>

namespace {

using kiln_test::compileOk;
namespace fs = std::filesystem;

const std::string kNumerics = std::string(KILN_SOURCE_DIR) + "/tests/numerics/";

const char *const kDense = R"(
from keras.models import Sequential
from keras.layers import Dense
model = Sequential()
model.add(Dense(2, input_dim=3))
)";

std::string slurp(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

class WeightsFiles : public ::testing::Test {
protected:
  fs::path dir = fs::temp_directory_path() / ("kiln-weights-test-" + std::to_string(::getpid()));
  kiln::SourceManager sources;
  kiln::DiagnosticEngine diags{sources};

  void SetUp() override { fs::create_directories(dir); }
  void TearDown() override { fs::remove_all(dir); }

  std::string write(const std::string &name, const std::string &bytes) {
    std::string path = (dir / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  std::string messages() {
    std::string out;
    for (const kiln::Diagnostic &d : diags.diagnostics()) out += d.message + "\n";
    return out;
  }
};

// ---- HDF5 files written with the C library, in Keras's layout

struct H5 {
  hid_t id;
  herr_t (*close)(hid_t);
  ~H5() { close(id); }
  operator hid_t() const { return id; }
};

void setStrings(hid_t object, const char *name, const std::vector<std::string> &values) {
  H5 type{H5Tcopy(H5T_C_S1), H5Tclose};
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  hsize_t n = values.size();
  H5 space{H5Screate_simple(1, &n, nullptr), H5Sclose};
  H5 attr{H5Acreate2(object, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
  std::vector<const char *> pointers;
  for (const std::string &v : values) pointers.push_back(v.c_str());
  H5Awrite(attr, type, pointers.data());
}

// A save_weights() file for kDense: layer 'dense' with the given weight
// names; `addKernel` writes /dense/dense/kernel:0 however the test wants.
template <typename AddKernel>
std::string kerasFile(const fs::path &path, AddKernel addKernel,
                      std::vector<std::string> weightNames = {"dense/kernel:0", "dense/bias:0"}) {
  H5 file{H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose};
  setStrings(file, "layer_names", {"dense"});
  H5 layer{H5Gcreate2(file, "dense", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose};
  setStrings(layer, "weight_names", weightNames);
  H5 inner{H5Gcreate2(layer, "dense", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose};
  hsize_t two = 2;
  H5 space{H5Screate_simple(1, &two, nullptr), H5Sclose};
  H5 bias{H5Dcreate2(inner, "bias:0", H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose};
  float b[2] = {0.5f, -0.5f};
  H5Dwrite(bias, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, b);
  addKernel(file, hid_t(inner));
  return path.string();
}

// A (3, 2) kernel of type `fileType`, written from floats.
void writeKernel(hid_t group, hid_t fileType, const float *values) {
  hsize_t dims[2] = {3, 2};
  H5 space{H5Screate_simple(2, dims, nullptr), H5Sclose};
  H5 ds{H5Dcreate2(group, "kernel:0", fileType, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose};
  H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
}

const float kKernel[6] = {1.5f, -2.0f, 0.25f, 3.0f, -0.125f, 8.0f};

TEST_F(WeightsFiles, BindsFloat16AndFloat64ByConvertingThem) {
  H5 half{H5Tcopy(H5T_IEEE_F32LE), H5Tclose};  // IEEE binary16, as h5py writes numpy's float16
  H5Tset_fields(half, 15, 10, 5, 0, 10);
  H5Tset_size(half, 2);
  H5Tset_ebias(half, 15);
  for (hid_t type : {hid_t(half), H5T_IEEE_F64LE, H5T_STD_I32LE}) {
    std::string path = kerasFile(dir / "typed.h5", [&](hid_t, hid_t g) {
      float ints[6] = {1, -2, 0, 3, -1, 8};
      writeKernel(g, type, type == H5T_STD_I32LE ? ints : kKernel);
    });
    auto c = compileOk(kDense);
    std::optional<kiln::WeightFile> file = kiln::readWeights(path, diags);
    ASSERT_TRUE(file) << messages();
    ASSERT_TRUE(kiln::bindWeights(*c->model, *file, diags)) << messages();
    const kiln::Layer *dense = c->layer("dense");
    std::vector<float> want(kKernel, kKernel + 6);
    if (type == H5T_STD_I32LE) want = {1, -2, 0, 3, -1, 8};
    EXPECT_EQ(dense->weightValues[0], want);
    EXPECT_EQ(dense->weightValues[1], (std::vector<float>{0.5f, -0.5f}));
  }
}

TEST_F(WeightsFiles, StringsWhereNumbersBelongAreAnErrorAtTheLayer) {
  std::string path = kerasFile(dir / "strings.h5", [](hid_t, hid_t g) {
    H5 type{H5Tcopy(H5T_C_S1), H5Tclose};
    H5Tset_size(type, 8);
    hsize_t dims[2] = {3, 2};
    H5 space{H5Screate_simple(2, dims, nullptr), H5Sclose};
    H5 ds{H5Dcreate2(g, "kernel:0", type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose};
  });
  auto c = compileOk(kDense);
  std::optional<kiln::WeightFile> file = kiln::readWeights(path, diags);
  ASSERT_TRUE(file) << messages();
  EXPECT_FALSE(kiln::bindWeights(*c->model, *file, diags));
  EXPECT_NE(messages().find("weight 'kernel' of Dense layer 'dense' is '/dense/dense/kernel:0' in '" + path +
                            "', which holds strings, not numbers"),
            std::string::npos)
      << messages();
}

TEST_F(WeightsFiles, HugeDeclaredShapesAreRejectedBeforeAllocating) {
  std::string path = kerasFile(dir / "huge.h5", [](hid_t, hid_t g) {
    hsize_t dims[2] = {hsize_t(1) << 20, hsize_t(1) << 19};  // 2^39 floats: 2 TiB
    hsize_t chunk[2] = {64, 64};
    H5 space{H5Screate_simple(2, dims, nullptr), H5Sclose};
    H5 plist{H5Pcreate(H5P_DATASET_CREATE), H5Pclose};
    H5Pset_chunk(plist, 2, chunk);
    H5 ds{H5Dcreate2(g, "kernel:0", H5T_IEEE_F32LE, space, H5P_DEFAULT, plist, H5P_DEFAULT), H5Dclose};
  });
  EXPECT_FALSE(kiln::readWeights(path, diags));
  EXPECT_NE(messages().find("'/dense/dense/kernel:0' has no stored values"), std::string::npos) << messages();
}

TEST_F(WeightsFiles, LinksAndCyclesAreNotFollowed) {
  std::string path = kerasFile(dir / "links.h5", [](hid_t file, hid_t g) {
    H5Lcreate_hard(file, "/dense", g, "loop", H5P_DEFAULT, H5P_DEFAULT);  // /dense/dense/loop -> /dense
    H5Lcreate_external("/etc/passwd", "/x", g, "kernel:0", H5P_DEFAULT, H5P_DEFAULT);
  });
  auto c = compileOk(kDense);
  std::optional<kiln::WeightFile> file = kiln::readWeights(path, diags);
  ASSERT_TRUE(file) << messages();
  EXPECT_FALSE(kiln::bindWeights(*c->model, *file, diags));
  EXPECT_NE(messages().find("which holds a link to another file, not numbers"), std::string::npos) << messages();
}

TEST_F(WeightsFiles, WeightNamesThatNameNothingAreAnError) {
  std::string path = kerasFile(
      dir / "names.h5", [](hid_t, hid_t g) { writeKernel(g, H5T_IEEE_F32LE, kKernel); },
      {"dense/kernel:0", "dense/nothing:0"});
  EXPECT_FALSE(kiln::readWeights(path, diags));
  EXPECT_NE(messages().find("weight_names of '/dense' lists 'dense/nothing:0', but there is no such dataset"),
            std::string::npos)
      << messages();
}

TEST_F(WeightsFiles, NamesThatAreNotTextAreEscapedInMessages) {
  std::string path = kerasFile(
      dir / "bytes.h5", [](hid_t, hid_t g) { writeKernel(g, H5T_IEEE_F32LE, kKernel); },
      {"dense/kernel:0", "dense/bi\xff\x01s:0"});
  EXPECT_FALSE(kiln::readWeights(path, diags));
  EXPECT_NE(messages().find("lists 'dense/bi\\xff\\x01s:0', but there is no such dataset"), std::string::npos)
      << messages();
}

// ---- copies of Keras's own files, damaged

TEST_F(WeightsFiles, TruncatedKerasFilesAreErrors) {
  for (const char *name : {"keras2_mlp/model.h5", "keras2_mlp/weights.h5", "keras3_mlp/model.weights.h5",
                           "keras3_mlp/model.keras"}) {
    std::string bytes = slurp(kNumerics + name);
    ASSERT_GT(bytes.size(), 4096u) << name;
    for (size_t size : {size_t(0), size_t(7), size_t(8), size_t(100), size_t(600), size_t(2048), bytes.size() / 3,
                        bytes.size() / 2, bytes.size() - 1}) {
      std::string path = write(fs::path(name).filename().string(), bytes.substr(0, size));
      kiln::DiagnosticEngine local{sources};
      EXPECT_FALSE(kiln::readWeights(path, local)) << name << " cut to " << size;
      EXPECT_TRUE(local.hasErrors()) << name << " cut to " << size;
    }
  }
}

TEST_F(WeightsFiles, CorruptedBytesGiveAnErrorOrWeightsNeverACrash) {
  for (const char *name : {"keras2_mlp/model.h5", "keras3_mlp/model.keras"}) {
    std::string bytes = slurp(kNumerics + name);
    for (size_t i = 0; i < 48; ++i) {
      std::string damaged = bytes;
      size_t at = (i * 7919 + 13) % damaged.size();
      damaged[at] = char(damaged[at] ^ (0x5a + i));
      std::string path = write(fs::path(name).filename().string(), damaged);
      kiln::DiagnosticEngine local{sources};
      std::optional<kiln::WeightFile> file = kiln::readWeights(path, local);
      EXPECT_EQ(bool(file), !local.hasErrors()) << name << " byte " << at;
    }
  }
}

// ---- the model configuration, for kilnc import

TEST_F(WeightsFiles, ModelConfigComesFromWhereKerasPutsIt) {
  std::optional<kiln::ModelConfig> h5 = kiln::readModelConfig(kNumerics + "keras2_mlp/model.h5", diags);
  ASSERT_TRUE(h5) << messages();
  EXPECT_NE(h5->json.find("\"class_name\": \"Sequential\""), std::string::npos);
  EXPECT_EQ(h5->kerasVersion, "2.15.0");

  std::optional<kiln::ModelConfig> keras = kiln::readModelConfig(kNumerics + "keras3_mlp/model.keras", diags);
  ASSERT_TRUE(keras) << messages();
  EXPECT_NE(keras->json.find("\"class_name\": \"Sequential\""), std::string::npos);
  EXPECT_EQ(keras->kerasVersion, "3.15.1");

  std::optional<kiln::ModelConfig> tfjs = kiln::readModelConfig(kNumerics + "mlp_sequential/model.json", diags);
  ASSERT_TRUE(tfjs) << messages();
  EXPECT_NE(tfjs->json.find("\"class_name\":\"Sequential\""), std::string::npos) << tfjs->json.substr(0, 200);

  EXPECT_FALSE(kiln::readModelConfig(kNumerics + "keras2_mlp/weights.h5", diags));
  EXPECT_NE(messages().find("holds weights only (written by save_weights)"), std::string::npos) << messages();
}

}  // namespace

// The parent's end of the isolated reader takes a string's length from the
// child; a length the stream does not back fails without allocating it (a
// 53-byte input found by the h5pipe fuzz target had the parent zero 2 GB).
TEST(ReaderPipe, StringsLongerThanTheStreamFail) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  uint64_t length = uint64_t(1) << 31;
  ASSERT_EQ(::write(fds[1], &length, 8), 8);
  ASSERT_EQ(::write(fds[1], "abc", 3), 3);
  ::close(fds[1]);
  rusage before{}, after{};
  ::getrusage(RUSAGE_SELF, &before);
  kiln::ByteReader in(fds[0]);
  EXPECT_EQ(in.str(), "");
  EXPECT_FALSE(in.ok());
  ::getrusage(RUSAGE_SELF, &after);
  ::close(fds[0]);
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 64 * 1024) << "kilobytes of peak memory";
}

// A tree whose paths do not name its nodes (what a compromised reader child
// could send) is malformed: the binders find a node's place in its group by
// its path, and a path shorter than its group's ended kilnc with an uncaught
// std::out_of_range (found by the keras fuzz target).
TEST(ReaderPipe, PathsThatDoNotNameTheirNodesFail) {
  auto roundTrip = [](const kiln::H5Node &root, std::string &error) {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    {
      kiln::ByteWriter out(fds[1]);
      kiln::writeH5Node(out, root);
    }
    ::close(fds[1]);
    kiln::ByteReader in(fds[0]);
    kiln::H5Node back;
    bool ok = kiln::readH5Node(in, true, back, error);
    ::close(fds[0]);
    return ok;
  };
  kiln::H5Node root;
  root.name = root.path = "/";
  kiln::H5Node layers;
  layers.name = "layers";
  layers.path = "/layers";
  kiln::H5Node dense;
  dense.name = "dense";
  dense.path = "/layers/dense";
  layers.children.push_back(dense);
  root.children.push_back(layers);
  std::string error;
  EXPECT_TRUE(roundTrip(root, error)) << error;
  for (const char *path : {"/", "/layers/x", "/other/dense", "/layers/dense/"}) {
    root.children[0].children[0].path = path;
    EXPECT_FALSE(roundTrip(root, error)) << path;
    EXPECT_EQ(error, "the reader process sent a malformed result");
  }
}
