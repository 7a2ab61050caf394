// The abstract syntax of a .kiln file: Python's statements and expressions,
// as much of them as model-building code uses. Every node carries the source
// range it was written at, so later stages can point diagnostics at it.
#pragma once

#include "diagnostics/SourceManager.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kiln::ast {

struct Expr;
struct Stmt;
struct Function;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;

enum class ExprKind {
  Name, Int, Float, Str, None, Bool, Ellipsis,
  Tuple, List, Dict, Set,
  Call, Attribute, Subscript, Slice,
  Unary,           // - + ~ not
  Binary,          // + - * / // % ** @ << >> & | ^
  Compare,         // a < b <= c: `elements` are the operands, `ops` the operators between them
  BoolOp,          // `and` / `or` (in `name`), short-circuit over `elements`
  Conditional,     // elements = {value if true, condition, value if false}
  Lambda,          // `function`
  Comprehension,   // [x for ...], (x for ...), {x for ...}, {k: v for ...}: `name` is list/generator/set/dict
  FString,         // elements: Str and FormattedValue parts, in order
  FormattedValue,  // {object!name:rhs}: name is the conversion (r, s, a) or empty; rhs the format spec (FString) or null
  Starred,         // *object in a display, a call or an assignment target
};

struct Argument {
  std::string keyword;  // empty for positional
  SourceRange keywordRange;
  ExprPtr value;
  std::string star;  // "*" or "**" for *args / **kwargs
};

// One `for target in iterable if condition...` clause of a comprehension.
struct ComprehensionClause {
  ExprPtr target;
  ExprPtr iterable;
  std::vector<ExprPtr> conditions;
};

struct Expr {
  ExprKind kind;
  SourceRange range;

  std::string name;               // Name, Attribute (the attribute), Str (the value),
                                  // Unary/Binary/BoolOp (the operator), Comprehension (its kind)
  int64_t intValue = 0;           // Int, Bool
  double floatValue = 0;          // Float
  ExprPtr object;                 // Call (callee), Attribute, Subscript, Unary (operand), Binary (lhs),
                                  // Comprehension (the element; the key of a dict), Starred, FormattedValue
  ExprPtr rhs;                    // Binary; Comprehension (the value of a dict); FormattedValue (the spec)
  std::vector<ExprPtr> elements;  // Tuple, List, Set, Subscript (indices), Slice (lower, upper, step; may be
                                  // null), Dict (key, value, ...; a null key is a **mapping), Compare, BoolOp,
                                  // Conditional, FString
  std::vector<std::string> ops;   // Compare
  std::vector<Argument> args;     // Call
  std::vector<ComprehensionClause> clauses;  // Comprehension
  std::shared_ptr<Function> function;        // Lambda
  SourceRange nameRange;          // Attribute: just the attribute name

  Expr(ExprKind k, SourceRange r) : kind(k), range(r) {}
};

struct Parameter {
  enum class Kind {
    Plain,           // x or x=default
    VarArgs,         // *args
    KwArgs,          // **kwargs
    KeywordOnly,     // a bare `*`: the parameters after it are keyword-only
    PositionalOnly,  // a `/`: the parameters before it are positional-only
  };
  Kind kind = Kind::Plain;
  std::string name;
  SourceRange range;
  ExprPtr defaultValue;  // evaluated when the def runs, as in Python
};

// A def or a lambda.
struct Function {
  std::string name;    // "<lambda>" for a lambda
  SourceRange range;   // the def header or the lambda
  std::vector<Parameter> params;
  std::vector<StmtPtr> body;  // def
  ExprPtr result;             // lambda
  bool generator = false;     // the body contains `yield`
};

enum class StmtKind {
  Assign,       // targets = value (a target per '='; tuples unpack)
  AugAssign,    // target op= value
  Expression,   // a call, usually
  Import,
  Def,
  Class,        // name, bases in `items`, body
  If,           // value: the condition; clauses: elif / else
  For,          // targets[0] in value; clauses: else
  While,        // value: the condition; clauses: else
  With,         // items: the context expressions; targets: their `as` targets (null if none)
  Try,          // clauses: except / else / finally
  Clause,       // elif (value), else, except (value, name), finally: part of the statement before it
  Return,       // value (may be null)
  Break, Continue, Pass,
  Assert,       // value: the test; message
  Del,          // targets
  Raise,        // value (may be null)
  Unsupported,  // global, nonlocal, yield: `keyword` says which
};

struct ImportName {
  std::string path;   // "keras.layers.Dense" or "keras"
  std::string alias;  // the name it binds
  SourceRange range;
};

struct Stmt {
  StmtKind kind;
  SourceRange range;
  std::vector<ExprPtr> targets;
  ExprPtr value;
  ExprPtr message;                 // Assert
  std::vector<ExprPtr> items;      // With (contexts), Class (bases)
  std::string op;                  // AugAssign: the operator without '=' ("+")
  std::vector<ImportName> imports;
  std::string keyword;             // the statement's keyword ("if", "else", "global", ...)
  SourceRange keywordRange;
  std::string name;                // Class; Clause `except E as name`
  std::shared_ptr<Function> function;  // Def
  std::vector<ExprPtr> decorators;     // Def, Class
  std::vector<StmtPtr> body;
  std::vector<StmtPtr> clauses;        // If, For, While, Try
  bool blockHeader = false;  // ends with ':' and owns the following indented lines

  Stmt(StmtKind k, SourceRange r) : kind(k), range(r) {}
};

struct Module {
  uint32_t file = 0;
  std::vector<StmtPtr> statements;
};

}  // namespace kiln::ast
