// Embedding: token ids to vectors. `input_dim` is the vocabulary size (the
// number of distinct ids), not a tensor dimension; `input_length` is the
// sequence length. With mask_zero=True id 0 is padding and the output
// carries a mask for the layers after it.
#include "codegen/LowerContext.h"
#include "layers/LayerKind.h"

#include <algorithm>

namespace kiln {
namespace {

class EmbeddingKind : public LayerKind {
public:
  EmbeddingKind()
      : LayerKind("Embedding",
                  {arg("input_dim", ArgType::PositiveInt), arg("output_dim", ArgType::PositiveInt),
                   arg("embeddings_initializer", ArgType::Initializer, Value::ofStr("uniform")),
                   arg("embeddings_regularizer", ArgType::TrainingOnly, Value::none()),
                   arg("activity_regularizer", ArgType::TrainingOnly, Value::none()),
                   arg("embeddings_constraint", ArgType::TrainingOnly, Value::none()),
                   arg("mask_zero", ArgType::Bool, Value::ofBool(false)),
                   arg("input_length", ArgType::PositiveInt, Value::none())},
                  "maps token ids (0 <= id < input_dim) to vectors of output_dim; other ids give zeros") {}

  std::vector<LegacyArg> legacyArgs() const override {
    return {{"init", "embeddings_initializer"}, {"W_regularizer", "embeddings_regularizer"},
            {"W_constraint", "embeddings_constraint"}};
  }

  // compute_mask: ops.not_equal(inputs, 0).
  const Tensor *keras3Mask(const Node &node, size_t, MaskOps &ops) const override { return ops.op({node.inputs[0]}); }

  bool acceptsIntegerInput() const override { return true; }
  bool supportsOpenAxes() const override { return true; }

  // Keras 2 sets input_shape=(input_length,) (None without a length).
  std::optional<std::vector<int64_t>> declaredInputShape(const LayerConfig &c) const override {
    if (c.has("batch_input_shape") && !c.isNone("batch_input_shape")) return std::nullopt;
    if (c.has("input_shape") && !c.isNone("input_shape")) return std::nullopt;
    int64_t batch = c.isNone("batch_size") ? kNone : c.integer("batch_size");
    return std::vector<int64_t>{batch, c.isNone("input_length") ? kNone : c.integer("input_length")};
  }
  DType declaredInputType(const LayerConfig &) const override { return DType::Int32; }

  void inferShapes(ShapeContext &cx) const override {
    const TensorType &in = cx.input();
    const LayerConfig &c = cx.config();
    if (!c.isNone("input_length") && (in.rank() != 2 || (in.dims[1].known() && in.dims[1] != c.integer("input_length")))) {
      cx.error(DiagID::err_shape_mismatch, cx.layer().describe(),
               "input_length is " + std::to_string(c.integer("input_length")) + ", but the input has shape " +
                   shapeString(in) + " (input_length is the number of timesteps of each sample)");
      return;
    }
    TensorType out{DType::Float32, in.dims};
    out.dims.push_back(c.integer("output_dim"));
    cx.outputs = {out};
    cx.weights.push_back({"embeddings", {c.integer("input_dim"), c.integer("output_dim")}, "embeddings_initializer", true});
    if (c.flag("mask_zero")) cx.computeMask(0, TensorType{DType::Float32, in.dims});
  }

  void lower(LowerContext &cx) const override {
    const LayerConfig &c = cx.config();
    llvm::Value *mask = c.flag("mask_zero") ? cx.outputMask(0) : cx.null();
    const char *kernel = cx.inputType().dtype == DType::Int32 ? "kiln_embedding_i32" : "kiln_embedding_f32";
    int64_t ids = c.integer("input_dim"), width = c.integer("output_dim");
    llvm::Value *table;
    if (const Layer *next = cx.bindings().projectInto) {
      std::vector<float> projected =
          projectedTable(cx.weight("embeddings"), ids, width, next->kind->inputProjection(*next));
      width = int64_t(projected.size()) / ids;
      table = cx.constant("embeddings.projected", projected);
    } else {
      table = cx.constant("embeddings", cx.weight("embeddings"));
    }
    cx.call(kernel, {cx.output(), mask, cx.input(), table, cx.batchTimes(cx.inputType().sampleSize()), cx.i64(ids),
                     cx.i64(width)});
  }

private:
  // The table's rows times `kernel` [dim, width] (Step::projectInto): each
  // sum in double, rounded once.
  static std::vector<float> projectedTable(const std::vector<float> &embeddings, int64_t ids, int64_t dim,
                                           const std::vector<float> &kernel) {
    const int64_t width = int64_t(kernel.size()) / dim;
    std::vector<float> table(ids * width);
    std::vector<double> sums(width);
    for (int64_t id = 0; id < ids; ++id) {
      std::fill(sums.begin(), sums.end(), 0.0);
      for (int64_t e = 0; e < dim; ++e) {
        const double x = embeddings[id * dim + e];
        const float *w = kernel.data() + e * width;
        for (int64_t n = 0; n < width; ++n) sums[n] += x * w[n];
      }
      std::copy(sums.begin(), sums.end(), table.begin() + id * width);
    }
    return table;
  }
};

class MaskingKind : public LayerKind {
public:
  MaskingKind()
      : LayerKind("Masking", {arg("mask_value", ArgType::Float, Value::ofFloat(0.0))},
                  "masks timesteps whose features all equal mask_value (and zeroes them)") {}

  bool supportsMasking() const override { return true; }
  bool supportsOpenAxes() const override { return true; }
  // compute_mask: ops.any(ops.not_equal(inputs, mask_value), axis=-1).
  const Tensor *keras3Mask(const Node &node, size_t, MaskOps &ops) const override {
    return ops.op({ops.op({node.inputs[0]})});
  }

  void inferShapes(ShapeContext &cx) const override {
    if (!cx.requireRank(0, 3, true)) return;
    const TensorType &in = cx.input();
    cx.outputs = {in};
    cx.computeMask(0, TensorType{DType::Float32, std::vector<Dim>(in.dims.begin(), in.dims.end() - 1)});
  }

  void lower(LowerContext &cx) const override {
    const TensorType &t = cx.inputType();
    cx.call("kiln_masking", {cx.output(), cx.outputMask(0), cx.input(), cx.batchTimes(product(std::vector<Dim>(t.dims.begin() + 1, t.dims.end() - 1))),
                             cx.i64(t.dims.back()), cx.f32(float(cx.config().real("mask_value")))});
  }
};

}  // namespace

KILN_REGISTER_LAYER(EmbeddingKind)
KILN_REGISTER_LAYER(MaskingKind)

}  // namespace kiln
