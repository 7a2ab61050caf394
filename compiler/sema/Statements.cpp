// Statements: Python's rules for assignment, blocks and control flow, run at
// build time. Code that only handles data, trains or prints is skipped and
// listed in one note.
#include "sema/Evaluator.h"

#include "layers/core/Traced.h"
#include "sema/TrainingOnly.h"

#include <fmt/format.h>

namespace kiln {

Evaluator::Evaluator(DiagnosticEngine &diags, Graph &graph, EvalOptions options)
    : diags_(diags), graph_(graph), options_(options) {
  // An error inside a function carries the calls that led to it.
  diags_.setContext([this](Diagnostic &d) { addCallNotes(d); });
}

Evaluator::~Evaluator() { diags_.setContext(nullptr); }

namespace {

// The names an assignment target binds; false for a target that is not
// names alone (an attribute, a subscript).
bool boundNames(const ast::Expr &target, std::vector<std::string> &out) {
  switch (target.kind) {
  case ast::ExprKind::Name: out.push_back(target.name); return true;
  case ast::ExprKind::Tuple:
  case ast::ExprKind::List: {
    bool names = true;
    for (const ast::ExprPtr &e : target.elements) names = boundNames(*e, out) && names;
    return names;
  }
  case ast::ExprKind::Starred: return boundNames(*target.object, out);
  default: return false;
  }
}

}  // namespace

void Evaluator::run(const ast::Module &module) {
  markTrainingOnly(module.statements);
  for (const ast::StmtPtr &s : module.statements) {
    const DiagnosticEngine::Mark before = diags_.mark();
    const Flow flow = exec(*s);
    if (diags_.errorCount() != before.errors) {
      if (bindsOnlyErrors(*s)) failedAssignments_.push_back({s->range, before, diags_.mark()});
      else errorsElsewhere_ = true;
    }
    if (flow != Flow::Normal) break;
  }
  const unsigned before = diags_.errorCount();
  retraceLambdas();
  errorsElsewhere_ = errorsElsewhere_ || stopped_ || diags_.errorCount() != before;
}

bool Evaluator::bindsOnlyErrors(const ast::Stmt &stmt) const {
  if (stmt.kind != ast::StmtKind::Assign || stopped_) return false;
  std::vector<std::string> names;
  for (const ast::ExprPtr &target : stmt.targets)
    if (!boundNames(*target, names)) return false;
  return std::all_of(names.begin(), names.end(), [&](const std::string &name) {
    auto it = globals_.names.find(name);
    return it != globals_.names.end() && it->second.is(ValueKind::Error);
  });
}

Model *Evaluator::selectModelBesideErrors(const std::string &name) {
  if (errorsElsewhere_ || effectsLost_ || failedAssignments_.empty() || diags_.mark().dropped) return nullptr;
  // The model a name is bound to, else the last model of that name, when no
  // error reached it (a Sequential given an error value is invalid); null
  // for a name now bound to what failed.
  auto find = [&](const std::string &wanted) -> Model * {
    Model *model = nullptr;
    if (auto it = globals_.names.find(wanted); it != globals_.names.end()) {
      if (!it->second.is(ValueKind::Model)) return nullptr;
      model = it->second.model;
    }
    for (auto b = models_.rbegin(); !model && b != models_.rend(); ++b)
      if (b->model->name == wanted) model = b->model;
    return model && !model->layer->invalid && !model->inputs.empty() && !model->outputs.empty() ? model : nullptr;
  };
  if (name.empty()) {
    std::vector<std::string> usable;
    for (const ModelBinding &b : models_)
      if (const std::string n = b.variable.empty() ? b.model->name : b.variable; find(n) == b.model)
        usable.push_back("'" + n + "'");
    if (!usable.empty())
      diags_.report(DiagID::note_models_beside_errors, SourceRange{}, fmt::format("{}", fmt::join(usable, ", ")));
    return nullptr;
  }
  Model *model = find(name);
  if (!model) return nullptr;
  for (const FailedAssignment &f : failedAssignments_)
    if (Diagnostic *first = diags_.demoteErrors(f.from, f.to)) first->note(DiagID::note_not_in_model, f.range, name);
  return model;
}

void Evaluator::markTrainingOnly(const std::vector<ast::StmtPtr> &block) {
  if (!lossBlocksSeen_.insert(&block).second) return;
  std::set<const ast::Stmt *> found = trainingOnlyStatements(block);
  trainingOnly_.insert(found.begin(), found.end());
}

bool Evaluator::tick(SourceRange where, size_t steps) {
  if (stopped_) return false;
  steps_ += int64_t(std::min<size_t>(steps, kStepBudget + 1));
  if (steps_ <= kStepBudget) return true;
  diags_.report(DiagID::err_eval_budget, where, kStepBudget);
  stopped_ = true;
  return false;
}

void Evaluator::recordSkipped(SourceRange where, const std::string &what) {
  if (skippedSeen_.insert({where.begin.file, where.begin.offset}).second) skipped_.push_back({where, what});
}

void Evaluator::noteSkipped() {
  if (skipped_.empty()) return;
  // "model.fit() (line 30), print() (lines 31, 40)": one entry per kind of statement.
  std::vector<std::pair<std::string, std::vector<unsigned>>> groups;
  const SourceManager &sources = diags_.sources();
  for (const auto &[where, what] : skipped_) {
    unsigned line = sources.lineColumn(where.begin).line;
    auto it = std::find_if(groups.begin(), groups.end(), [&](auto &g) { return g.first == what; });
    if (it == groups.end()) groups.push_back({what, {line}});
    else it->second.push_back(line);
  }
  std::string list;
  for (const auto &[what, lines] : groups) {
    list += (list.empty() ? "" : ", ") + what + (lines.size() == 1 ? " (line " : " (lines ");
    for (size_t i = 0; i < lines.size(); ++i) list += (i ? ", " : "") + std::to_string(lines[i]);
    list += ")";
  }
  // Unlocated, so it prints once after the errors it may explain.
  diags_.report(DiagID::note_skipped_statements, SourceRange{}, sources.name(skipped_.front().first.begin.file),
                skipped_.size(), skipped_.size() == 1 ? "" : "s", list);
}

Evaluator::Flow Evaluator::execBlock(const std::vector<ast::StmtPtr> &body) {
  for (const ast::StmtPtr &s : body) {
    Flow f = exec(*s);
    if (f != Flow::Normal) return f;
  }
  return Flow::Normal;
}

Evaluator::Flow Evaluator::exec(const ast::Stmt &stmt) {
  if (!tick(stmt.range)) return Flow::Stop;
  if (isLossStatement(stmt)) {
    recordSkipped(stmt.range, exprText(*stmt.value));
    return Flow::Normal;
  }
  if (trainingOnly_.count(&stmt) && !speculating_) return execTrainingOnly(stmt);
  switch (stmt.kind) {
  case ast::StmtKind::Import: execImport(stmt); break;
  case ast::StmtKind::Assign: {
    Value v = eval(*stmt.value);
    if (v.is(ValueKind::Skipped)) recordSkipped(stmt.range, exprText(*stmt.value));
    for (const ast::ExprPtr &target : stmt.targets) assign(*target, v);
    break;
  }
  case ast::StmtKind::AugAssign: execAugAssign(stmt); break;
  case ast::StmtKind::Expression: {
    Value v = eval(*stmt.value);
    if (v.is(ValueKind::Skipped)) recordSkipped(stmt.range, exprText(*stmt.value));
    break;
  }
  case ast::StmtKind::Def: execDef(stmt); break;
  case ast::StmtKind::Class: execClass(stmt); break;
  case ast::StmtKind::If: return execIf(stmt);
  case ast::StmtKind::For: return execFor(stmt);
  case ast::StmtKind::While: return execWhile(stmt);
  case ast::StmtKind::With: return execWith(stmt);
  case ast::StmtKind::Try: return execTry(stmt);
  case ast::StmtKind::Clause: break;  // run by the statement it belongs to
  case ast::StmtKind::Return:
    if (frames_.empty()) {
      diags_.report(DiagID::err_outside, stmt.range, "'return'", "a function");
      break;
    }
    returnValue_ = stmt.value ? eval(*stmt.value) : Value::none(stmt.range);
    return stopped_ ? Flow::Stop : Flow::Return;
  case ast::StmtKind::Break:
  case ast::StmtKind::Continue:
    if (loopDepth_ == 0) {
      diags_.report(DiagID::err_outside, stmt.range, stmt.kind == ast::StmtKind::Break ? "'break'" : "'continue'",
                    "a loop");
      break;
    }
    return stmt.kind == ast::StmtKind::Break ? Flow::Break : Flow::Continue;
  case ast::StmtKind::Pass: break;
  case ast::StmtKind::Assert: execAssert(stmt); break;
  case ast::StmtKind::Del: execDel(stmt); break;
  case ast::StmtKind::Raise: execRaise(stmt); return Flow::Stop;
  case ast::StmtKind::Unsupported:
    diags_.report(DiagID::err_unsupported_statement, stmt.keywordRange, stmt.keyword,
                  stmt.keyword == "yield" ? "; generators produce data at run time"
                                          : "; pass values into functions and return them instead");
    break;
  }
  return stopped_ ? Flow::Stop : Flow::Normal;
}

namespace {

// The names a block would bind: assignment and loop targets, defs, imports.
void boundNames(const std::vector<ast::StmtPtr> &body, std::vector<std::string> &out) {
  for (const ast::StmtPtr &s : body) {
    for (const ast::ExprPtr &t : s->targets)
      if (t) boundNames(*t, out);
    if (s->kind == ast::StmtKind::Def || s->kind == ast::StmtKind::Class) out.push_back(s->name);
    for (const ast::ImportName &i : s->imports) out.push_back(i.alias);
    boundNames(s->body, out);
    for (const ast::StmtPtr &c : s->clauses) {
      if (!c->name.empty()) out.push_back(c->name);
      boundNames(c->body, out);
    }
  }
}

// The names a statement binds: its targets and what its blocks bind.
std::vector<std::string> namesBoundBy(const ast::Stmt &stmt) {
  std::vector<std::string> names;
  for (const ast::ExprPtr &t : stmt.targets)
    if (t) boundNames(*t, names);
  boundNames(stmt.body, names);
  for (const ast::StmtPtr &c : stmt.clauses) boundNames(c->body, names);
  return names;
}

// The values a block may change in place: the containers of `d[k] = v` and
// `o.a = v`, and the objects of method calls (`vocab.add(w)`,
// `rows.append(x)`, `self.blocks.append(b)`), as a name, the attribute of it
// that holds the value if any, and the method (none for an assignment).
struct Change {
  std::string name, attribute, method;
};
using Changes = std::vector<Change>;
// `name` or `name.attribute` at the root of e; false for anything else.
bool rootOf(const ast::Expr &e, Change &c) {
  if (e.kind == ast::ExprKind::Name) c.name = e.name;
  else if (e.kind == ast::ExprKind::Attribute && e.object && e.object->kind == ast::ExprKind::Name)
    c.name = e.object->name, c.attribute = e.name;
  return !c.name.empty();
}
void changedInPlace(const ast::Expr &e, Changes &out) {
  Change c;
  if (e.kind == ast::ExprKind::Call && e.object && e.object->kind == ast::ExprKind::Attribute && e.object->object &&
      rootOf(*e.object->object, c)) {
    c.method = e.object->name;
    out.push_back(c);
  }
  for (const ast::Expr *sub : {e.object.get(), e.rhs.get()})
    if (sub) changedInPlace(*sub, out);
  for (const ast::ExprPtr &sub : e.elements)
    if (sub) changedInPlace(*sub, out);
  for (const ast::Argument &a : e.args)
    if (a.value) changedInPlace(*a.value, out);
  for (const ast::ComprehensionClause &c : e.clauses) {
    if (c.iterable) changedInPlace(*c.iterable, out);
    for (const ast::ExprPtr &condition : c.conditions) changedInPlace(*condition, out);
  }
}
void changedInPlace(const std::vector<ast::StmtPtr> &body, Changes &out) {
  for (const ast::StmtPtr &s : body) {
    for (const ast::ExprPtr &t : s->targets) {
      if (!t) continue;
      const ast::Expr *root = t.get();
      while ((root->kind == ast::ExprKind::Subscript || root->kind == ast::ExprKind::Attribute) && root->object)
        root = root->object.get();
      if (root != t.get() && root->kind == ast::ExprKind::Name) out.push_back({root->name, "", ""});
      changedInPlace(*t, out);
    }
    for (const ast::Expr *e : {s->value.get(), s->message.get()})
      if (e) changedInPlace(*e, out);
    for (const ast::ExprPtr &item : s->items) changedInPlace(*item, out);
    changedInPlace(s->body, out);
    for (const ast::StmtPtr &c : s->clauses) {
      if (c->value) changedInPlace(*c->value, out);
      changedInPlace(c->body, out);
    }
  }
}

}  // namespace

void Evaluator::skipBlock(const ast::Stmt &stmt, const Value &cause, const std::string &what, SourceRange header) {
  recordSkipped(stmt.range, what);
  // What the block would bind is unknown: the names say which block left them so.
  // Said once where blocks nest (a loop over the names an earlier skipped loop bound).
  const std::string prefix = "a block that runs on skipped data: ";
  std::string why = cause.skip->why.rfind(prefix, 0) == 0 ? cause.skip->why : prefix + cause.skip->why;
  Value unknown = Value::skipped(what, why, header);
  for (const std::string &name : namesBoundBy(stmt)) {
    if (std::optional<Value> v = lookup(name)) markWritten(*v);  // y += 1 in the block changes y in place
    scope_->names[name] = unknown;
  }
  // So are the lists and dicts it would fill (`vocab = set()`, then
  // `vocab.add(w)` in a loop over data): their contents are unknown.
  Changes changed;
  if (stmt.value) changedInPlace(*stmt.value, changed);
  changedInPlace(stmt.body, changed);
  for (const ast::StmtPtr &c : stmt.clauses) changedInPlace(c->body, changed);
  for (const Change &c : changed) {
    Value *holder = nullptr;
    for (Scope *scope : {scope_, &globals_})
      if (auto it = scope->names.find(c.name); !holder && it != scope->names.end()) holder = &it->second;
    if (!holder) continue;
    markWritten(*holder);  // y[i] = 0, y.fill(0)
    // `self.blocks.append(b)`: the value is an attribute of a custom layer or of an object.
    Value attribute;
    if (!c.attribute.empty()) {
      if (holder->is(ValueKind::Layer) && holder->layer->kind && isCustomKind(holder->layer->kind) &&
          holder->layer->config.has(c.attribute))
        attribute = holder->layer->config.get(c.attribute);
      else if (holder->is(ValueKind::Instance))
        if (const Value *v = dictGet(*holder, Value::ofStr(c.attribute))) attribute = *v;
    }
    Value &value = c.attribute.empty() ? *holder : attribute;
    // A Sequential it would add layers to or take them from is incomplete:
    // an error if it is compiled (training calls change no layers).
    if (value.is(ValueKind::Model) && (c.method == "add" || c.method == "pop"))
      changedWhenSkipped_.emplace(value.model, SkippedChange{header, what, cause.skip->why});
    if (!value.is(ValueKind::List) && !value.is(ValueKind::Dict)) continue;
    if (c.attribute.empty()) value = unknown;
    else if (holder->is(ValueKind::Layer)) holder->layer->config.set(c.attribute, unknown, true);
    else dictSet(*holder, Value::ofStr(c.attribute), unknown);
  }
}

// A statement that only feeds a loss or metric runs as any other, so that
// what it builds stays built; where it fails (a reduction over the batch, a
// loss function on the model's tensors) its names are skipped instead and
// its errors dropped: inference never reads them.
Evaluator::Flow Evaluator::execTrainingOnly(const ast::Stmt &stmt) {
  DiagnosticEngine::Mark mark = diags_.mark();
  speculating_ = true;
  Flow flow = exec(stmt);
  speculating_ = false;
  if (stopped_ || diags_.errorCount() == mark.errors) return flow;
  diags_.dropSince(mark);
  bool compound = stmt.kind != ast::StmtKind::Assign && stmt.kind != ast::StmtKind::AugAssign;
  std::string what = (compound ? stmt.keyword + " " : "") + exprText(*stmt.value);
  Value unknown = Value::skipped(what, "code that only computes a training loss or metric", stmt.range);
  for (const std::string &name : namesBoundBy(stmt)) scope_->names[name] = unknown;
  recordSkipped(stmt.range, what);
  return Flow::Normal;
}

Evaluator::Flow Evaluator::execIf(const ast::Stmt &stmt) {
  const ast::Stmt *branch = &stmt;
  size_t next = 0;
  while (true) {
    Value condition = eval(*branch->value);
    std::optional<bool> t = truth(condition, branch->value->range);
    if (!t) {
      if (condition.is(ValueKind::Skipped)) skipBlock(stmt, condition, "if " + exprText(*branch->value), branch->value->range);
      return stopped_ ? Flow::Stop : Flow::Normal;
    }
    if (*t) return execBlock(branch->body);
    if (next == stmt.clauses.size()) return Flow::Normal;
    branch = stmt.clauses[next++].get();
    if (branch->keyword == "else") return execBlock(branch->body);
  }
}

Evaluator::Flow Evaluator::execFor(const ast::Stmt &stmt) {
  Value sequence = eval(*stmt.value);
  if (sequence.is(ValueKind::Skipped)) {
    skipBlock(stmt, sequence, "for ... in " + exprText(*stmt.value), stmt.value->range);
    return Flow::Normal;
  }
  std::optional<std::vector<Value>> items = iterate(sequence, stmt.value->range);
  if (!items) return stopped_ ? Flow::Stop : Flow::Normal;
  ++loopDepth_;
  Flow result = Flow::Normal;
  bool broke = false;
  for (const Value &item : *items) {
    if (!tick(stmt.range)) {
      result = Flow::Stop;
      break;
    }
    assign(*stmt.targets[0], item);
    if (!loopBody(stmt, result, broke)) break;
  }
  --loopDepth_;
  if (result != Flow::Normal || broke || stmt.clauses.empty()) return result;
  return execBlock(stmt.clauses.front()->body);  // for ... else
}

bool Evaluator::loopBody(const ast::Stmt &stmt, Flow &result, bool &broke) {
  Flow f = execBlock(stmt.body);
  if (f == Flow::Break) broke = true;
  else if (f == Flow::Return || f == Flow::Stop) result = f;
  else return true;
  return false;
}

Evaluator::Flow Evaluator::execWhile(const ast::Stmt &stmt) {
  ++loopDepth_;
  Flow result = Flow::Normal;
  bool broke = false;
  while (true) {
    if (!tick(stmt.range)) {
      result = Flow::Stop;
      break;
    }
    Value condition = eval(*stmt.value);
    std::optional<bool> t = truth(condition, stmt.value->range);
    if (!t) {
      if (condition.is(ValueKind::Skipped)) skipBlock(stmt, condition, "while " + exprText(*stmt.value), stmt.value->range);
      broke = true;
      result = stopped_ ? Flow::Stop : Flow::Normal;
      break;
    }
    if (!*t) break;
    if (!loopBody(stmt, result, broke)) break;
  }
  --loopDepth_;
  if (result != Flow::Normal || broke || stmt.clauses.empty()) return result;
  return execBlock(stmt.clauses.front()->body);
}

// Nothing raises at build time, so the handlers never run: they are listed
// as skipped; else and finally run after the body.
Evaluator::Flow Evaluator::execTry(const ast::Stmt &stmt) {
  Flow f = execBlock(stmt.body);
  const ast::Stmt *finally = nullptr;
  for (const ast::StmtPtr &c : stmt.clauses) {
    if (c->keyword == "except") recordSkipped(c->range, "except");
    else if (c->keyword == "finally") finally = c.get();
    else if (f == Flow::Normal) f = execBlock(c->body);
  }
  if (!finally) return f;
  Value pending = returnValue_;
  Flow g = execBlock(finally->body);
  if (g != Flow::Normal) return g;
  returnValue_ = pending;
  return f;
}

// `with strategy.scope():`, `with tf.device(...)`: the body runs; a context
// that is skipped code gives its `as` name a skipped value.
Evaluator::Flow Evaluator::execWith(const ast::Stmt &stmt) {
  for (size_t i = 0; i < stmt.items.size(); ++i) {
    Value context = eval(*stmt.items[i]);
    if (stmt.targets[i]) assign(*stmt.targets[i], context);
  }
  return stopped_ ? Flow::Stop : execBlock(stmt.body);
}

void Evaluator::execImport(const ast::Stmt &stmt) {
  for (const ast::ImportName &imp : stmt.imports) {
    if (imp.alias == "*") {
      if (imp.path.rfind("__future__", 0) != 0) starImported_ = true;
      continue;
    }
    scope_->names[imp.alias] = resolveImport(imp.path, imp.range);
  }
}

void Evaluator::execDef(const ast::Stmt &stmt) {
  Value f = makeClosure(stmt.function, stmt.range);
  // @decorator def f: f = decorator(f), innermost first.
  for (auto it = stmt.decorators.rbegin(); it != stmt.decorators.rend(); ++it) {
    Value decorator = eval(**it);
    CallSite call{(*it)->range, (*it)->range, {{"", {}, f}}};
    f = decorator.is(ValueKind::Error) ? decorator : this->call(decorator, call);
  }
  scope_->names[stmt.name] = f;
}

// A class: a custom layer or model, a plain Python class (PlainClasses.cpp),
// or a helper of the training code derived from another library's class (a
// callback, a data Sequence), which Kiln does not run.
void Evaluator::execClass(const ast::Stmt &stmt) {
  std::vector<Value> bases;
  for (const ast::ExprPtr &base : stmt.items) bases.push_back(eval(*base));
  for (const Value &b : bases) {
    if (b.is(ValueKind::Builtin) && b.builtin->kind == Builtin::Kind::LayerBase) {
      defineCustomLayer(stmt, false);
      return;
    }
    // A keras.Model subclass that only changes training (train_step,
    // test_step, metrics), built as CustomModel(inputs, outputs), is a
    // functional model named after its class; one with its own __init__ or
    // call() is a subclassed model: a custom layer, compiled where it is
    // called on a model's tensors or as the model once called or built.
    if (b.is(ValueKind::Builtin) && b.builtin->kind == Builtin::Kind::Model) {
      bool own = false;
      for (const ast::StmtPtr &s : stmt.body) own |= s->kind == ast::StmtKind::Def && (s->name == "__init__" || s->name == "call");
      if (own) {
        defineCustomLayer(stmt, true);
        return;
      }
      static std::deque<Builtin> subclasses;
      subclasses.push_back({b.builtin->name, Builtin::Kind::Model, toSnakeCase(stmt.name)});
      Value v = Value::make(ValueKind::Builtin, stmt.keywordRange);
      v.builtin = &subclasses.back();
      scope_->names[stmt.name] = v;
      recordSkipped(stmt.range, "class " + stmt.name);  // its training methods
      return;
    }
    if (b.is(ValueKind::Skipped) && !b.skip->unsupported) {
      scope_->names[stmt.name] = Value::skipped("class " + stmt.name, b.skip->why, stmt.keywordRange);
      recordSkipped(stmt.range, "class " + stmt.name);
      return;
    }
  }
  if (bases.size() <= 1 && std::all_of(bases.begin(), bases.end(), [&](const Value &b) { return isPlainClassBase(b); })) {
    definePlainClass(stmt, bases.empty() ? nullptr : &bases[0]);
    return;
  }
  scope_->names[stmt.name] =
      Value::skipped("class " + stmt.name, "only classes derived from keras.layers.Layer (custom layers) are compiled",
                     stmt.keywordRange, true);
}

bool Evaluator::execAssert(const ast::Stmt &stmt) {
  Value test = eval(*stmt.value);
  std::optional<bool> t = truth(test, stmt.value->range);
  if (!t) {
    if (test.is(ValueKind::Skipped)) recordSkipped(stmt.range, "assert " + exprText(*stmt.value));
    return true;
  }
  if (*t) return true;
  std::string message;
  if (stmt.message) {
    Value m = eval(*stmt.message);
    if (!m.is(ValueKind::Error) && !m.is(ValueKind::Skipped)) message = ": " + str(m);
  }
  Diagnostic &d = diags_.report(DiagID::err_assert_failed, stmt.value->range, message);
  // assert model.output_shape == (None, 7, 7, 256): show both sides.
  const ast::Expr &e = *stmt.value;
  if (e.kind == ast::ExprKind::Compare && e.elements.size() == 2) {
    Value lhs = eval(*e.elements[0]), rhs = eval(*e.elements[1]);
    d.note(DiagID::note_assert_side, e.elements[0]->range, exprText(*e.elements[0]), repr(lhs));
    d.note(DiagID::note_assert_side, e.elements[1]->range, exprText(*e.elements[1]), repr(rhs));
  }
  return false;
}

void Evaluator::execRaise(const ast::Stmt &stmt) {
  std::string what = "an exception";
  if (stmt.value) {
    what = exprText(*stmt.value);
    const ast::Expr &e = *stmt.value;
    if (e.kind == ast::ExprKind::Call && !e.args.empty() && e.args[0].keyword.empty()) {
      Value message = eval(*e.args[0].value);
      if (!message.is(ValueKind::Error) && !message.is(ValueKind::Skipped))
        what = exprText(*e.object) + ": " + str(message);
    }
  }
  diags_.report(DiagID::err_raise, stmt.range, what);
  stopped_ = true;
}

void Evaluator::execDel(const ast::Stmt &stmt) {
  for (const ast::ExprPtr &target : stmt.targets) {
    if (target->kind == ast::ExprKind::Name) {
      if (!scope_->names.erase(target->name)) diags_.report(DiagID::err_undefined_name, target->range, target->name);
      continue;
    }
    if (target->kind == ast::ExprKind::Subscript && target->elements.size() == 1) {
      Value object = eval(*target->object);
      Value key = eval(*target->elements[0]);
      if (object.is(ValueKind::Skipped) || object.is(ValueKind::Error) || key.is(ValueKind::Error)) continue;
      if (object.is(ValueKind::List) && key.isInteger()) {
        int64_t n = int64_t(object.items.size()), i = key.asInt() < 0 ? key.asInt() + n : key.asInt();
        if (i >= 0 && i < n) {
          object.items.vector().erase(object.items.vector().begin() + i);
          continue;
        }
      }
      if (object.is(ValueKind::Dict)) {
        std::vector<Value> &v = object.items.vector();
        for (size_t i = 0; i + 1 < v.size(); i += 2) {
          if (equal(v[i], key)) {
            v.erase(v.begin() + i, v.begin() + i + 2);
            break;
          }
        }
        continue;
      }
    }
    diags_.report(DiagID::err_del_target, target->range, exprText(*target));
  }
}

void Evaluator::execAugAssign(const ast::Stmt &stmt) {
  const ast::Expr &target = *stmt.targets[0];
  if (target.kind != ast::ExprKind::Name && target.kind != ast::ExprKind::Subscript &&
      target.kind != ast::ExprKind::Attribute) {
    diags_.report(DiagID::err_assign_target, target.range, "an expression");
    return;
  }
  Value current = eval(target);
  Value operand = eval(*stmt.value);
  if (current.is(ValueKind::Error) || operand.is(ValueKind::Error)) return;
  markWritten(current);  // NumPy's x += ... changes the array itself
  if (isNumpyArray(current)) {  // ...elementwise, seen through every name of the array
    if (current.text == "ndarray view") {
      diags_.report(DiagID::err_assign_target, target.range, "a slice of a NumPy array (a view of it, in NumPy)");
      return;
    }
    Value result = binary(stmt.op, current, operand, stmt.range);
    if (result.is(ValueKind::Error)) return;
    current.items.vector() = result.items.vector();
    return;
  }
  // list += iterable extends the list itself, which other names may share.
  if (stmt.op == "+" && current.is(ValueKind::List) && !operand.is(ValueKind::Skipped)) {
    std::optional<std::vector<Value>> more = iterate(operand, stmt.value->range);
    if (!more || !checkGrowth(current.items.size(), more->size(), stmt.range)) return;
    std::vector<Value> &items = current.items.vector();
    items.insert(items.end(), more->begin(), more->end());
    return;
  }
  Value result = binary(stmt.op, current, operand, stmt.range);
  if (result.is(ValueKind::Skipped)) recordSkipped(stmt.range, exprText(target) + " " + stmt.op + "= ...");
  assign(target, result);
}

namespace {

// The layer whose call gave `v`: a tensor, or a list of tensors, all outputs
// of one call.
const Layer *calledLayer(const Value &v) {
  std::vector<Value> items = v.isSequence() ? std::vector<Value>(v.items.begin(), v.items.end()) : std::vector<Value>{v};
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
  case ast::ExprKind::Name:
    scope_->names[target.name] = value;
    if (value.is(ValueKind::Model) && scope_ == &globals_)
      for (ModelBinding &b : models_)
        if (b.model == value.model) b.variable = target.name;
    return;
  case ast::ExprKind::Tuple:
  case ast::ExprKind::List: {
    const auto &names = target.elements;
    if (value.is(ValueKind::Error) || value.is(ValueKind::Skipped)) {
      for (const ast::ExprPtr &t : names) assign(*t, value);
      return;
    }
    std::optional<std::vector<Value>> items;
    if (value.isSequence() || value.is(ValueKind::Str) || value.is(ValueKind::Dict)) items = iterate(value, value.range);
    if (!items) {
      Diagnostic &d = diags_.report(DiagID::err_unpack_type, value.range, describe(value));
      if (const Layer *layer = calledLayer(value); layer && !layer->kind->describeOutputs(*layer).empty())
        d.note(DiagID::note_call_outputs, value.range, layer->describe(), layer->kind->describeOutputs(*layer));
      for (const ast::ExprPtr &t : names) assign(*t, Value::error(value.range));
      return;
    }
    size_t star = names.size();
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i]->kind == ast::ExprKind::Starred) star = i;
    size_t fixed = names.size() - (star < names.size());
    if (star == names.size() ? items->size() != fixed : items->size() < fixed) {
      std::string what = std::to_string(items->size()) + " value" + (items->size() == 1 ? "" : "s");
      Diagnostic &d = diags_.report(DiagID::err_unpack_count, target.range, what, fixed);
      if (const Layer *layer = calledLayer(value)) {
        std::string outputs = layer->kind->describeOutputs(*layer);
        d.note(DiagID::note_call_outputs, value.range, layer->describe(),
               outputs.empty() ? std::to_string(items->size()) + " tensors" : outputs);
      } else {
        d.note(DiagID::note_value_from, value.range, "the value");
      }
      for (const ast::ExprPtr &t : names) assign(*t, Value::error(value.range));
      return;
    }
    size_t rest = items->size() - fixed;
    for (size_t i = 0, k = 0; i < names.size(); ++i) {
      if (i == star) {
        assign(*names[i]->object, Value::ofList(std::vector<Value>(items->begin() + k, items->begin() + k + rest),
                                                value.range));
        k += rest;
      } else {
        assign(*names[i], (*items)[k++]);
      }
    }
    return;
  }
  case ast::ExprKind::Attribute: {
    Value object = eval(*target.object);
    if (!object.is(ValueKind::Error))
      assignAttribute(object, target.name, target.nameRange, target.range, exprText(target), value);
    return;
  }
  case ast::ExprKind::Subscript: assignItem(target, value); return;
  default:
    diags_.report(DiagID::err_assign_target, target.range,
                  target.kind == ast::ExprKind::Starred ? "a starred expression alone" : "an expression");
  }
}

