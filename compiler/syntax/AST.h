// The abstract syntax of a .kiln file. Every node carries the source range it
// was written at, so later stages can point diagnostics at it.
#pragma once

#include "diagnostics/SourceManager.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kiln::ast {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

enum class ExprKind {
  Name, Int, Float, Str, None, Bool, Ellipsis,
  Tuple, List, Dict,
  Call, Attribute, Subscript, Slice,
  Unary, Binary,
  Unsupported,  // lambda, comprehension, comparison, ...: reported by sema
};

struct Argument {
  std::string keyword;  // empty for positional
  SourceRange keywordRange;
  ExprPtr value;
  bool star = false;  // *args or **kwargs
};

struct Expr {
  ExprKind kind;
  SourceRange range;

  std::string name;               // Name, Attribute (the attribute), Str (the value),
                                  // Unary/Binary (the operator), Unsupported (a description)
  int64_t intValue = 0;           // Int, Bool
  double floatValue = 0;          // Float
  ExprPtr object;                 // Call (callee), Attribute, Subscript, Unary (operand), Binary (lhs)
  ExprPtr rhs;                    // Binary
  std::vector<ExprPtr> elements;  // Tuple, List, Subscript (indices), Slice (lower, upper, step; may be null)
                                  // Dict (key, value, key, value, ...)
  std::vector<Argument> args;     // Call
  SourceRange nameRange;          // Attribute: just the attribute name

  Expr(ExprKind k, SourceRange r) : kind(k), range(r) {}
};

enum class StmtKind {
  Assign,       // targets = value
  Expression,   // a call, usually
  Import,
  Def,
  For,
  Unsupported,  // while/if/return/...: `keyword` says which
  Pass,
};

struct ImportName {
  std::string path;   // "keras.layers.Dense" or "keras"
  std::string alias;  // the name it binds
  SourceRange range;
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;

struct Stmt {
  StmtKind kind;
  SourceRange range;
  std::vector<ExprPtr> targets;  // Assign: one per '=' (tuples unpack); For: the loop variable
  ExprPtr value;                 // Assign, Expression, For (the iterable)
  std::string augmentedOp;       // Expression written as `x += v`: the operator
  std::vector<ImportName> imports;
  std::string keyword;           // Unsupported, Def (function name)
  SourceRange keywordRange;
  bool blockHeader = false;      // ends with ':' and owns the following indented lines
  std::vector<StmtPtr> body;     // Def, For, and block headers: the indented lines

  Stmt(StmtKind k, SourceRange r) : kind(k), range(r) {}
};

struct Module {
  uint32_t file = 0;
  std::vector<StmtPtr> statements;
};

}  // namespace kiln::ast
