// EinsumDense: output = activation(einsum(equation, input, kernel) + bias).
// Kiln computes the equations that contract the input's last axes with the
// kernel's first and give the kernel's other axes last (ab,bc->ac,
// abc,cd->abd, abc,cde->abde, abcd,cde->abe, ...b,bc->...c): a Dense over
// those axes, with the bias broadcast over the new axes as Keras shapes it.
#include "layers/LayerKind.h"
#include "layers/core/DenseRows.h"

#include <algorithm>
#include <regex>

namespace kiln {
namespace {

// The equation's reading for an input shape: the input's kept axes (batch
// included), its contracted sizes, the kernel's new sizes, and the bias as
// Keras declares it.
struct Einsum {
  size_t kept = 0;                    // leading input axes, batch included, kept in the output
  std::vector<int64_t> contracted;    // the input's trailing axes, the kernel's first
  std::vector<int64_t> added;         // the kernel's other axes, the output's last
  std::vector<int64_t> biasShape;     // Keras's: output axes from the first bias axis on, 1 where not biased
  std::string error;
};

Einsum analyze(const LayerConfig &c, const TensorType &in) {
  Einsum e;
  std::string equation = c.str("equation");
  equation.erase(std::remove(equation.begin(), equation.end(), ' '), equation.end());
  std::smatch m;
  bool elided = std::regex_match(equation, m, std::regex(R"(\.\.\.([a-zA-Z]+),([a-zA-Z]+)->\.\.\.([a-zA-Z]+))"));
  if (!elided && !std::regex_match(equation, m, std::regex(R"(([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+))"))) {
    e.error = "equation '" + equation + "' is not of the form ab,bc->ac or ...b,bc->...c";
    return e;
  }
  const std::string input = m[1], weight = m[2], output = m[3];
  const size_t rank = size_t(in.rank());
  if ((elided && input.size() >= rank) || (!elided && input.size() != rank)) {
    e.error = "equation '" + equation + "' does not fit its input of shape " + shapeString(in);
    return e;
  }
  const size_t lead = elided ? rank - input.size() : 0;  // elided axes, batch included
  size_t shared = 0;
  while (shared < weight.size() && input.find(weight[shared]) != std::string::npos) ++shared;
  const std::string contracted = weight.substr(0, shared), added = weight.substr(shared);
  const std::string kept = input.substr(0, input.size() - contracted.size());
  bool contractsLast = input.size() >= contracted.size() && !contracted.empty() &&
                       input.compare(input.size() - contracted.size(), contracted.size(), contracted) == 0;
  if (!contractsLast || output != kept + added ||
      std::any_of(added.begin(), added.end(), [&](char l) { return input.find(l) != std::string::npos; })) {
    e.error = "equation '" + equation + "': Kiln computes equations that contract the input's last axes with the "
              "kernel's first and put the kernel's others last (ab,bc->ac, abc,cde->abde, ...b,bc->...c)";
    return e;
  }
  e.kept = lead + kept.size();
  for (size_t a = e.kept; a < rank; ++a) {
    if (!in.dims[a].known()) {
      e.error = "the contracted axis " + std::to_string(a) + " of its input " + shapeString(in) +
                " must be known at build time (the kernel has a row per value)";
      return e;
    }
    e.contracted.push_back(in.dims[a].value());
  }
  // output_shape: the output's sizes after the batch (and the elided axes).
  const Value &shape = c.get("output_shape");
  std::vector<Value> sizes = shape.isSequence() ? std::vector<Value>(shape.items.begin(), shape.items.end())
                                                : std::vector<Value>{shape};
  const size_t skip = elided ? 0 : 1;  // output_shape leaves out the batch label of a full equation
  if (sizes.size() + skip != output.size()) {
    e.error = "output_shape " + repr(shape) + " gives " + std::to_string(sizes.size()) + " sizes for the " +
              std::to_string(output.size() - skip) + " output axes of '" + equation + "'";
    return e;
  }
  for (size_t i = 0; i < added.size(); ++i) {
    const Value &v = sizes[sizes.size() - added.size() + i];
    if (!v.isInteger() || v.asInt() < 1) {
      e.error = "output_shape " + repr(shape) + " must give the size of the kernel's axis '" + std::string(1, added[i]) + "'";
      return e;
    }
    e.added.push_back(v.asInt());
  }
  const Value &bias = c.get("bias_axes");
  if (bias.is(ValueKind::Str) && !bias.text.empty()) {
    size_t first = output.size();
    for (char l : bias.text) {
      size_t at = output.find(l);
      if (at == std::string::npos) {
        e.error = "bias_axes '" + bias.text + "' names '" + std::string(1, l) + "', which is not an output axis";
        return e;
      }
      first = std::min(first, at);
    }
    if (first < kept.size()) {
      e.error = "bias_axes '" + bias.text + "' over the input's kept axes is not supported; Kiln biases the kernel's axes";
      return e;
    }
    for (size_t i = first; i < output.size(); ++i)
      e.biasShape.push_back(bias.text.find(output[i]) == std::string::npos ? 1 : e.added[i - kept.size()]);
  }
  return e;
}

int64_t count(const std::vector<int64_t> &v) {
  int64_t p = 1;
  for (int64_t d : v) p *= d;
  return p;
}

class EinsumDenseKind : public LayerKind {
public:
  EinsumDenseKind()
      : LayerKind("EinsumDense",
                  withKernelArgs({arg("equation", ArgType::Str), arg("output_shape", ArgType::Any),
                                  arg("activation", ArgType::Activation, Value::none()),
                                  arg("bias_axes", ArgType::Any, Value::none()),
                                  arg("lora_rank", ArgType::TrainingOnly, Value::none()),
                                  arg("lora_alpha", ArgType::TrainingOnly, Value::none())}),
                  "a Dense over the axes an einsum equation contracts") {}

