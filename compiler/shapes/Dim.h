// One dimension of a tensor type: a constant, an open axis (an axis Keras
// leaves None, sized at run time) or an expression over open axes that a
// layer's shape rule implies (convolution arithmetic, concatenation sums),
// or None: not known and not named (the batch axis, and any axis before its
// input gives it a name). The shape pass computes every dimension once;
// code generation evaluates the expressions from the run-time sizes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace kiln {

constexpr int64_t kNone = -1;  // a dimension not known at build time

class Dim {
public:
  enum class Op { Constant, None, Axis, Add, Sub, Mul, FloorDiv, CeilDiv, Max };

  // kNone is None; every other value a constant.
  Dim(int64_t value = 0) : value_(value), none_(value == kNone) {}
  // Any value as a constant, kNone's -1 included (arithmetic results).
  static Dim constant(int64_t value);
  // The open axis `id` (see Graph::openAxes).
  static Dim axis(int id);

  Op op() const;
  bool known() const { return !node_ && !none_; }
  bool none() const { return none_; }
  bool symbolic() const { return node_ != nullptr; }
  // The constant (kNone for None); an internal error on an open axis or an
  // expression (a layer that reads it has not declared
  // LayerKind::supportsOpenAxes, or did not check known()).
  int64_t value() const;
  operator int64_t() const { return value(); }  // NOLINT: constants are the common case

  // The expression's node, one per distinct expression (null for a constant
  // or None): a walk that keys on it sees each expression once.
  const void *node() const { return node_.get(); }
  // Operands of an expression; the axis id of an Axis.
  const Dim &lhs() const;
  const Dim &rhs() const;
  int axisId() const;

  // The same expression with every open axis replaced by `axes(id)`.
  Dim substitute(const std::function<Dim(int)> &axes) const;
  // Evaluated with the sizes of the open axes.
  int64_t evaluate(const std::vector<int64_t> &axes) const;
  // As C computes it for positive sizes, open axes by name: "(steps - 3) / 2 + 1".
  std::string expression(const std::vector<std::string> &axisNames) const;
  // Open axes this dimension depends on, in first-use order.
  void collectAxes(std::vector<int> &ids) const;

  friend bool operator==(const Dim &a, const Dim &b);
  friend bool operator==(const Dim &a, int64_t b) { return !a.node_ && (b == kNone ? a.none_ : !a.none_ && a.value_ == b); }
  // An exact match for literals, which would otherwise also fit the built-in
  // int64_t == int through the conversion above.
  friend bool operator==(const Dim &a, int b) { return a == int64_t{b}; }

private:
  struct Node;
  static Dim make(Op op, Dim lhs, Dim rhs);
  static std::shared_ptr<const Node> intern(Node node);
  friend Dim add(const Dim &, const Dim &);
  friend Dim sub(const Dim &, const Dim &);
  friend Dim mul(const Dim &, const Dim &);
  friend Dim floorDiv(const Dim &, int64_t);
  friend Dim exactDiv(const Dim &, int64_t);
  friend Dim ceilDiv(const Dim &, int64_t);
  friend Dim max(const Dim &, const Dim &);

  int64_t value_ = 0;
  bool none_ = false;
  std::shared_ptr<const Node> node_;
};

// Arithmetic that folds constants and stays symbolic otherwise; None
// anywhere gives None. Divisors are positive constants.
Dim add(const Dim &a, const Dim &b);
Dim sub(const Dim &a, const Dim &b);
Dim mul(const Dim &a, const Dim &b);
Dim floorDiv(const Dim &a, int64_t b);
// a / b where a is meant to be a multiple of b: x * 6 / 2 is x * 3; else
// floor division, and the caller checks the product at run time.
Dim exactDiv(const Dim &a, int64_t b);
Dim ceilDiv(const Dim &a, int64_t b);
Dim max(const Dim &a, const Dim &b);
// `n` rounded up to a multiple of `multiple` (a positive constant).
inline Dim roundUp(const Dim &n, int64_t multiple) { return mul(ceilDiv(n, multiple), multiple); }
// Constants (kNone: None) as dimensions.
std::vector<Dim> toDims(const std::vector<int64_t> &shape);
// The product of dims[from..].
Dim product(const std::vector<Dim> &dims, size_t from = 0);

}  // namespace kiln
