// Evaluates a .kiln program the way Python would run the Keras code, but
// symbolically: layer calls build the graph and prove shapes as they go.
#pragma once

#include "diagnostics/Diagnostics.h"
#include "graph/Graph.h"
#include "layers/Activations.h"
#include "sema/Arguments.h"
#include "sema/Value.h"
#include "syntax/AST.h"

#include <map>
#include <string>
#include <vector>

namespace kiln {

// Functions and classes that are not layers: Input, Model, Sequential, ...
struct Builtin {
  enum class Kind {
    Input,          // Input(shape=...) -> tensor
    Model,          // Model(inputs, outputs) / Functional
    Sequential,     // Sequential([...])
    TrainingObject, // an optimizer, loss, callback, regularizer...: opaque
    Initializer,    // an initializer object (used by --init-weights)
    LayerFunction,  // add([a, b]), concatenate([a, b], axis=1): make the layer, call it
    Application,    // VGG16(...), VGG19(...): keras.applications architectures
  };
  std::string name;
  Kind kind;
  std::string layerClass;  // LayerFunction: the layer it makes
};

struct EvalOptions {
  KerasVersion kerasVersion = KerasVersion::V2;
};

class Evaluator {
public:
  Evaluator(DiagnosticEngine &diags, Graph &graph, EvalOptions options)
      : diags_(diags), graph_(graph), options_(options) {}

  void run(const ast::Module &module);

  // Models in the order they were defined, with the name each was last bound to.
  struct ModelBinding {
    std::string variable;
    Model *model;
  };
  const std::vector<ModelBinding> &models() const { return models_; }

  // The model to compile: `name` (a variable or a model name), else the one
  // bound to `model`, else the last one defined. Reports if there is none.
  Model *selectModel(const std::string &name, uint32_t file);
  // Final checks of a chosen model: it must be built and its names unique.
  bool finishModel(Model *model);

private:
  // statements
  void exec(const ast::Stmt &stmt);
  void execImport(const ast::Stmt &stmt);
  void assign(const ast::Expr &target, const Value &value);

  // expressions
  Value eval(const ast::Expr &expr);
  Value evalName(const ast::Expr &expr);
  Value evalAttribute(const ast::Expr &expr);
  Value evalSubscript(const ast::Expr &expr);
  Value evalBinary(const ast::Expr &expr);
  Value evalUnary(const ast::Expr &expr);
  Value evalCall(const ast::Expr &expr);
  Value attributeOf(const Value &object, const std::string &name, SourceRange range, SourceRange nameRange);

  // modules and builtins (Modules.cpp)
  Value resolveImport(const std::string &path, SourceRange range);
  Value moduleMember(const std::string &module, const std::string &name, SourceRange range, SourceRange nameRange);
  Value lookupGlobal(const std::string &name) const;  // names from `from keras.layers import *`
  Value callBuiltin(const Builtin &builtin, CallSite &call);
  Value callLayerFunction(const Builtin &builtin, CallSite &call);
  Value makeVGG(const Builtin &builtin, CallSite &call);

  // Keras semantics (Keras.cpp)
  Value constructLayer(const LayerKind *kind, CallSite &call);
  Value callLayer(Layer *layer, CallSite &call);
  // callTensors: tensors of the call's further tensor parameters
  // (LayerKind::callSignature), appended to the node's inputs.
  bool withinSizeLimits(const Layer &layer, const std::vector<TensorType> &inputs, const ShapeContext &cx,
                        SourceRange range);
  Value applyLayer(Layer *layer, std::vector<Tensor *> inputs, SourceRange range, bool listInput,
                   const std::vector<Tensor *> &callTensors = {});
  Value callModelAsLayer(Model *model, CallSite &call);
  Value callMethod(const Value &self, const std::string &method, CallSite &call);
  Value makeInput(CallSite &call);
  Tensor *newInputTensor(const std::string &name, TensorType type, SourceRange range, const LayerConfig *config);
  Value makeFunctionalModel(CallSite &call);
  Value makeSequential(CallSite &call);
  bool sequentialAdd(Model *model, const Value &item, SourceRange range);
  bool buildSequential(Model *model, Tensor *input, SourceRange range);
  bool collectModelLayers(Model *model, SourceRange range);
  std::vector<Tensor *> tensorsOf(const Value &v, const std::string &what, bool &ok);
  std::string uniqueName(const std::string &stem, bool zeroBased);
  std::optional<std::vector<int64_t>> declaredBatchShape(const Layer &layer);

  // the value as Python would bind a function's return value for unpacking
  Value tensorsValue(const std::vector<Tensor *> &tensors, SourceRange range);

  DiagnosticEngine &diags_;
  Graph &graph_;
  EvalOptions options_;
  std::map<std::string, Value> scope_;
  std::map<std::string, int> nameCounters_;
  std::vector<ModelBinding> models_;
  bool starImported_ = false;
};

}  // namespace kiln
