#include "sema/TrainingOnly.h"

#include <algorithm>
#include <functional>
#include <string>

namespace kiln {

namespace {

void namesRead(const std::vector<ast::StmtPtr> &body, std::set<std::string> &out);

void namesRead(const ast::Expr &e, std::set<std::string> &out) {
  if (e.kind == ast::ExprKind::Name) out.insert(e.name);
  for (const ast::Expr *sub : {e.object.get(), e.rhs.get()})
    if (sub) namesRead(*sub, out);
  for (const ast::ExprPtr &sub : e.elements)
    if (sub) namesRead(*sub, out);
  for (const ast::Argument &a : e.args)
    if (a.value) namesRead(*a.value, out);
  for (const ast::ComprehensionClause &c : e.clauses) {
    if (c.iterable) namesRead(*c.iterable, out);
    for (const ast::ExprPtr &condition : c.conditions) namesRead(*condition, out);
  }
  if (e.function) {
    if (e.function->result) namesRead(*e.function->result, out);
    namesRead(e.function->body, out);
  }
}

// Every name a statement may read, in nested blocks and functions too; a
// target reads the containers it stores into (`d[k] = v` reads d and k).
void namesRead(const ast::Stmt &s, std::set<std::string> &out) {
  for (const ast::ExprPtr &t : s.targets)
    if (t && (t->kind != ast::ExprKind::Name || s.kind == ast::StmtKind::AugAssign)) namesRead(*t, out);
  for (const ast::Expr *e : {s.value.get(), s.message.get()})
    if (e) namesRead(*e, out);
  for (const ast::ExprPtr &item : s.items) namesRead(*item, out);
  if (s.function) {
    for (const ast::Parameter &p : s.function->params)
      if (p.defaultValue) namesRead(*p.defaultValue, out);
    namesRead(s.function->body, out);
  }
  namesRead(s.body, out);
  namesRead(s.clauses, out);
}

void namesRead(const std::vector<ast::StmtPtr> &body, std::set<std::string> &out) {
  for (const ast::StmtPtr &s : body) namesRead(*s, out);
}

// The names an assignment binds, if it binds names only (no attribute,
// item or starred target).
bool assignedNames(const ast::Expr &target, std::set<std::string> &out) {
  if (target.kind == ast::ExprKind::Name) return out.insert(target.name), true;
  if (target.kind != ast::ExprKind::Tuple && target.kind != ast::ExprKind::List) return false;
  return std::all_of(target.elements.begin(), target.elements.end(),
                     [&](const ast::ExprPtr &e) { return e && assignedNames(*e, out); });
}

bool assignsOnly(const std::vector<ast::StmtPtr> &block, std::set<std::string> &names);

// Whether a statement does nothing but bind names (through assignments, in
// branches and loops too) and add losses; `names` gets the names it binds.
bool assignsOnly(const ast::Stmt &s, std::set<std::string> &names) {
  auto targetsAreNames = [&] {
    return !s.targets.empty() && std::all_of(s.targets.begin(), s.targets.end(),
                                             [&](const ast::ExprPtr &t) { return t && assignedNames(*t, names); });
  };
  switch (s.kind) {
  case ast::StmtKind::Assign:
  case ast::StmtKind::AugAssign: return targetsAreNames();
  case ast::StmtKind::Expression: return isLossStatement(s);
  case ast::StmtKind::Pass: return true;
  case ast::StmtKind::For:
    if (!targetsAreNames()) return false;
    [[fallthrough]];
  case ast::StmtKind::If:
  case ast::StmtKind::While:
    return assignsOnly(s.body, names) &&
           std::all_of(s.clauses.begin(), s.clauses.end(), [&](const ast::StmtPtr &c) { return assignsOnly(c->body, names); });
  default: return false;
  }
}

bool assignsOnly(const std::vector<ast::StmtPtr> &block, std::set<std::string> &names) {
  return std::all_of(block.begin(), block.end(), [&](const ast::StmtPtr &s) { return assignsOnly(*s, names); });
}

}  // namespace

bool isLossStatement(const ast::Stmt &stmt) {
  if (stmt.kind != ast::StmtKind::Expression || !stmt.value || stmt.value->kind != ast::ExprKind::Call) return false;
  const ast::Expr *callee = stmt.value->object.get();
  return callee && callee->kind == ast::ExprKind::Attribute && (callee->name == "add_loss" || callee->name == "add_metric");
}

std::set<std::string> namesReadBy(const ast::Function &function) {
  std::set<std::string> names;
  if (function.result) namesRead(*function.result, names);
  namesRead(function.body, names);
  return names;
}

std::set<std::string> localNamesOf(const ast::Function &function) {
  std::set<std::string> names;
  bool declared = false;
  std::function<void(const std::vector<ast::StmtPtr> &)> scan = [&](const std::vector<ast::StmtPtr> &block) {
    for (const ast::StmtPtr &s : block) {
      for (const ast::ExprPtr &t : s->targets)
        if (t) assignedNames(*t, names);
      for (const ast::ImportName &i : s->imports) names.insert(i.alias.empty() ? i.path.substr(0, i.path.find('.')) : i.alias);
      if (s->kind == ast::StmtKind::Def && s->function) names.insert(s->function->name);
      if ((s->kind == ast::StmtKind::Class || s->kind == ast::StmtKind::Clause) && !s->name.empty()) names.insert(s->name);
      declared |= s->kind == ast::StmtKind::Unsupported && (s->keyword == "global" || s->keyword == "nonlocal");
      scan(s->body);
      scan(s->clauses);
    }
  };
  scan(function.body);
  return declared ? std::set<std::string>{} : names;
}

namespace {

// The name an attribute, item or call chain starts from (`a` of a.b[0].c()).
const ast::Expr *chainRoot(const ast::Expr &e) {
  const ast::Expr *root = &e;
  while ((root->kind == ast::ExprKind::Attribute || root->kind == ast::ExprKind::Subscript ||
          root->kind == ast::ExprKind::Call) &&
         root->object)
    root = root->object.get();
  return root->kind == ast::ExprKind::Name ? root : nullptr;
}

struct ParameterChanges {
  std::set<std::string> parameters;
  bool found = false;

