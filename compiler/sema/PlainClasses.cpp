// Plain Python classes, with no Keras base: model factories with a
// @staticmethod build() (LeNet.build(28, 28, 1, 10)), configuration classes,
// classes that hold their models as attributes. Their bodies run as
// Python's do; an object holds its attributes; methods, static and class
// methods and properties are found on the class and its bases.
#include "sema/Evaluator.h"

#include <algorithm>
#include <fmt/format.h>

namespace kiln {

namespace {

// The member `name` of a class or of its bases, as Python looks it up. A
// method is called through a copy of its closure's pointer: the call may
// replace the member.
const Value *lookupMember(const Value &cls, const std::string &name) {
  for (const Value *c = &cls; c; c = c->self.get())
    for (size_t i = 0; i + 1 < c->items.size(); i += 2)
      if (c->items[i].text == name) return &c->items[i + 1];
  return nullptr;
}

// @dataclass, @dataclasses.dataclass, @dataclass(frozen=True).
bool isDataclass(const ast::Stmt &stmt) {
  for (const ast::ExprPtr &d : stmt.decorators) {
    const ast::Expr &e = d->kind == ast::ExprKind::Call ? *d->object : *d;
    if ((e.kind == ast::ExprKind::Name || e.kind == ast::ExprKind::Attribute) && e.name == "dataclass") return true;
  }
  return false;
}

// The fields of a dataclass: its bases' then its own annotated class
// attributes, in order; __init__ takes them, a class attribute is the default.
constexpr const char *kDataclassFields = "__dataclass_fields__";

Value dataclassFields(const ast::Stmt &stmt, const Value *base) {
  const Value *inherited = base ? lookupMember(*base, kDataclassFields) : nullptr;
  std::vector<Value> fields;
  if (inherited) fields.assign(inherited->items.begin(), inherited->items.end());
  for (const ast::StmtPtr &s : stmt.body) {
    if (s->keyword != "annotation" || s->targets.empty() || s->targets[0]->kind != ast::ExprKind::Name) continue;
    const std::string &name = s->targets[0]->name;
    if (std::none_of(fields.begin(), fields.end(), [&](const Value &f) { return f.text == name; }))
      fields.push_back(Value::ofStr(name, s->targets[0]->range));
  }
  return Value::ofList(std::move(fields), stmt.keywordRange);
}

Value bound(const Value &self, const std::string &name, SourceRange range) {
  Value v = Value::make(ValueKind::Method, range);
  v.text = name;
  v.self = std::make_shared<Value>(self);
  return v;
}

}  // namespace

bool Evaluator::isPlainClassBase(const Value &base) const {
  return base.is(ValueKind::Class) ||
         (base.is(ValueKind::Builtin) && base.builtin->kind == Builtin::Kind::Python && base.builtin->name == "object");
}

void Evaluator::definePlainClass(const ast::Stmt &stmt, const Value *base) {
  const Scope *scope = execClassBody(stmt);
  Value cls = Value::make(ValueKind::Class, stmt.keywordRange);
  cls.text = stmt.name;
  for (const auto &[name, member] : scope->names) {
    cls.items.vector().push_back(Value::ofStr(name, member.range));
    cls.items.vector().push_back(member);
  }
  if (base && base->is(ValueKind::Class)) cls.self = std::make_shared<Value>(*base);
  if (isDataclass(stmt) && !scope->names.count("__init__")) {
    cls.items.vector().push_back(Value::ofStr(kDataclassFields, stmt.keywordRange));
    cls.items.vector().push_back(dataclassFields(stmt, cls.self.get()));
  }
  scope_->names[stmt.name] = cls;
}

Value Evaluator::objectAttribute(const Value &object, const std::string &name, SourceRange range,
                                 SourceRange nameRange) {
  if (object.is(ValueKind::Instance))
    if (const Value *v = dictGet(object, Value::ofStr(name))) return *v;
  const Value &cls = object.is(ValueKind::Instance) ? *object.self : object;
  const Value *member = lookupMember(cls, name);
  if (!member) {
    if (name == "__name__" && object.is(ValueKind::Class)) return Value::ofStr(object.text, range);
    if (name == "__class__" && object.is(ValueKind::Instance)) return cls;
    std::vector<std::string> known;
    for (const Value *c = &cls; c; c = c->self.get())
      for (size_t i = 0; i < c->items.size(); i += 2) known.push_back(c->items[i].text);
    if (object.is(ValueKind::Instance))
      for (size_t i = 0; i < object.items.size(); i += 2) known.push_back(object.items[i].text);
    return unknownAttribute(object, name, nameRange, known);
  }
  if (!member->is(ValueKind::Function)) return *member;
  if (member->text == "staticmethod") {
    Value f = *member;
    f.text.clear();
    return f;
  }
  if (member->text == "classmethod") return bound(cls, name, range);
  if (!object.is(ValueKind::Instance)) return *member;  // Class.method(obj, ...)
  if (member->text == "property") {
    CallSite call{range, range, {{"", {}, object, nullptr}}};
    return callFunction(*std::shared_ptr(member->function), call);
  }
  return bound(object, name, range);
}

// obj.method(...), Class.classmethod(...) and obj(...) (its __call__).
Value Evaluator::callObjectMethod(const Value &self, const std::string &method, CallSite &call) {
  const Value *member = lookupMember(self.is(ValueKind::Instance) ? *self.self : self, method);
  if (!member || !member->is(ValueKind::Function)) {
    diags_.report(DiagID::err_not_callable, call.calleeRange, describe(self));
    return Value::error(call.range);
  }
  call.args.insert(call.args.begin(), CallArgument{"", {}, self, nullptr});
  return callFunction(*std::shared_ptr(member->function), call);
}

Value Evaluator::constructObject(const Value &cls, CallSite &call) {
  Value object = Value::make(ValueKind::Instance, call.range);
  object.self = std::make_shared<Value>(cls);
  const Value *init = lookupMember(cls, "__init__");
  if (const Value *fields = lookupMember(cls, kDataclassFields); fields && !init)
    return constructDataclass(cls, *fields, object, call);
  if (!init || !init->is(ValueKind::Function)) {
    if (!call.args.empty()) {
      diags_.report(DiagID::err_model_arg, call.range, cls.text + "() takes no arguments");
      return Value::error(call.range);
    }
    return object;
  }
  call.args.insert(call.args.begin(), CallArgument{"", {}, object, nullptr});
  Value result = callFunction(*std::shared_ptr(init->function), call);
  return result.is(ValueKind::Error) ? result : object;
}

// The __init__ that @dataclass generates: the fields from the arguments or
// their defaults, then __post_init__ if the class has one.
Value Evaluator::constructDataclass(const Value &cls, const Value &fields, Value &object, CallSite &call) {
  auto fail = [&](SourceRange at, const std::string &message) {
    diags_.report(DiagID::err_model_arg, at, cls.text + "() " + message);
    return Value::error(call.range);
  };
  size_t next = 0;
  for (const CallArgument &a : call.args) {
    std::string name = a.keyword;
    if (name.empty()) {
      if (next == fields.items.size())
        return fail(a.value.range, fmt::format("takes {} arguments but more were given", fields.items.size()));
      name = fields.items[next++].text;
    } else if (std::none_of(fields.items.begin(), fields.items.end(), [&](const Value &f) { return f.text == name; })) {
      return fail(a.keywordRange, "got an unexpected keyword argument '" + name + "'");
    }
    if (dictGet(object, Value::ofStr(name))) return fail(a.value.range, "got multiple values for argument '" + name + "'");
    dictSet(object, Value::ofStr(name, a.value.range), a.value);
  }
  for (const Value &field : fields.items) {
    if (dictGet(object, field)) continue;
    const Value *fallback = lookupMember(cls, field.text);
    if (!fallback) return fail(call.range, "missing the argument '" + field.text + "'");
    dictSet(object, field, *fallback);
  }
  if (lookupMember(cls, "__post_init__")) {
    CallSite post{call.range, call.calleeRange, {}};
    if (callObjectMethod(object, "__post_init__", post).is(ValueKind::Error)) return Value::error(call.range);
  }
  return object;
}

// super().method(...) in a method of a plain class: the method of the base
// of the class that defines the running one; object's __init__ does nothing.
Value Evaluator::callObjectSuper(const Value &self, const std::string &method, CallSite &call) {
  const Value *definer = self.self.get();
  if (!frames_.empty())
    for (const Value *c = self.self.get(); c; c = c->self.get())
      for (size_t i = 1; i < c->items.size(); i += 2)
        if (c->items[i].is(ValueKind::Function) && c->items[i].function.get() == frames_.back().function) definer = c;
  const Value *member = definer && definer->self ? lookupMember(*definer->self, method) : nullptr;
  if (!member && method == "__init__") return Value::none(call.range);
  if (!member || !member->is(ValueKind::Function)) {
    diags_.report(DiagID::err_not_callable, call.calleeRange, "super()." + method);
    return Value::error(call.range);
  }
  call.args.insert(call.args.begin(), CallArgument{"", {}, self, nullptr});
  return callFunction(*std::shared_ptr(member->function), call);
}

}  // namespace kiln
