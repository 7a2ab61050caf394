#include "codegen/LowerContext.h"

#include "codegen/ExternalWeights.h"
#include "codegen/ModelCodegen.h"
#include "layers/LayerKind.h"

#include <algorithm>
#include <cassert>

namespace kiln {

llvm::IRBuilder<> &LowerContext::ir() { return codegen_.ir(); }

void LowerContext::lowerInner(LowerBindings inner) {
  if (!inner.weightLayer) inner.weightLayer = inner.layer;
  LowerContext cx(codegen_, std::move(inner));
  cx.layer().kind->lower(cx);
}

llvm::Value *LowerContext::batchTimes(const Dim &n) {
  return n == 1 ? batch() : ir().CreateMul(batch(), dim(n), layer().name + ".rows");
}

llvm::Value *LowerContext::dim(const Dim &d) { return codegen_.dim(d); }

llvm::Value *LowerContext::ints(const std::string &suffix, const std::vector<Dim> &values) {
  if (std::all_of(values.begin(), values.end(), [](const Dim &d) { return d.known(); }))
    return constantInts(suffix, std::vector<int64_t>(values.begin(), values.end()));
  llvm::IRBuilder<> &b = ir();
  llvm::Value *array = b.CreateAlloca(b.getInt64Ty(), b.getInt64(values.size()), layer().name + "." + suffix);
  for (size_t i = 0; i < values.size(); ++i) b.CreateStore(dim(values[i]), b.CreateConstGEP1_64(b.getInt64Ty(), array, i));
  return array;
}

KerasVersion LowerContext::kerasVersion() const { return codegen_.options().kerasVersion; }
const Algorithms &LowerContext::algorithms() const { return codegen_.program().algorithms; }

abi::Activation LowerContext::activation(std::string_view arg) const {
  if (b_.fusedActivation) return activationCode(*b_.fusedActivation, codegen_.options().kerasVersion);
  return activationCode(config().str(arg), codegen_.options().kerasVersion);
}

const std::vector<float> &LowerContext::weight(std::string_view name) const {
  if (const std::vector<float> *values = findWeight(name)) return *values;
  assert(false && "weight not declared by the layer");
  static const std::vector<float> none;
  return none;
}

const std::vector<float> *LowerContext::findWeight(std::string_view name) const {
  const Layer &l = b_.weightLayer ? *b_.weightLayer : layer();
  return l.weight(b_.weightPrefix + std::string(name));
}

const std::vector<int64_t> &LowerContext::weightShape(std::string_view name) const {
  const Layer &l = b_.weightLayer ? *b_.weightLayer : layer();
  for (const WeightSpec &w : l.weights)
    if (w.name == b_.weightPrefix + std::string(name)) return w.shape;
  assert(false && "weight not declared by the layer");
  static const std::vector<int64_t> none;
  return none;
}

std::pair<const std::vector<float> &, std::vector<float>>
LowerContext::kernelAndBias(std::string_view kernel, std::string_view bias, bool useBias, int64_t channels) {
  std::vector<float> b = useBias ? weight(bias) : std::vector<float>();
  if (!b_.channelAffine) return {weight(kernel), std::move(b)};
  const ChannelAffine &f = *b_.channelAffine;
  foldedKernel_ = weight(kernel);
  b.resize(channels, 0.0f);
  for (size_t i = 0; i < foldedKernel_.size(); ++i) foldedKernel_[i] *= f.scale[i % channels];
  for (int64_t c = 0; c < channels; ++c) b[c] = b[c] * f.scale[c] + f.shift[c];
  return {foldedKernel_, std::move(b)};
}

llvm::Value *LowerContext::constant(const std::string &suffix, const std::vector<float> &data) {
  return codegen_.weightConstant(layer().name + "." + suffix, data);
}

llvm::Value *LowerContext::packedKernel(const std::string &suffix, const std::vector<float> &kernel, int64_t k,
                                        int64_t n) {
  return codegen_.packedWeightConstant(layer().name + "." + suffix, kernel, k, n);
}

llvm::Value *LowerContext::constantInts(const std::string &suffix, const std::vector<int64_t> &data) {
  llvm::LLVMContext &context = ir().getContext();
  std::vector<uint64_t> bits(data.begin(), data.end());
  auto *init = llvm::ConstantDataArray::get(context, llvm::ArrayRef<uint64_t>(bits));
  auto *var = new llvm::GlobalVariable(codegen_.module(), init->getType(), true, llvm::GlobalValue::PrivateLinkage,
                                       init, layer().name + "." + suffix);
  var->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
  return var;
}

void LowerContext::binaryWithConstant(llvm::Value *out, llvm::Value *in, const TensorType &inType,
                                      const std::vector<int64_t> &constantShape, llvm::Value *constant,
                                      abi::BinaryOp op) {
  std::vector<Dim> dims(inType.dims.begin() + 1, inType.dims.end()), inStrides(dims.size());
  std::vector<int64_t> constantStrides(dims.size());
  Dim x = 1;
  int64_t c = 1;
  for (size_t i = dims.size(); i-- > 0;) {
    inStrides[i] = x;
    constantStrides[i] = constantShape[i] == 1 ? 0 : c;
    x = mul(x, dims[i]);
    c *= constantShape[i];
  }
  Dim sample = inType.sampleSize();
  call("kiln_binary_broadcast",
       {out, in, constant, batch(), i64(int64_t(dims.size())), ints("dims", dims), ints("in_strides", inStrides),
        constantInts("constant_strides", constantStrides), i64(sample), i64(0), i64(sample), i32(op)});
}

llvm::Value *LowerContext::i64(int64_t v) { return ir().getInt64(v); }
llvm::Value *LowerContext::i32(int32_t v) { return ir().getInt32(v); }
llvm::Value *LowerContext::f32(float v) { return llvm::ConstantFP::get(ir().getFloatTy(), v); }
llvm::Value *LowerContext::null() { return llvm::ConstantPointerNull::get(ir().getPtrTy()); }

void LowerContext::call(const char *kernel, std::initializer_list<llvm::Value *> args) {
  callWith(kernel, std::vector<llvm::Value *>(args));
}

void LowerContext::callWithActivation(const char *kernel, std::initializer_list<llvm::Value *> args,
                                      abi::Activation act, float alpha, float maxValue, float threshold) {
  std::vector<llvm::Value *> all(args);
  all.push_back(i32(act));
  all.push_back(f32(alpha));
  all.push_back(f32(maxValue));
  all.push_back(f32(threshold));
  callWith(kernel, std::move(all));
}

void LowerContext::callWith(const char *kernel, std::vector<llvm::Value *> args) {
  args.push_back(codegen_.runContext());
  llvm::Function *f = codegen_.kernel(kernel);
  assert(f && "kernel missing from the kernel library");
  ir().CreateCall(f, args);
}

std::vector<float> packPanels(const std::vector<float> &kernel, int64_t k, int64_t n) {
  int64_t panels = abi::panelCount(n);
  std::vector<float> packed(panels * k * abi::kPanelWidth, 0.0f);
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t row = 0; row < k; ++row)
      for (int64_t lane = 0; lane < abi::kPanelWidth; ++lane) {
        int64_t col = p * abi::kPanelWidth + lane;
        if (col < n) packed[(p * k + row) * abi::kPanelWidth + lane] = kernel[row * n + col];
      }
  return packed;
}

