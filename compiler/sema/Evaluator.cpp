// Statements and expressions: Python's rules for the subset Kiln accepts.
#include "sema/Evaluator.h"

#include "diagnostics/Suggest.h"
#include "layers/LayerKind.h"

#include <cmath>

namespace kiln {

void Evaluator::run(const ast::Module &module) {
  for (const ast::StmtPtr &stmt : module.statements) exec(*stmt);
}

void Evaluator::exec(const ast::Stmt &stmt) {
  switch (stmt.kind) {
  case ast::StmtKind::Import:
    execImport(stmt);
    return;
  case ast::StmtKind::Assign: {
    Value v = eval(*stmt.value);
    for (const ast::ExprPtr &target : stmt.targets) assign(*target, v);
    return;
  }
  case ast::StmtKind::Expression:
    if (!stmt.augmentedOp.empty()) {
      diags_.report(DiagID::err_aug_assign, stmt.keywordRange, stmt.augmentedOp);
      return;
    }
    eval(*stmt.value);
    return;
  case ast::StmtKind::Def:
    diags_.report(DiagID::err_unsupported_def, stmt.keywordRange);
    return;
  case ast::StmtKind::For:
    diags_.report(DiagID::err_unsupported_for, stmt.keywordRange);
    return;
  case ast::StmtKind::Pass:
    return;
  case ast::StmtKind::Unsupported:
    // else/elif/except/finally continue a block statement already reported.
    if (stmt.keyword == "else" || stmt.keyword == "elif" || stmt.keyword == "except" || stmt.keyword == "finally")
      return;
    diags_.report(DiagID::err_unsupported_statement, stmt.keywordRange, stmt.keyword,
                  stmt.blockHeader ? "; a model file is a straight list of layer definitions" : "");
    return;
  }
}

void Evaluator::execImport(const ast::Stmt &stmt) {
  for (const ast::ImportName &imp : stmt.imports) {
    if (imp.alias == "*") {
      starImported_ = true;
      continue;
    }
    Value v = resolveImport(imp.path, imp.range);
    scope_[imp.alias] = v;
  }
}

namespace {

// The layer whose call gave `v`: a tensor, or a list of tensors, all outputs
// of one call.
const Layer *calledLayer(const Value &v) {
  std::vector<Value> items = v.isSequence() ? v.items : std::vector<Value>{v};
  const Node *node = nullptr;
  for (const Value &item : items) {
    if (!item.is(ValueKind::Tensor) || (node && item.tensor->producer != node)) return nullptr;
    node = item.tensor->producer;
  }
  return node && node->layer->kind && node->outputs.size() == items.size() ? node->layer : nullptr;
}

}  // namespace

void Evaluator::assign(const ast::Expr &target, const Value &value) {
  switch (target.kind) {
  case ast::ExprKind::Name: {
    Value bound = value;
    scope_[target.name] = bound;
    if (value.is(ValueKind::Model)) {
      for (ModelBinding &b : models_)
        if (b.model == value.model) b.variable = target.name;
    }
    return;
  }
  case ast::ExprKind::Tuple:
  case ast::ExprKind::List: {
    const auto &names = target.elements;
    if (value.is(ValueKind::Error)) {
      for (const ast::ExprPtr &t : names) assign(*t, value);
      return;
    }
    if (!value.isSequence()) {
      Diagnostic &d = diags_.report(DiagID::err_unpack_type, value.range, describe(value));
      if (const Layer *layer = calledLayer(value); layer && !layer->kind->describeOutputs(*layer).empty())
        d.note(DiagID::note_call_outputs, value.range, layer->describe(), layer->kind->describeOutputs(*layer));
      for (const ast::ExprPtr &t : names) assign(*t, Value::error(value.range));
      return;
    }
    if (value.items.size() != names.size()) {
      std::string what = std::to_string(value.items.size()) + " value" + (value.items.size() == 1 ? "" : "s");
      Diagnostic &d = diags_.report(DiagID::err_unpack_count, target.range, what, names.size());
      if (const Layer *layer = calledLayer(value)) {
        std::string outputs = layer->kind->describeOutputs(*layer);
        d.note(DiagID::note_call_outputs, value.range, layer->describe(),
               outputs.empty() ? std::to_string(value.items.size()) + " tensors" : outputs);
      } else {
        d.note(DiagID::note_value_from, value.range, "the value");
      }
      for (const ast::ExprPtr &t : names) assign(*t, Value::error(value.range));
      return;
    }
    for (size_t i = 0; i < names.size(); ++i) assign(*names[i], value.items[i]);
    return;
  }
  case ast::ExprKind::Attribute: {
    Value object = eval(*target.object);
    if (!object.is(ValueKind::Error)) diags_.report(DiagID::note_attribute_ignored, target.range, target.name);
    return;
  }
  default:
    diags_.report(DiagID::err_assign_target, target.range,
                  target.kind == ast::ExprKind::Subscript ? "an indexed element" : "an expression");
  }
}

Value Evaluator::eval(const ast::Expr &e) {
  switch (e.kind) {
  case ast::ExprKind::Name: return evalName(e);
  case ast::ExprKind::Int: return Value::ofInt(e.intValue, e.range);
  case ast::ExprKind::Float: return Value::ofFloat(e.floatValue, e.range);
  case ast::ExprKind::Str: return Value::ofStr(e.name, e.range);
  case ast::ExprKind::None: return Value::none(e.range);
  case ast::ExprKind::Bool: return Value::ofBool(e.intValue != 0, e.range);
  case ast::ExprKind::Ellipsis: return Value::make(ValueKind::Ellipsis, e.range);
  case ast::ExprKind::Tuple:
  case ast::ExprKind::List:
  case ast::ExprKind::Dict: {
    Value v = Value::make(e.kind == ast::ExprKind::Tuple  ? ValueKind::Tuple
                          : e.kind == ast::ExprKind::List ? ValueKind::List
                                                          : ValueKind::Dict,
                          e.range);
    for (const ast::ExprPtr &item : e.elements) v.items.push_back(eval(*item));
    return v;
  }
  case ast::ExprKind::Attribute: return evalAttribute(e);
  case ast::ExprKind::Subscript: return evalSubscript(e);
  case ast::ExprKind::Slice:
    diags_.report(DiagID::err_unsupported_expression, e.range, "slices");
    return Value::error(e.range);
  case ast::ExprKind::Unary: return evalUnary(e);
  case ast::ExprKind::Binary: return evalBinary(e);
  case ast::ExprKind::Call: return evalCall(e);
  case ast::ExprKind::Unsupported:
    diags_.report(DiagID::err_unsupported_expression, e.range, e.name);
    return Value::error(e.range);
  }
  return Value::error(e.range);
}

Value Evaluator::evalName(const ast::Expr &e) {
  if (auto it = scope_.find(e.name); it != scope_.end()) {
    Value v = it->second;
    v.range = e.range;
    return v;
  }
  Value global = lookupGlobal(e.name);
  if (!global.is(ValueKind::Error)) {
    global.range = e.range;
    return global;
  }
  // A suggestion looks at every name in scope: only for an error that is shown.
  std::optional<std::string> suggestion;
  if (diags_.willShow(Severity::Error)) {
    std::vector<std::string> candidates;
    for (const auto &[name, v] : scope_) candidates.push_back(name);
    for (const std::string &name : LayerRegistry::instance().names()) candidates.push_back(name);
    for (const char *name : {"Input", "Model", "Sequential"}) candidates.push_back(name);
    suggestion = closestMatch(e.name, candidates);
  }
  if (suggestion)
    diags_.report(DiagID::err_undefined_name_suggest, e.range, e.name, *suggestion);
  else
    diags_.report(DiagID::err_undefined_name, e.range, e.name);
  return Value::error(e.range);
}

Value Evaluator::evalAttribute(const ast::Expr &e) {
  Value object = eval(*e.object);
  if (object.is(ValueKind::Error)) return Value::error(e.range);
  return attributeOf(object, e.name, e.range, e.nameRange);
}

Value Evaluator::evalSubscript(const ast::Expr &e) {
  Value object = eval(*e.object);
  if (object.is(ValueKind::Error)) return Value::error(e.range);
  if (e.elements.size() != 1 || e.elements[0]->kind == ast::ExprKind::Slice) {
    diags_.report(DiagID::err_subscript, e.range, describe(object),
                  object.is(ValueKind::Tensor) ? "; slicing tensors is not supported, use Cropping or Reshape layers"
                                               : " with a slice");
    return Value::error(e.range);
  }
  Value index = eval(*e.elements[0]);
  if (index.is(ValueKind::Error)) return Value::error(e.range);
  if (object.isSequence() && index.is(ValueKind::Int)) {
    int64_t n = static_cast<int64_t>(object.items.size());
    int64_t i = index.integer < 0 ? index.integer + n : index.integer;
    if (i < 0 || i >= n) {
      diags_.report(DiagID::err_index_range, index.range, index.integer, object.is(ValueKind::Tuple) ? "tuple" : "list", n);
      return Value::error(e.range);
    }
    Value item = object.items[i];
    return item;
  }
  if (object.is(ValueKind::Dict)) {
    for (size_t i = 0; i + 1 < object.items.size(); i += 2) {
      const Value &key = object.items[i];
      if (key.kind == index.kind && key.text == index.text && key.integer == index.integer) return object.items[i + 1];
    }
  }
  diags_.report(DiagID::err_subscript, e.range, describe(object),
                object.is(ValueKind::Tensor) ? "; slicing tensors is not supported, use Cropping or Reshape layers"
                                             : " with " + describe(index));
  return Value::error(e.range);
}

Value Evaluator::evalUnary(const ast::Expr &e) {
  Value v = eval(*e.object);
  if (v.is(ValueKind::Error)) return Value::error(e.range);
  if (v.is(ValueKind::Int)) return Value::ofInt(e.name == "-" ? -v.integer : v.integer, e.range);
  if (v.is(ValueKind::Float)) return Value::ofFloat(e.name == "-" ? -v.real : v.real, e.range);
  diags_.report(DiagID::err_unary, e.range, e.name, describe(v));
  return Value::error(e.range);
}

Value Evaluator::evalBinary(const ast::Expr &e) {
  Value a = eval(*e.object);
  Value b = eval(*e.rhs);
  if (a.is(ValueKind::Error) || b.is(ValueKind::Error)) return Value::error(e.range);
  const std::string &op = e.name;
  if (a.isNumber() && b.isNumber()) {
    bool ints = a.is(ValueKind::Int) && b.is(ValueKind::Int);
    if ((op == "/" || op == "//" || op == "%") && b.number() == 0) {
      diags_.report(DiagID::err_division_by_zero, e.range);
      return Value::error(e.range);
    }
    if (ints && op != "/" && !(op == "**" && b.integer < 0)) {
      int64_t x = a.integer, y = b.integer, r = 1;
      bool overflow = false;
      if (op == "+") overflow = __builtin_add_overflow(x, y, &r);
      else if (op == "-") overflow = __builtin_sub_overflow(x, y, &r);
      else if (op == "*") overflow = __builtin_mul_overflow(x, y, &r);
      else if (op == "//") r = x / y - ((x % y != 0) && ((x < 0) != (y < 0)));
      else if (op == "%") r = ((x % y) + y) % y;
      else if (op == "**")
        for (int64_t i = 0; i < y && !overflow; ++i) overflow = __builtin_mul_overflow(r, x, &r);
      else goto unsupported;
      if (overflow || (op == "//" && x == INT64_MIN && y == -1)) {
        diags_.report(DiagID::err_integer_overflow, e.range);
        return Value::error(e.range);
      }
      return Value::ofInt(r, e.range);
    }
    double x = a.number(), y = b.number(), r = 0;
    if (op == "+") r = x + y;
    else if (op == "-") r = x - y;
    else if (op == "*") r = x * y;
    else if (op == "/") r = x / y;
    else if (op == "//") r = std::floor(x / y);
    else if (op == "%") r = x - std::floor(x / y) * y;
    else if (op == "**") r = std::pow(x, y);
    else goto unsupported;
    return Value::ofFloat(r, e.range);
  }
  if (op == "+" && a.is(ValueKind::Str) && b.is(ValueKind::Str)) return Value::ofStr(a.text + b.text, e.range);
  if (op == "+" && a.isSequence() && a.kind == b.kind) {
    Value r = a;
    r.range = e.range;
    r.items.insert(r.items.end(), b.items.begin(), b.items.end());
    return r;
  }
  if (op == "*" && a.isSequence() && b.is(ValueKind::Int)) {
    Value r = a;
    r.range = e.range;
    r.items.clear();
    for (int64_t i = 0; i < b.integer; ++i) r.items.insert(r.items.end(), a.items.begin(), a.items.end());
    return r;
  }
unsupported:
  std::string hint;
  if (a.is(ValueKind::Tensor) || b.is(ValueKind::Tensor)) {
    if (op == "+") hint = "; use Add()([a, b])";
    else if (op == "-") hint = "; use Subtract()([a, b])";
    else if (op == "*") hint = "; use Multiply()([a, b])";
    else hint = "; arithmetic on tensors needs a layer";
  }
  diags_.report(DiagID::err_arithmetic, e.range, op, describe(a), describe(b), hint);
  return Value::error(e.range);
}

Value Evaluator::evalCall(const ast::Expr &e) {
  Value callee = eval(*e.object);
  CallSite call;
  call.range = e.range;
  call.calleeRange = e.object->range;
  bool bad = callee.is(ValueKind::Error);
  // Training calls are not evaluated: their arguments (data, callbacks) need not exist.
  if (callee.is(ValueKind::Method) && (callee.text == "compile" || callee.text == "fit" ||
                                       callee.text.rfind("fit_", 0) == 0 || callee.text == "evaluate" ||
                                       callee.text == "predict" || callee.text.rfind("save", 0) == 0 ||
                                       callee.text == "load_weights" || callee.text == "summary" ||
                                       callee.text == "train_on_batch" || callee.text == "plot_model")) {
    diags_.report(DiagID::note_training_ignored, e.range, callee.text + "()");
    return Value::none(e.range);
  }
  for (const ast::Argument &a : e.args) {
    if (a.star) {
      diags_.report(DiagID::err_star_argument, a.keywordRange);
      bad = true;
      continue;
    }
    Value v = eval(*a.value);
    bad |= v.is(ValueKind::Error) && callee.kind != ValueKind::Layer && callee.kind != ValueKind::Model;
    call.args.push_back({a.keyword, a.keywordRange, std::move(v)});
  }
  if (bad) return Value::error(e.range);

  switch (callee.kind) {
  case ValueKind::LayerClass: return constructLayer(callee.layerClass, call);
  case ValueKind::Layer: return callLayer(callee.layer, call);
  case ValueKind::Model: return callModelAsLayer(callee.model, call);
  case ValueKind::Builtin: return callBuiltin(*callee.builtin, call);
  case ValueKind::Method: return callMethod(*callee.self, callee.text, call);
  default:
    diags_.report(DiagID::err_not_callable, e.object->range, describe(callee));
    return Value::error(e.range);
  }
}

}  // namespace kiln