  bool rootedInParameter(const ast::Expr &e) const {
    const ast::Expr *root = chainRoot(e);
    return root && parameters.count(root->name);
  }
  void target(const ast::Expr &t) {
    if (t.kind == ast::ExprKind::Tuple || t.kind == ast::ExprKind::List || t.kind == ast::ExprKind::Starred) {
      for (const ast::ExprPtr &e : t.elements)
        if (e) target(*e);
      if (t.object) target(*t.object);
      return;
    }
    found |= (t.kind == ast::ExprKind::Attribute || t.kind == ast::ExprKind::Subscript) && rootedInParameter(t);
  }
  void expr(const ast::Expr &e) {
    static const std::set<std::string> reads = {"predict", "predict_on_batch", "predict_step", "evaluate", "summary",
                                                "get_layer", "get_weights", "get_config", "count_params", "to_json",
                                                "save", "save_weights", "numpy", "reshape", "astype", "copy"};
    if (e.kind == ast::ExprKind::Call && e.object && e.object->kind == ast::ExprKind::Attribute &&
        !reads.count(e.object->name) && rootedInParameter(*e.object))
      found = true;
    for (const ast::Expr *sub : {e.object.get(), e.rhs.get()})
      if (sub) expr(*sub);
    for (const ast::ExprPtr &sub : e.elements)
      if (sub) expr(*sub);
    for (const ast::Argument &a : e.args)
      if (a.value) expr(*a.value);
    for (const ast::ComprehensionClause &c : e.clauses) {
      if (c.iterable) expr(*c.iterable);
      for (const ast::ExprPtr &condition : c.conditions) expr(*condition);
    }
    if (e.function) block(e.function->body);
    if (e.function && e.function->result) expr(*e.function->result);
  }
  void block(const std::vector<ast::StmtPtr> &body) {
    for (const ast::StmtPtr &s : body) {
      for (const ast::ExprPtr &t : s->targets)
        if (t) {
          target(*t);
          expr(*t);
        }
      for (const ast::Expr *e : {s->value.get(), s->message.get()})
        if (e) expr(*e);
      for (const ast::ExprPtr &item : s->items) expr(*item);
      if (s->function) block(s->function->body);
      block(s->body);
      block(s->clauses);
    }
  }
};

}  // namespace

bool changesParameters(const ast::Function &function) {
  ParameterChanges changes;
  for (const ast::Parameter &p : function.params) changes.parameters.insert(p.name);
  if (function.result) changes.expr(*function.result);
  changes.block(function.body);
  return changes.found;
}

std::set<const ast::Stmt *> trainingOnlyStatements(const std::vector<ast::StmtPtr> &block) {
  std::set<const ast::Stmt *> skipped;
  // Working back, what the statements after this one read: by kept
  // statements, and by skipped ones.
  std::set<std::string> readByKept, readBySkipped;
  for (auto it = block.rbegin(); it != block.rend(); ++it) {
    const ast::Stmt &s = **it;
    bool skip = isLossStatement(s);
    std::set<std::string> names;
    if (!skip && s.kind != ast::StmtKind::Expression && s.kind != ast::StmtKind::Pass && assignsOnly(s, names))
      skip = std::none_of(names.begin(), names.end(), [&](const std::string &n) { return readByKept.count(n); }) &&
             std::any_of(names.begin(), names.end(), [&](const std::string &n) { return readBySkipped.count(n); });
    namesRead(s, skip ? readBySkipped : readByKept);
    if (skip) skipped.insert(&s);
  }
  return skipped;
}

}  // namespace kiln