std::vector<float> packGates(const std::vector<float> &kernel, int64_t rows, int64_t units, int64_t from,
                             int64_t gates) {
  int64_t cols = static_cast<int64_t>(kernel.size()) / rows, width = abi::recurrentGateWidth(gates, units);
  std::vector<float> laidOut(rows * width, 0.0f);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t g = 0; g < gates; ++g)
      for (int64_t j = 0; j < units; ++j)
        laidOut[r * width + abi::recurrentGateColumn(gates, g, j)] = kernel[r * cols + (from + g) * units + j];
  return packPanels(laidOut, rows, width);
}

std::vector<float> layOutGates(const float *bias, int64_t units, int64_t gates) {
  std::vector<float> laidOut(abi::recurrentGateWidth(gates, units), 0.0f);
  for (int64_t g = 0; g < gates; ++g)
    for (int64_t j = 0; j < units; ++j) laidOut[abi::recurrentGateColumn(gates, g, j)] = bias[g * units + j];
  return laidOut;
}

std::vector<float> padToPanels(const std::vector<float> &bias, int64_t n) {
  std::vector<float> padded(abi::panelCount(n) * abi::kPanelWidth, 0.0f);
  std::copy(bias.begin(), bias.begin() + n, padded.begin());
  return padded;
}

}  // namespace kiln
