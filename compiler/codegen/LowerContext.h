// What a layer's lowering sees: its configuration and weights, pointers to
// its input and output buffers, and helpers to emit constants and kernel calls.
#pragma once

#include "graph/Program.h"
#include "kernels/KernelABI.h"
#include "layers/Activations.h"

#include <llvm/IR/IRBuilder.h>

#include <optional>

#include <string>
#include <vector>

namespace kiln {

class ModelCodegen;

// What one lowering works on: a layer, its buffers and their types. A step
// of the program gives one; a wrapper layer (TimeDistributed, Bidirectional)
// makes one for the layer it wraps.
struct LowerBindings {
  const Layer *layer = nullptr;        // config and name
  const Layer *weightLayer = nullptr;  // where weight(name) looks: weightPrefix + name
  std::string weightPrefix;
  std::vector<llvm::Value *> inputs, outputs;
  std::vector<llvm::Value *> inputMasks, outputMasks;  // null where there is none
  std::vector<TensorType> inputMaskTypes, outputMaskTypes;  // of the non-null masks
  std::vector<TensorType> inputTypes, outputTypes;
  llvm::Value *batch = nullptr;
  llvm::Value *temporary = nullptr;
  std::optional<std::string> fusedActivation;
  std::optional<ChannelAffine> channelAffine;
  const Layer *projectInto = nullptr;  // see Step
  bool inputProjected = false;
};

class LowerContext {
public:
  LowerContext(ModelCodegen &codegen, LowerBindings bindings) : codegen_(codegen), b_(std::move(bindings)) {}

  llvm::IRBuilder<> &ir();
  const Layer &layer() const { return *b_.layer; }
  const LayerConfig &config() const { return b_.layer->config; }
  const TensorType &inputType(size_t i = 0) const { return b_.inputTypes[i]; }
  const TensorType &outputType(size_t i = 0) const { return b_.outputTypes[i]; }
  size_t inputCount() const { return b_.inputs.size(); }
  size_t outputCount() const { return b_.outputs.size(); }
  const LowerBindings &bindings() const { return b_; }
  // The Keras whose semantics the model is built with (--keras-version).
  KerasVersion kerasVersion() const;
  // What the layers compute by (Program::algorithms).
  const Algorithms &algorithms() const;

  llvm::Value *input(size_t i = 0) { return b_.inputs[i]; }
  llvm::Value *output(size_t i = 0) { return b_.outputs[i]; }
  // The mask of input i (float32, (batch, timesteps), 1 = real step), or a
  // null pointer if it has none; the mask this step computes for output i,
  // or a null pointer where it is not kept (a wrapper drops it).
  llvm::Value *inputMask(size_t i = 0) { return hasInputMask(i) ? b_.inputMasks[i] : null(); }
  llvm::Value *outputMask(size_t i = 0) { return hasOutputMask(i) ? b_.outputMasks[i] : null(); }
  bool hasInputMask(size_t i = 0) const { return i < b_.inputMasks.size() && b_.inputMasks[i]; }
  // Its type: (batch, timesteps), or every axis but the last (Masking).
  const TensorType &inputMaskType(size_t i = 0) const { return b_.inputMaskTypes[i]; }
  bool hasOutputMask(size_t i = 0) const { return i < b_.outputMasks.size() && b_.outputMasks[i]; }
  const TensorType &outputMaskType(size_t i = 0) const { return b_.outputMaskTypes[i]; }
  llvm::Value *batch() { return b_.batch; }
  // This step's own temporary memory, LayerKind::temporaryBytesPerSample
  // times the batch, 64-byte aligned.
  llvm::Value *temporary() { return b_.temporary; }

  // Lowers `inner` (a wrapped layer) with these bindings; their weights are
  // looked up as weightPrefix + name in weightLayer.
  void lowerInner(LowerBindings inner);
  // batch * n, as i64: the row count of a [batch * n, ...] view.
  llvm::Value *batchTimes(const Dim &n);
  // A dimension's value in this call (see Dim): a constant or computed from
  // the sizes of the open axes.
  llvm::Value *dim(const Dim &d);
  // An int64 array (a kernel's geometry): a constant global when every entry
  // is a constant, else filled in on the stack at this point.
  llvm::Value *ints(const std::string &suffix, const std::vector<Dim> &values);