  bool hasFusibleActivation() const override { return true; }
  bool supportsOpenAxes() const override { return true; }

  void inferShapes(ShapeContext &cx) const override {
    Einsum e = analyze(cx.config(), cx.input());
    if (!e.error.empty()) {
      cx.error(DiagID::err_shape_mismatch, cx.layer().describe(), e.error);
      return;
    }
    TensorType out{DType::Float32, std::vector<Dim>(cx.input().dims.begin(), cx.input().dims.begin() + e.kept)};
    for (int64_t d : e.added) out.dims.push_back(Dim(d));
    cx.outputs = {out};
    std::vector<int64_t> kernel = e.contracted;
    kernel.insert(kernel.end(), e.added.begin(), e.added.end());
    cx.weights.push_back({"kernel", kernel, "kernel_initializer", true});
    if (!e.biasShape.empty()) cx.weights.push_back({"bias", e.biasShape, "bias_initializer", true});
  }

  void lower(LowerContext &cx) const override {
    Einsum e = analyze(cx.config(), cx.inputType());
    const int64_t k = count(e.contracted), n = count(e.added);
    std::vector<float> columns;
    if (!e.biasShape.empty()) {
      // Keras's bias covers the last new axes, 1 where it broadcasts: one value per output column.
      const std::vector<float> &declared = cx.weight("bias");
      columns.assign(size_t(n), 0.0f);
      const size_t offset = e.added.size() - e.biasShape.size();
      for (int64_t col = 0; col < n; ++col) {
        int64_t rest = col, index = 0, stride = 1;
        for (size_t a = e.added.size(); a-- > offset;) {
          int64_t coordinate = rest % e.added[a];
          rest /= e.added[a];
          int64_t size = e.biasShape[a - offset];
          index += (size == 1 ? 0 : coordinate) * stride;
          stride *= size;
        }
        columns[size_t(col)] = declared[size_t(index)];
      }
    }
    Dim rowsPerSample = product(std::vector<Dim>(cx.inputType().dims.begin() + 1, cx.inputType().dims.begin() + e.kept));
    lowerDenseRows(cx, cx.weight("kernel"), columns, rowsPerSample, k, n);
  }
};

}  // namespace

KILN_REGISTER_LAYER(EinsumDenseKind)

}  // namespace kiln
