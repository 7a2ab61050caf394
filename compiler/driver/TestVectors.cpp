#include "driver/TestVectors.h"

#include <kiln_rt.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>

namespace kiln {

namespace {

struct Reader {
  const std::string &dir;
  const Program &program;
  DiagnosticEngine &diags;
  int64_t batch = -1;
  bool ok = true;

  void problem(const std::string &file, const std::string &message) {
    diags.report(DiagID::err_test_vectors, SourceRange{}, "'" + file + "'", message);
    ok = false;
  }

  // The values of `a` as `dtype`, or nothing after reporting why not.
  std::optional<std::vector<char>> convert(const std::string &file, const kiln_array &a, DType dtype) {
    size_t count = kiln_array_count(&a);
    std::vector<char> bytes(count * 4);
    if (dtype == DType::Float32 && (a.dtype == KILN_FLOAT32 || a.dtype == KILN_FLOAT64)) {
      for (size_t k = 0; k < count; ++k) {
        float v = a.dtype == KILN_FLOAT32 ? static_cast<const float *>(a.data)[k]
                                          : static_cast<float>(static_cast<const double *>(a.data)[k]);
        std::memcpy(&bytes[k * 4], &v, 4);
      }
      return bytes;
    }
    if (dtype == DType::Int32 && (a.dtype == KILN_INT32 || a.dtype == KILN_INT64)) {
      for (size_t k = 0; k < count; ++k) {
        int64_t v = a.dtype == KILN_INT32 ? static_cast<const int32_t *>(a.data)[k]
                                          : static_cast<const int64_t *>(a.data)[k];
        if (v < INT32_MIN || v > INT32_MAX) {
          problem(file, "value " + std::to_string(v) + " at index " + std::to_string(k) + " does not fit int32");
          return std::nullopt;
        }
        int32_t narrow = static_cast<int32_t>(v);
        std::memcpy(&bytes[k * 4], &narrow, 4);
      }
      return bytes;
    }
    problem(file, std::string("expected ") + dtypeName(dtype) + " values, got " + kiln_dtype_name(a.dtype));
    return std::nullopt;
  }

  // Reads DIR/<stem><i>.npy for every tensor of `ids`, checking each
  // against its model tensor, and that there is no file for one more.
  std::vector<std::vector<char>> readAll(const char *stem, const std::vector<int> &ids,
                                         const std::vector<std::string> &names, const char *kind) {
    std::vector<std::vector<char>> all;
    for (size_t i = 0; i <= ids.size(); ++i) {
      std::string file = (std::filesystem::path(dir) / (stem + std::to_string(i) + ".npy")).string();
      if (i == ids.size()) {
        if (std::filesystem::exists(file))
          problem(file, "the model has only " + std::to_string(ids.size()) + " " + kind + "s");
        break;
      }
      kiln_array a;
      char err[512];
      if (kiln_npy_load(file.c_str(), &a, err, sizeof err) != KILN_OK) {
        problem(file, err);
        continue;
      }
      const TensorType &t = program.buffers[ids[i]].type;
      std::vector<int64_t> dims(a.dims, a.dims + a.rank);
      bool fits = a.rank == t.rank() && a.dims[0] >= 1;
      for (int d = 1; fits && d < t.rank(); ++d) fits = dims[d] == t.dims[d];
      if (!fits) {
        std::vector<Dim> want = t.dims;
        want[0] = kNone;
        problem(file, std::string(kind) + " '" + names[i] + "' has shape " + shapeString(want) + ", the file " +
                          shapeString(dims));
      } else if (batch >= 0 && dims[0] != batch) {
        problem(file, "holds " + std::to_string(dims[0]) + " samples, the other files " + std::to_string(batch));
      } else {
        batch = dims[0];
        if (std::optional<std::vector<char>> bytes = convert(file, a, t.dtype)) all.push_back(std::move(*bytes));
      }
      kiln_array_free(&a);
    }
    return all;
  }

  // The tolerance from DIR/case.json, if there is one.
  void readTolerance(TestVectors &t) {
    std::string file = (std::filesystem::path(dir) / "case.json").string();
    t.atol = t.rtol = kDefaultTestTolerance;
    std::ifstream in(file);
    if (!in) return;
    nlohmann::json json = nlohmann::json::parse(in, nullptr, false);
    if (!json.is_object()) {
      problem(file, "not a JSON object");
      return;
    }
    for (auto [key, value] : {std::pair{"atol", &t.atol}, std::pair{"rtol", &t.rtol}}) {
      if (!json.contains(key)) continue;
      if (!json[key].is_number() || json[key].get<double>() < 0)
        problem(file, std::string("\"") + key + "\" must be a number >= 0");
      else
        *value = json[key].get<double>();
    }
  }
};

}  // namespace

std::optional<TestVectors> readTestVectors(const std::string &dir, const Program &program, DiagnosticEngine &diags) {
  if (!std::filesystem::is_directory(dir)) {
    diags.report(DiagID::err_test_vectors, SourceRange{}, "'" + dir + "'", "not a directory");
    return std::nullopt;
  }
  Reader r{dir, program, diags};
  TestVectors t;
  t.inputs = r.readAll("in", program.inputs, program.inputNames, "input");
  t.outputs = r.readAll("out", program.outputs, program.outputNames, "output");
  r.readTolerance(t);
  if (!r.ok) return std::nullopt;
  t.batch = r.batch;
  return t;
}

}  // namespace kiln
