// Tensor math over axes sized at run time that is not elementwise (which
// folds those axes into the batch, see foldableAxes): the run-time sizes
// tf.shape gives, the positions tf.range makes of them, and new axes of
// size 1 as a view.
#include "sema/Evaluator.h"

#include "layers/LayerKind.h"
#include "layers/core/Traced.h"

#include <algorithm>

namespace kiln {

// tf.shape(x) / ops.shape(x) of a model's tensor with axes sized at run
// time: the sizes known at build time, None for the batch, and for the
// open axes their run-time sizes, which only ranges take (`positions`).
Value Evaluator::runTimeShape(Tensor *t, SourceRange range) {
  std::vector<Value> dims{Value::none(range)};
  for (size_t a = 1; a < t->type.dims.size(); ++a) {
    if (t->type.dims[a].known()) {
      dims.push_back(Value::ofInt(t->type.dims[a].value(), range));
      continue;
    }
    Value size = Value::make(ValueKind::Opaque, range);
    size.text = "RunTimeSize";
    size.tensor = t;
    size.integer = int64_t(a);
    dims.push_back(size);
  }
  return Value::ofTuple(std::move(dims), range);
}

bool Evaluator::isRunTimeSize(const Value &v) { return v.is(ValueKind::Opaque) && v.text == "RunTimeSize"; }

// tf.range(n) / ops.arange(0, n, 1) of a size from runTimeShape: the
// positions along that axis, a layer (PositionsKind). Other starts and
// steps are not supported.
Value Evaluator::positions(const CallSite &call, const std::string &what) {
  std::vector<const Value *> positional;
  const Value *size = nullptr;
  bool plain = true;
  for (const CallArgument &a : call.args) {
    if (a.keyword.empty()) positional.push_back(&a.value);
    else if (a.keyword == "stop" || a.keyword == "limit") size = &a.value;
    else if (a.keyword == "start") plain &= a.value.isNumber() && a.value.number() == 0;
    else if (a.keyword == "step" || a.keyword == "delta") plain &= a.value.isNumber() && a.value.number() == 1;
  }
  if (positional.size() == 1 && !size) size = positional[0];
  if (positional.size() >= 2) {
    plain &= positional[0]->isNumber() && positional[0]->number() == 0;
    size = positional[1];
  }
  if (positional.size() == 3) plain &= positional[2]->isNumber() && positional[2]->number() == 1;
  if (!size || !isRunTimeSize(*size) || !plain || positional.size() > 3) {
    diags_.report(DiagID::err_tensor_op, call.range, what,
                  "over an axis sized at run time, only a range from 0 to the axis's size in steps of 1 is supported");
    return Value::error(call.range);
  }
  std::string stem = options_.kerasVersion == KerasVersion::V2 ? "tf.range" : "arange";
  Layer *layer = graph_.newLayer(positionsKind(), uniqueName(stem, true, compositeNames_), call.range);
  layer->config.set("axis", Value::ofInt(size->integer, call.range), true);
  return applyLayer(layer, {size->tensor}, call.range, false);
}

// `mask[:, tf.newaxis, :]`: new axes of size 1 in a model's tensor with an
// axis sized at run time (a padding mask made a row for attention_mask), a
// Reshape, which is a view. Nothing for other subscripts.
std::optional<Value> Evaluator::newAxesView(Tensor *t, const ast::Expr &e) {
  std::vector<int> items;  // 0: a whole axis (`:`), 1: a new axis, 2: `...`
  for (const ast::ExprPtr &item : e.elements) {
    if (item->kind == ast::ExprKind::Slice) {
      if (item->elements[0] || item->elements[1] || item->elements[2]) return std::nullopt;
      items.push_back(0);
      continue;
    }
    if (item->kind != ast::ExprKind::Name && item->kind != ast::ExprKind::Attribute && item->kind != ast::ExprKind::None &&
        item->kind != ast::ExprKind::Ellipsis)
      return std::nullopt;
    Value v = eval(*item);
    if (!v.is(ValueKind::None) && !v.is(ValueKind::Ellipsis)) return std::nullopt;
    items.push_back(v.is(ValueKind::None) ? 1 : 2);
  }
  if (items.empty() || items[0] != 0 || std::count(items.begin(), items.end(), 2) > 1) return std::nullopt;
  const std::vector<Dim> &dims = t->type.dims;
  size_t whole = size_t(std::count(items.begin(), items.end(), 0));
  if (whole > dims.size()) return std::nullopt;
  std::vector<Value> target;
  size_t axis = 1;
  auto take = [&] { target.push_back(Value::ofInt(dims[axis].known() ? dims[axis].value() : -1, e.range)), ++axis; };
  for (size_t i = 1; i < items.size(); ++i) {
    if (items[i] == 1) target.push_back(Value::ofInt(1, e.range));
    else if (items[i] == 0) take();
    else
      for (size_t n = dims.size() - whole; n > 0; --n) take();
  }
  while (axis < dims.size()) take();
  if (std::count_if(target.begin(), target.end(), [](const Value &d) { return d.integer == -1; }) != 1) return std::nullopt;
  const std::string stem = options_.kerasVersion == KerasVersion::V2 ? "tf.__operators__.getitem" : "get_item";
  Layer *layer = graph_.newLayer(LayerRegistry::instance().find("Reshape"), uniqueName(stem, true, compositeNames_), e.range);
  layer->config.set("target_shape", Value::ofTuple(std::move(target), e.range), true);
  return applyLayer(layer, {t}, e.range, false);
}

}  // namespace kiln
