// Evaluates a .kiln program the way Python would run the Keras code, but
// symbolically: layer calls build the graph and prove shapes as they go.
// Build-time Python (def, for, if, while, comprehensions, f-strings) runs
// on constants; code around the model (data loading, training, plotting,
// printing) is skipped without evaluating it, and its results are Skipped
// values that the model may not use.
#pragma once

#include "diagnostics/Diagnostics.h"
#include "graph/Graph.h"
#include "layers/Activations.h"
#include "sema/Arguments.h"
#include "sema/Value.h"
#include "syntax/AST.h"

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace kiln {

struct TensorOp;
enum class Family;
struct TensorArgs;

// Functions and classes that are not layers: Input, Model, Sequential, len, ...
struct Builtin {
  enum class Kind {
    Input,          // Input(shape=...) -> tensor
    Model,          // Model(inputs, outputs) / Functional
    Sequential,     // Sequential([...])
    TrainingObject, // a regularizer or constraint: opaque
    Initializer,    // an initializer object (used by --init-weights)
    LayerFunction,  // add([a, b]), concatenate([a, b], axis=1): make the layer, call it
    Python,         // a Python builtin computed at build time: len, range, int, ...
    Math,           // math.* and the numpy functions of constants: sqrt, prod, ...
    Backend,        // keras.backend helpers with build-time answers: int_shape, image_data_format
    TensorOp,       // a function of tensors (K.sum, tf.concat, ...) traced in a Lambda or custom layer; detail: the module
    LayerBase,      // keras.layers.Layer, the base class of custom layers
    Lookup,         // StringLookup, IntegerLookup: a vocabulary, used before the model (Lookups.cpp)
  };
  std::string name;
  Kind kind;
  std::string detail;  // LayerFunction: the layer class it makes; Math: the module (math or numpy);
                       // Model: a subclass's default name ("custom_model")
};

// A namespace: the module's globals, or the locals of one call.
struct Scope {
  std::map<std::string, Value> names;
  Scope *parent = nullptr;  // where the running function was defined; null for the module
  bool captured = false;    // a closure was made here: the scope outlives its call
  bool library = false;     // the globals of a library module: the user's globals are not visible from it
};

// A def or lambda, the scope it was defined in, and its default values
// (evaluated when the def ran, as in Python).
struct Closure {
  std::shared_ptr<ast::Function> def;
  std::vector<std::optional<Value>> defaults;  // one per parameter
  Scope *scope = nullptr;
};
std::string functionName(const Closure &c);
// True if the module imports keras.ops or a name from it, which only Keras 3 has.
bool importsKeras3Api(const ast::Module &module);
// A short rendering of an expression for messages: "model.fit()", "x_train / 255".
std::string exprText(const ast::Expr &e);
// A shape as Keras passes it to build() and compute_output_shape(): a
// tuple with None for the batch axis.
Value shapeTuple(const std::vector<int64_t> &dims, SourceRange range);

struct EvalOptions {
  KerasVersion kerasVersion = KerasVersion::V2;
  // Kiln's library of .kiln modules (keras/applications/...), and where its
  // files are registered; without them keras.applications is empty.
  std::string libraryDir;
  SourceManager *sources = nullptr;
};

class Evaluator {
public:
  Evaluator(DiagnosticEngine &diags, Graph &graph, EvalOptions options);
  ~Evaluator();

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
  // After errors: model `name` (a variable or a model name) when every error
  // arose in a top-level assignment whose names it does not use (keras.io's
  // VAE: the encoder's random Sampling layer; the decoder compiles). Those
  // errors become warnings. Null, quietly, otherwise. Without a name, a
  // note lists the models that --model could compile.
  Model *selectModelBesideErrors(const std::string &name);
  // Final checks of a chosen model: it must be built and its names unique.
  bool finishModel(Model *model);
  // One note listing the statements that were skipped (data loading,
  // training, printing...), if there were any.
  void noteSkipped();

  // Limits that end runaway evaluation with a diagnostic.
  static constexpr int64_t kStepBudget = 10'000'000;
  static constexpr size_t kMaxCallDepth = 500;
  static constexpr size_t kMaxItems = 1'000'000;   // elements of one list, tuple, dict or range
  static constexpr size_t kMaxStringBytes = 1 << 20;

private:
  enum class Flow { Normal, Break, Continue, Return, Stop };

  // statements (Statements.cpp)
  Flow execBlock(const std::vector<ast::StmtPtr> &body);
  Flow exec(const ast::Stmt &stmt);
  Flow execIf(const ast::Stmt &stmt);
  Flow execFor(const ast::Stmt &stmt);
  Flow execWhile(const ast::Stmt &stmt);
  // One pass over a loop's body; false once the loop ends (break: `broke`; return or stop: `result`).
  bool loopBody(const ast::Stmt &stmt, Flow &result, bool &broke);
  Flow execTry(const ast::Stmt &stmt);
  Flow execWith(const ast::Stmt &stmt);
  void execImport(const ast::Stmt &stmt);
  void execDef(const ast::Stmt &stmt);
  void execClass(const ast::Stmt &stmt);
  void execAugAssign(const ast::Stmt &stmt);
  bool execAssert(const ast::Stmt &stmt);
  void execRaise(const ast::Stmt &stmt);
  void execDel(const ast::Stmt &stmt);
  void assign(const ast::Expr &target, const Value &value);
  void assignItem(const ast::Expr &target, const Value &value);
  void assignAttribute(Value &object, const std::string &name, SourceRange nameRange, SourceRange range,
                       const std::string &text, const Value &value);
  // A block statement whose condition or iterable is skipped data: its body
  // does not run, and the names it would bind become skipped too.
  void skipBlock(const ast::Stmt &stmt, const Value &cause, const std::string &what, SourceRange header);
  // Models a skipped block would change in place (model.add in a loop over
  // data): the block's header and why it is skipped.
  struct SkippedChange {
    SourceRange header;
    std::string what, why;
  };
  std::map<const Model *, SkippedChange> changedWhenSkipped_;
  bool reportChangedWhenSkipped(const Model *model);
  void recordSkipped(SourceRange where, const std::string &what);
  // Counts `steps` of work (a statement, a call, an element visited); false once the budget is spent.
  bool tick(SourceRange where, size_t steps = 1);

  // expressions (Expressions.cpp)
  Value eval(const ast::Expr &expr);
  Value evalName(const ast::Expr &expr);
  std::optional<Value> lookup(const std::string &name) const;  // nothing if the name is not bound
  Value evalAttribute(const ast::Expr &expr);
  Value evalSubscript(const ast::Expr &expr);
  Value evalDisplay(const ast::Expr &expr);
  Value evalDict(const ast::Expr &expr);
  Value evalCompare(const ast::Expr &expr);
  Value evalBoolOp(const ast::Expr &expr);
  Value evalConditional(const ast::Expr &expr);
  Value evalComprehension(const ast::Expr &expr);
  Value evalFString(const ast::Expr &expr);
  Value evalUnary(const ast::Expr &expr);
  Value evalLambda(const ast::Expr &expr);
  // Python truth; nothing for a skipped or invalid value.
  std::optional<bool> truth(const Value &v, SourceRange where);
  // The elements `for` iterates over; nothing after reporting (or for skipped data).
  std::optional<std::vector<Value>> iterate(const Value &v, SourceRange where);
  Value index(const Value &object, const Value &key, SourceRange range);
  Value slice(const Value &object, const ast::Expr &slice, SourceRange range);
  bool checkSize(size_t items, SourceRange where);          // elements of a container
  bool checkGrowth(size_t items, size_t added, SourceRange where);  // `added` more: costs those steps only
  bool checkStringSize(size_t bytes, SourceRange where);  // bytes of a string
  // str(v) or repr(v) as a string value; an error if it is too long to build.
  Value toText(const Value &v, bool asRepr, SourceRange where);

  // operators (Operators.cpp)
  Value binary(const std::string &op, const Value &a, const Value &b, SourceRange range);
  Value compare(const std::string &op, const Value &a, const Value &b, SourceRange range);
  Value numpyElementwise(const std::string &op, const Value &a, const Value &b, SourceRange range, bool comparison);
  Value percentFormat(const Value &format, const Value &args, SourceRange range);
  std::optional<std::string> formatValue(const Value &v, const std::string &spec, SourceRange range);

  // calls (Calls.cpp)
  Value evalCall(const ast::Expr &expr);
  bool evalArguments(const ast::Expr &expr, CallSite &call);
  Value call(const Value &callee, CallSite &call);
  bool mayChangeModels(const Closure &function, const CallSite &call) const;
  Value callFunction(const Closure &function, CallSite &call);
  Value callPartial(const Value &partial, CallSite &call);
  Value activationFunction(CallSite &call);
  bool bindParameters(const Closure &function, CallSite &call, Scope &scope);
  Value makeClosure(const std::shared_ptr<ast::Function> &def, SourceRange range);
  // The model-building callables may not take skipped data: reports and returns true if `call` holds any.
  bool rejectSkipped(const CallSite &call, const LayerKind *layerClass = nullptr);

  // Python builtins and methods (Builtins.cpp)
  Value callPython(const Builtin &builtin, CallSite &call);
  Value callMath(const Builtin &builtin, CallSite &call);
  Value callValueMethod(const Value &self, const std::string &method, CallSite &call);
  Value valueAttribute(const Value &object, const std::string &name, SourceRange range, SourceRange nameRange);
  Value strFormat(const std::string &format, CallSite &call);
  Value sorted(std::vector<Value> items, SourceRange range);

  // NumPy arrays of data with known shapes (DataArrays.cpp)
  std::optional<Value> callDataFunction(const Value &callee, const ast::Expr &e);
  // Data of a known shape made outside any layer (tf.zeros((1, 784))).
  Value constantData(const std::string &what, const std::vector<int64_t> &dims, SourceRange range);
  // model(data) for a subclassed model not yet built: built on the data's
  // shape if Kiln knows it (the build's result), else nothing.
  std::optional<Value> buildModelOnData(Layer *model, const Value &data, SourceRange range);
  std::optional<Value> dataAttribute(const Value &array, const std::string &name, SourceRange range);
  std::optional<Value> dataSubscript(const Value &array, const ast::Expr &e);
  std::optional<Value> dataLength(const Value &array, SourceRange range);
  // set(y_train), np.unique(y_train): a dataset's classes, as an array of their number.
  std::optional<Value> dataClasses(const Value &labels, SourceRange range);
  std::optional<Value> dataMath(const std::string &name, const CallSite &call);  // np.mean(x_train, axis=0)
  std::optional<Value> dataTensorOp(const Builtin &builtin, const TensorOp &op, const CallSite &call);
  Value dataBinary(const std::string &op, const Value &a, const Value &b, SourceRange range);
  int dataSamples_ = 0;  // the sample counts of the arrays made so far

  // modules (Modules.cpp)
  Value resolveImport(const std::string &path, SourceRange range);
  Value moduleMember(const std::string &module, const std::string &name, SourceRange range, SourceRange nameRange);
  Value lookupGlobal(const std::string &name) const;  // Keras names and Python builtins known without imports
  Value callBuiltin(const Builtin &builtin, CallSite &call);
  Value callLayerFunction(const Builtin &builtin, CallSite &call);
  Value callBackend(const Builtin &builtin, CallSite &call);

  // Kiln's library (Applications.cpp): keras.applications written in .kiln.
  // Its member `name` reached through `module` (keras.applications.resnet.ResNet50, keras.applications.ResNet50).
  std::optional<Value> libraryMember(const std::string &module, const std::string &name, SourceRange range);
  // The globals of library module `stem`, run on first use; null if there is no such module.
  Scope *libraryModule(const std::string &stem);
  // The applications the library defines, for messages.
  std::vector<std::string> libraryApplications();
  bool inLibrary(SourceRange where) const { return where.valid() && libraryFiles_.count(where.begin.file); }
  // The frame of the user's call that entered the library (the innermost call made outside it), if any.
  std::optional<size_t> libraryEntry() const;
  // model.load_weights(file) in library code: Kiln reads weights from --weights, so it says so at the user's call.
  Value libraryLoadWeights(CallSite &call);
  void addCallNotes(Diagnostic &d);

  // StringLookup and IntegerLookup (Lookups.cpp)
  static bool isLookup(const Value &v);
  Value makeLookup(const Builtin &builtin, CallSite &call);
  bool setLookupVocabulary(Value &lookup, const Value &given, bool idfWeights, SourceRange range);
  Value lookupAttribute(const Value &lookup, const std::string &name, SourceRange range, SourceRange nameRange);
  Value callLookupMethod(const Value &lookup, const std::string &method, CallSite &call);
  Value callLookup(const Value &lookup, CallSite &call);

  // Keras semantics (Keras.cpp)
  Value constructLayer(const LayerKind *kind, CallSite &call, const std::string &calledAs = "");
  Value callLayer(Layer *layer, CallSite &call);
  // callTensors: tensors of the call's further tensor parameters
  // (LayerKind::callSignature), appended to the node's inputs.
  bool withinSizeLimits(const Layer &layer, const std::vector<TensorType> &inputs, const ShapeContext &cx,
                        SourceRange range);
  Value applyLayer(Layer *layer, std::vector<Tensor *> inputs, SourceRange range, bool listInput,
                   const std::vector<Tensor *> &callTensors = {});
  Value callModelAsLayer(Model *model, CallSite &call);
  Value callTimeDistributedModel(Layer *layer, const std::vector<Tensor *> &tensors, SourceRange range);
  Value makeInput(CallSite &call);
  Tensor *newInputTensor(const std::string &name, TensorType type, SourceRange range, const LayerConfig *config);
  Value makeFunctionalModel(CallSite &call, const std::string &defaultName);
  Value makeSequential(CallSite &call);
  bool sequentialAdd(Model *model, const Value &item, SourceRange range);
  bool buildSequential(Model *model, Tensor *input, SourceRange range);
  bool collectModelLayers(Model *model, SourceRange range);
  std::vector<Tensor *> tensorsOf(const Value &v, const std::string &what, bool &ok);
  std::string uniqueName(const std::string &stem, bool zeroBased, std::map<std::string, int> *counters = nullptr);
  std::optional<std::vector<int64_t>> declaredBatchShape(const Layer &layer);
  // the value as Python would bind a function's return value for unpacking
  Value tensorsValue(const std::vector<Tensor *> &tensors, SourceRange range);
  std::string inputLayerName();
  std::string sequentialInputName(const Layer &first);

  // attributes and methods of Keras objects (KerasObjects.cpp)
  Value kerasAttribute(const Value &object, const std::string &name, SourceRange range, SourceRange nameRange);
  Value callKerasMethod(const Value &self, const std::string &method, CallSite &call);
  Value initialStates(Layer *layer, CallSite &call);
  Value initialValue(const Value &initializer, CallSite &call);
  Value layerVariable(CallSite &call);
  bool setKerasAttribute(const Value &object, const std::string &name, SourceRange range, const std::string &text,
                         const Value &value);
  Value unknownAttribute(const Value &object, const std::string &name, SourceRange nameRange,
                         const std::vector<std::string> &known);

  // tensor expressions in Lambda and custom layers (TensorOps.cpp, CustomLayers.cpp)
  bool traceLayer(Layer *layer, const std::vector<Tensor *> &inputs, bool listInput, SourceRange range);
  // RNN over custom cells (alone or stacked): their call() traced on one
  // step of the cell's input (CustomCells.cpp).
  bool traceCells(Layer *rnn, const TensorType &sequence, SourceRange range);
  bool traceCell(Layer *cell, const std::string &who, int64_t features, SourceRange range);
  void retraceLambdas();
  struct LambdaCall {
    Layer *layer;
    std::vector<Tensor *> inputs;
    bool listInput;
    SourceRange range;
  };
  std::vector<LambdaCall> lambdaCalls_;  // each Lambda's first call, traced again at the end (retraceLambdas)
  static int foldableAxes(const std::vector<TensorType> &types);
  bool checkFolded(const std::string &who, const TensorProgram &program, const TensorType &input, SourceRange range);
  static bool computesOnRows(Family family);
  std::optional<Value> globalPooling(const TensorOp &op, const TensorArgs &args, const std::string &stem,
                                     const std::string &given);
  std::optional<Value> broadcastingMerge(const std::string &operation, const std::vector<Tensor *> &inputs,
                                         SourceRange range, const std::string &stem, const std::string &given);
  bool foldedTrace_ = false;  // tracing a program folded over open axes (TensorProgram::foldedAxes)
  bool traceActivationFunction(Layer *layer, const TensorType &output, SourceRange range);
  bool buildComposite(Layer *layer, const Value &input, SourceRange range);
  bool buildFirst(Layer *layer, const std::vector<Tensor *> &inputs, const Value &input, SourceRange range);
  Value buildShape(const Layer &layer, const std::vector<Tensor *> &tensors, const Value &input, SourceRange range);
  std::set<const Layer *> builtFirst_;  // custom layers whose build() made their sublayers (buildFirst)
  std::vector<std::string> callParameters(const Layer &layer) const;
  bool packCallArguments(Layer *layer, CallSite &call);
  bool checkCustomMasks(Layer *layer, const CallSite &call);
  Value maskArgument(const Value &first);
  Value runTimeShape(Tensor *t, SourceRange range);
  static bool isRunTimeSize(const Value &v);
  Value oneHot(const Builtin &builtin, CallSite &call, const std::string &what);
  bool explicitMask(Layer *layer, CallSite &call);
  std::optional<Value> newAxesView(Tensor *t, const ast::Expr &e);
  Value positions(const CallSite &call, const std::string &what);
  bool maskPassedThrough(const Model &model, const std::vector<Tensor *> &tensors, const std::string &what,
                         SourceRange range, std::vector<Tensor *> &passed);
  bool compositeOutputMasks(Layer *layer, const Value &first, const std::vector<Tensor *> &outputs, SourceRange range,
                            std::vector<Tensor *> &masks);
  std::vector<CallArgument> callArguments(const Layer &layer, const Value &input) const;
  // Constants in a composite's call() (CustomLayers.cpp): `v` with each one
  // made a model tensor, by a layer that repeats it for every sample.
  Value constantsAsTensors(const Value &v, SourceRange range, bool &ok);
  bool isConstant(const Value &v) const;
  // Operands of Python's operators: a tensor of the layer being traced, or
  // a model's tensor or a composite's constant (their math makes a layer).
  bool traceOperand(const Value &v) const { return v.is(ValueKind::Traced) && !isConstant(v); }
  bool modelOperand(const Value &v) const { return v.is(ValueKind::Tensor) || isConstant(v); }
  bool checkBatchFree(const Layer &layer, const std::vector<Tensor *> &inputs, SourceRange range);
  Value traced(int node, SourceRange range);
  std::optional<int> tensorOperand(const Value &v, const std::string &what);
  Value tensorShape(const Value &v, SourceRange range);
  Value tensorBinary(const std::string &op, const Value &a, const Value &b, SourceRange range);
  Value tensorNegate(const Value &v, SourceRange range);
  Value tensorSubscript(const Value &object, const ast::Expr &e);
  Value pixelShuffle(const Builtin &builtin, CallSite &call, bool toDepth);
  Value splitTensor(const Builtin &builtin, CallSite &call, const std::string &what, bool unstack);
  Value resizeImages(const Builtin &builtin, CallSite &call, const std::string &what);
  Value padTensor(CallSite &call, const std::string &what);
  Value callTensorOp(const Builtin &builtin, CallSite &call);
  Value traceTensorFamily(const Builtin &builtin, const TensorOp &op, const TensorArgs &args);  // TensorFamilies.cpp
  std::optional<Value> binaryOnNumbers(const std::string &name, const CallSite &call);
  std::optional<Value> onModelTensors(const std::string &keras2Name, const std::string &keras3Name,
                                      const std::vector<Value *> &operands, SourceRange range,
                                      const std::function<Value()> &compute, const std::string &given = "");
  std::optional<Value> operatorOnModelTensors(const std::string &op, const std::vector<Value *> &operands,
                                              SourceRange range, const std::function<Value()> &compute);
  void reportUnsupportedTensorOp(const std::string &what, SourceRange range);
  Scope *execClassBody(const ast::Stmt &stmt);
  void defineCustomLayer(const ast::Stmt &stmt, bool subclassedModel);
  Value buildSubclassedModel(Layer *layer, CallSite &call);
  bool buildInputType(Value shape, TensorType &type);
  const Value *classMember(const LayerKind *kind, const std::string &name) const;
  Value callClassMethod(Layer *layer, const std::string &name, CallSite call);
  Value constructCustomLayer(const LayerKind *kind, CallSite &call);
  bool initBaseLayer(Layer *layer, const CallSite &call);
  Value makeSuper(CallSite &call);
  // The first parameter of the method running now (`self`), if it is bound.
  const Value *methodSelf() const;
  // plain Python classes (PlainClasses.cpp)
  bool isPlainClassBase(const Value &base) const;
  void definePlainClass(const ast::Stmt &stmt, const Value *base);
  Value objectAttribute(const Value &object, const std::string &name, SourceRange range, SourceRange nameRange);
  Value callObjectMethod(const Value &self, const std::string &method, CallSite &call);
  Value constructObject(const Value &cls, CallSite &call);
  Value constructDataclass(const Value &cls, const Value &fields, Value &object, CallSite &call);
  Value callObjectSuper(const Value &self, const std::string &method, CallSite &call);
  Value callSuper(const Value &self, const std::string &method, CallSite &call);
  Value addWeight(Layer *layer, CallSite &call);  // self.add_weight(...)
  void materializeInitWeights(Layer *layer, TensorProgram &program, SourceRange range);
  std::map<const Layer *, std::vector<WeightSpec>> initWeights_;  // made before the layer's first call

  DiagnosticEngine &diags_;
  Graph &graph_;
  EvalOptions options_;
  Scope globals_;
  Scope *scope_ = &globals_;                  // where names are bound now
  std::deque<std::unique_ptr<Scope>> scopes_; // function and comprehension scopes, kept for closures
  std::deque<std::shared_ptr<const Closure>> closures_;
  struct Frame {
    const Closure *function;
    SourceRange call;
  };
  std::vector<Frame> frames_;  // the user functions being called, outermost first
  struct LibraryModule {
    std::unique_ptr<ast::Module> ast;
    std::unique_ptr<Scope> globals;
  };
  std::map<std::string, LibraryModule> libraryModules_;  // by file stem; null globals: no such module
  std::set<uint32_t> libraryFiles_;
  Value returnValue_;
  std::map<std::string, int> nameCounters_;
  // While a composite custom layer's call() runs: the counters of its tensor
  // math's layer names, which Keras does not name (they are TensorFlow or
  // backend ops inside the layer) and which must not shift the file's names.
  std::map<std::string, int> *compositeNames_ = nullptr;
  const Layer *composite_ = nullptr;  // the composite whose build() and call() run
  // ...and the tensor math of its constants (ops.arange(...)), and its inputs.
  std::shared_ptr<TensorProgram> compositeConstants_;
  std::vector<Tensor *> compositeInputs_;
  std::vector<ModelBinding> models_;
  // Top-level assignments that reported errors and bound only error values
  // (which every use propagates quietly), with the errors they reported;
  // `errorsElsewhere_`: any other error, which any model may depend on.
  struct FailedAssignment {
    SourceRange range;
    DiagnosticEngine::Mark from, to;
  };
  std::vector<FailedAssignment> failedAssignments_;
  bool errorsElsewhere_ = false;
  bool effectsLost_ = false;  // a method or function that may change models not called for an error argument
  // `stmt` assigns to names alone, and each is bound to an error value now.
  bool bindsOnlyErrors(const ast::Stmt &stmt) const;
  // keras.backend.image_data_format(): the data_format of layers whose
  // data_format is None (set_image_data_format changes it).
  std::string imageDataFormat_ = "channels_last";
  bool starImported_ = false;
  int64_t steps_ = 0;
  int loopDepth_ = 0;      // loops around the running statement, in the current call
  bool stopped_ = false;  // the budget is spent or the recursion too deep: unwind
  std::vector<std::pair<SourceRange, std::string>> skipped_;  // statements skipped, in order
  std::set<std::pair<uint32_t, uint32_t>> skippedSeen_;
  // Statements that only feed a training loss (TrainingOnly.h), of the
  // blocks looked at so far.
  std::set<const std::vector<ast::StmtPtr> *> lossBlocksSeen_;
  std::set<const ast::Stmt *> trainingOnly_;
  bool speculating_ = false;  // running one of them
  void markTrainingOnly(const std::vector<ast::StmtPtr> &block);
  Flow execTrainingOnly(const ast::Stmt &stmt);
  std::shared_ptr<TensorProgram> trace_;             // the layer computation being traced, if any
  std::map<const LayerKind *, Scope *> classScopes_;  // the bodies of the file's custom layer classes
  std::map<const Model *, std::map<std::string, Value>> modelAttributes_;  // model.n_classes = ... of the file
};

// Why NumPy's functions are skipped: their values are data.
inline constexpr const char *kNumpyOnData = "NumPy computes on data";

// `skipped`, a member `full` of NumPy, keras.datasets, keras.utils or
// keras.preprocessing, marked as a function whose result's shape Kiln
// computes if it is one (DataArrays.cpp).
Value dataFunction(Value skipped, const std::string &full);
// Whether `full` is a module of such functions (keras.datasets.mnist, keras.preprocessing.sequence).
bool isDataModule(const std::string &full);
// NumPy's functions of one array that Kiln computes elementwise (np.sqrt, np.float32).
bool isNumpyElementwise(const std::string &name);
// Data `v` (and the values that share its content) changed in place: what
// Kiln knew of its content (and if `reshaped`, of its shape) no longer holds.
void markWritten(const Value &v, bool reshaped = false);

// The tensor function `name` of `module` (keras.backend, tensorflow,
// tensorflow.math, tensorflow.nn, keras.ops, ...), if it is in the subset.
const Builtin *tensorOpBuiltin(const std::string &module, const std::string &name);

}  // namespace kiln