  // The activation this step applies: the layer's `arg` or a fused one.
  abi::Activation activation(std::string_view arg = "activation") const;

  // Weight values in the layer's declared order, by name.
  const std::vector<float> &weight(std::string_view name) const;
  // The same, or null if the layer has no weight of that name (BatchNormalization(scale=False)'s gamma).
  const std::vector<float> *findWeight(std::string_view name) const;
  // The shape the layer declares for weight `name`.
  const std::vector<int64_t> &weightShape(std::string_view name) const;
  // The kernel (output channels on its last axis, `channels` of them) and
  // the bias with a folded BatchNormalization applied; the bias is zeros if
  // the layer has none. Empty bias: no bias and nothing folded.
  // The kernel is the layer's own unless a normalization was folded into it
  // (then it lives as long as this context).
  std::pair<const std::vector<float> &, std::vector<float>> kernelAndBias(std::string_view kernel,
                                                                         std::string_view bias, bool useBias,
                                                                         int64_t channels);
  // Read-only, 64-byte-aligned weights holding `data` (in the model's
  // weight blob, or a global named after the layer in IR output); one per
  // layer and name, shared by every call of the layer.
  llvm::Value *constant(const std::string &suffix, const std::vector<float> &data);
  llvm::Value *constantInts(const std::string &suffix, const std::vector<int64_t> &data);
  // constant(suffix, packPanels(kernel, k, n)) without the packed copy in
  // memory: for the largest weights.
  llvm::Value *packedKernel(const std::string &suffix, const std::vector<float> &kernel, int64_t k, int64_t n);

  // out = in op constant, elementwise over the input's shape; the constant
  // has one axis per non-batch axis of the input, of the same size or 1
  // (broadcast), and no batch axis. `out` may be `in`.
  void binaryWithConstant(llvm::Value *out, llvm::Value *in, const TensorType &inType,
                          const std::vector<int64_t> &constantShape, llvm::Value *constant, abi::BinaryOp op);

  llvm::Value *i64(int64_t v);
  llvm::Value *i64(const Dim &d) { return dim(d); }
  llvm::Value *i32(int32_t v);
  llvm::Value *f32(float v);
  llvm::Value *null();
  // Calls a kernel from the kernel library by name. Every kernel takes the
  // run's abi::RunContext last (threads, workspace); the call appends it.
  void call(const char *kernel, std::initializer_list<llvm::Value *> args);
  // Calls a kernel that applies an activation: appends (act, alpha, max,
  // threshold) and the run context.
  void callWithActivation(const char *kernel, std::initializer_list<llvm::Value *> args, abi::Activation act,
                          float alpha, float maxValue = -1.0f, float threshold = 0.0f);

private:
  void callWith(const char *kernel, std::vector<llvm::Value *> args);

  ModelCodegen &codegen_;
  LowerBindings b_;
  std::vector<float> foldedKernel_;  // see kernelAndBias
};

// Packs a row-major [k, n] kernel into panels (KernelABI.h).
std::vector<float> packPanels(const std::vector<float> &kernel, int64_t k, int64_t n);
// Zero-pads a bias of n values to whole panels.
std::vector<float> padToPanels(const std::vector<float> &bias, int64_t n);
// Packs gates [from, from + gates) of a row-major recurrent kernel [rows,
// G * units] (Keras's layout: the gates one after the other) in the
// recurrent kernels' gate layout (abi::recurrentGateColumn), in panels.
std::vector<float> packGates(const std::vector<float> &kernel, int64_t rows, int64_t units, int64_t from,
                             int64_t gates);
// A bias of gates * units values in the recurrent kernels' gate layout.
std::vector<float> layOutGates(const float *bias, int64_t units, int64_t gates);

}  // namespace kiln