// object.name = value, also setattr(object, name, value); `text` spells the
// target for messages.
void Evaluator::assignAttribute(Value &object, const std::string &name, SourceRange nameRange, SourceRange range,
                                const std::string &text, const Value &value) {
  if (object.is(ValueKind::Skipped)) {
    recordSkipped(range, text + " = ...");
    markWritten(object, name == "shape");  // x.shape = (n, 784), x.dtype = ...
    return;
  }
  if (object.is(ValueKind::Layer) && object.layer->kind && isCustomKind(object.layer->kind)) {
    object.layer->config.set(name, value, true);  // self.units = units
    return;
  }
  if (object.is(ValueKind::Instance) || object.is(ValueKind::Class)) {
    dictSet(object, Value::ofStr(name, nameRange), value);
    return;
  }
  // A method added to a custom layer class after its body (FeedBack.warmup = warmup).
  if (object.is(ValueKind::LayerClass) && classScopes_.count(object.layerClass)) {
    classScopes_[object.layerClass]->names[name] = value;
    return;
  }
  if (!setKerasAttribute(object, name, range, text, value))
    diags_.report(DiagID::err_assign_target, range, "an attribute of " + describe(object));
}

// x[i] = v, d[k] = v
void Evaluator::assignItem(const ast::Expr &target, const Value &value) {
  Value object = eval(*target.object);
  if (object.is(ValueKind::Error)) return;
  if (object.is(ValueKind::Skipped)) {
    markWritten(object);
    recordSkipped(target.range, exprText(target) + " = ...");
    return;
  }
  if (target.elements.size() != 1 || target.elements[0]->kind == ast::ExprKind::Slice) {
    diags_.report(DiagID::err_assign_target, target.range, "a slice");
    return;
  }
  if (isNumpyArray(object)) {  // a NumPy array's slices are views of it, which Kiln's lists are not
    diags_.report(DiagID::err_assign_target, target.range, "an element of a NumPy array");
    return;
  }
  Value key = eval(*target.elements[0]);
  if (key.is(ValueKind::Error)) return;
  if (object.is(ValueKind::List) && key.isInteger()) {
    int64_t n = int64_t(object.items.size()), i = key.asInt() < 0 ? key.asInt() + n : key.asInt();
    if (i < 0 || i >= n) {
      diags_.report(DiagID::err_index_range, key.range, key.asInt(), "list", n);
      return;
    }
    object.items[i] = value;
    return;
  }
  if (object.is(ValueKind::Dict)) {
    if (dictGet(object, key) || checkSize(object.items.size() / 2 + 1, target.range)) dictSet(object, key, value);
    return;
  }
  diags_.report(DiagID::err_assign_target, target.range, "an element of " + describe(object));
}

}  // namespace kiln
