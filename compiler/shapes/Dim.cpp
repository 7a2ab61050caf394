#include "shapes/Dim.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>

namespace kiln {

struct Dim::Node {
  Op op;
  int axis = -1;  // Axis
  Dim lhs, rhs;   // Add .. Max; a divisor is a constant rhs
};

Dim Dim::constant(int64_t value) {
  Dim d;
  d.value_ = value;
  return d;
}

// Expressions are interned: one node per distinct expression, so equal
// expressions are the same node. Comparing them is then a pointer check, and
// walks keyed on the node (code generation) see each expression once however
// many sizes and offsets build on it. The table holds its nodes weakly and
// forgets them when the last Dim using them is gone.
namespace {
struct NodeKey {
  int op, axis;
  const void *lhs, *rhs;     // operand nodes, or null for constants
  int64_t lhsValue, rhsValue;  // constant operands (kNone included)
  bool operator==(const NodeKey &) const = default;
};
struct NodeKeyHash {
  size_t operator()(const NodeKey &k) const {
    size_t h = std::hash<int64_t>()(k.op * 1000003LL + k.axis);
    for (size_t v : {std::hash<const void *>()(k.lhs), std::hash<const void *>()(k.rhs),
                     std::hash<int64_t>()(k.lhsValue), std::hash<int64_t>()(k.rhsValue)})
      h = h * 31 + v;
    return h;
  }
};
}  // namespace

std::shared_ptr<const Dim::Node> Dim::intern(Node node) {
  thread_local std::unordered_map<NodeKey, std::weak_ptr<const Node>, NodeKeyHash> table;
  auto operand = [](const Dim &d) { return d.node_ ? int64_t{0} : d.none_ ? kNone : d.value_; };
  NodeKey key{int(node.op), node.axis, node.lhs.node_.get(), node.rhs.node_.get(), operand(node.lhs), operand(node.rhs)};
  std::weak_ptr<const Node> &slot = table[key];
  if (std::shared_ptr<const Node> existing = slot.lock()) return existing;
  if (table.size() > 4096 && table.size() % 4096 == 0)  // drop forgotten expressions now and then
    std::erase_if(table, [&](const auto &entry) { return entry.second.expired() && !(entry.first == key); });
  auto made = std::make_shared<const Node>(std::move(node));
  table[key] = made;
  return made;
}

Dim Dim::axis(int id) {
  Dim d;
  d.node_ = intern(Node{Op::Axis, id, {}, {}});
  return d;
}

Dim::Op Dim::op() const {
  if (node_) return node_->op;
  return none_ ? Op::None : Op::Constant;
}

int64_t Dim::value() const {
  if (node_) {
    std::fprintf(stderr, "kilnc: internal error: a dimension sized at run time was read as a constant\n");
    std::abort();
  }
  return value_;
}

const Dim &Dim::lhs() const { return node_->lhs; }
const Dim &Dim::rhs() const { return node_->rhs; }
int Dim::axisId() const { return node_->axis; }

bool operator==(const Dim &a, const Dim &b) {
  if (!a.node_ || !b.node_) return !a.node_ && !b.node_ && a.none_ == b.none_ && a.value_ == b.value_;
  return a.node_ == b.node_;  // interned: equal expressions are one node
}

Dim Dim::make(Op op, Dim lhs, Dim rhs) {
  Dim d;
  d.node_ = intern(Node{op, -1, std::move(lhs), std::move(rhs)});
  return d;
}

Dim add(const Dim &a, const Dim &b) {
  if (a.none() || b.none()) return kNone;
  if (a.known() && b.known()) return Dim::constant(a.value_ + b.value_);
  if (a == 0) return b;
  if (b == 0) return a;
  // (x - c) + d folds its constants: convolution arithmetic stays short.
  if (b.known() && a.op() == Dim::Op::Sub && a.rhs().known()) return add(a.lhs(), Dim::constant(b.value_ - a.rhs().value_));
  if (b.known() && a.op() == Dim::Op::Add && a.rhs().known()) return add(a.lhs(), Dim::constant(a.rhs().value_ + b.value_));
  if (b.known() && b.value_ < 0) return Dim::make(Dim::Op::Sub, a, Dim::constant(-b.value_));
  if (a.known()) return add(b, a);
  return Dim::make(Dim::Op::Add, a, b);
}

Dim sub(const Dim &a, const Dim &b) {
  if (a.none() || b.none()) return kNone;
  if (a.known() && b.known()) return Dim::constant(a.value_ - b.value_);
  if (b.known()) return add(a, Dim::constant(-b.value_));
  if (a == b) return 0;
  return Dim::make(Dim::Op::Sub, a, b);
}

Dim mul(const Dim &a, const Dim &b) {
  if (a.none() || b.none()) return kNone;
  if (a.known() && b.known()) return Dim::constant(a.value_ * b.value_);
  if (a == 1) return b;
  if (b == 1) return a;
  if (a == 0 || b == 0) return 0;
  if (a.known()) return mul(b, a);  // constants on the right
  // (x * c) * d folds its constants, so equal products compare equal.
  if (b.known() && a.op() == Dim::Op::Mul && a.rhs().known()) return mul(a.lhs(), Dim::constant(a.rhs().value_ * b.value_));
  return Dim::make(Dim::Op::Mul, a, b);
}

namespace {
int64_t floorDivide(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
}  // namespace

Dim floorDiv(const Dim &a, int64_t b) {
  if (a.none()) return kNone;
  if (a.known()) return Dim::constant(floorDivide(a.value_, b));
  if (b == 1) return a;
  return Dim::make(Dim::Op::FloorDiv, a, b);
}

Dim exactDiv(const Dim &a, int64_t b) {
  if (a.op() == Dim::Op::Mul && a.rhs().known() && a.rhs().value_ % b == 0)
    return mul(a.lhs(), Dim::constant(a.rhs().value_ / b));
  return floorDiv(a, b);
}

Dim ceilDiv(const Dim &a, int64_t b) {
  if (a.none()) return kNone;
  if (a.known()) return Dim::constant(-floorDivide(-a.value_, b));
  if (b == 1) return a;
  return Dim::make(Dim::Op::CeilDiv, a, b);
}

Dim max(const Dim &a, const Dim &b) {
  if (a.none() || b.none()) return kNone;
  if (a.known() && b.known()) return Dim::constant(std::max(a.value_, b.value_));
  if (a == b) return a;
  return Dim::make(Dim::Op::Max, a, b);
}

std::vector<Dim> toDims(const std::vector<int64_t> &shape) { return {shape.begin(), shape.end()}; }

Dim product(const std::vector<Dim> &dims, size_t from) {
  Dim p = 1;
  for (size_t i = from; i < dims.size(); ++i) p = mul(p, dims[i]);
  return p;
}

Dim Dim::substitute(const std::function<Dim(int)> &axes) const {
  switch (op()) {
  case Op::Constant:
  case Op::None: return *this;
  case Op::Axis: return axes(axisId());
  case Op::Add: return add(lhs().substitute(axes), rhs().substitute(axes));
  case Op::Sub: return sub(lhs().substitute(axes), rhs().substitute(axes));
  case Op::Mul: return mul(lhs().substitute(axes), rhs().substitute(axes));
  case Op::FloorDiv: return floorDiv(lhs().substitute(axes), rhs().value());
  case Op::CeilDiv: return ceilDiv(lhs().substitute(axes), rhs().value());
  case Op::Max: return max(lhs().substitute(axes), rhs().substitute(axes));
  }
  return *this;
}

int64_t Dim::evaluate(const std::vector<int64_t> &axes) const {
  Dim d = substitute([&](int id) { return Dim::constant(axes.at(id)); });
  return d.value();
}

std::string Dim::expression(const std::vector<std::string> &axisNames) const {
  auto operand = [&](const Dim &d) {
    std::string s = d.expression(axisNames);
    return d.op() == Op::Constant || d.op() == Op::Axis || d.op() == Op::Max || d.op() == Op::CeilDiv ? s : "(" + s + ")";
  };
  switch (op()) {
  case Op::Constant: return std::to_string(value_);
  case Op::None: return "None";
  case Op::Axis: return axisNames.at(axisId());
  case Op::Add: return lhs().expression(axisNames) + " + " + operand(rhs());
  case Op::Sub: return lhs().expression(axisNames) + " - " + operand(rhs());
  case Op::Mul: return operand(lhs()) + " * " + operand(rhs());
  case Op::FloorDiv: return operand(lhs()) + " / " + rhs().expression(axisNames);
  case Op::CeilDiv: return "((" + lhs().expression(axisNames) + " + " + std::to_string(rhs().value_ - 1) + ") / " +
                           rhs().expression(axisNames) + ")";
  case Op::Max: return "(" + operand(lhs()) + " > " + operand(rhs()) + " ? " + operand(lhs()) + " : " + operand(rhs()) + ")";
  }
  return {};
}

void Dim::collectAxes(std::vector<int> &ids) const {
  if (!node_) return;
  if (node_->op == Op::Axis) {
    if (std::find(ids.begin(), ids.end(), node_->axis) == ids.end()) ids.push_back(node_->axis);
    return;
  }
  node_->lhs.collectAxes(ids);
  node_->rhs.collectAxes(ids);
}

}  // namespace kiln
