// Python's operators on build-time values: arithmetic, bitwise operators,
// sequence concatenation and repetition, comparisons, and string
// formatting (%, format specs).
#include "sema/Evaluator.h"

#include <cmath>

namespace kiln {

namespace {

bool isContainer(const Value &v) { return v.isSequence() || v.is(ValueKind::Dict); }

// Python's ordering of two values: -1, 0, 1, or nothing if they do not order
// (or the budget of elements to look at runs out: `exhausted`).
std::optional<int> order(const Value &a, const Value &b, size_t &budget, bool &exhausted) {
  if (a.isNumber() && b.isNumber()) {
    if (a.isInteger() && b.isInteger()) return a.asInt() < b.asInt() ? -1 : a.asInt() > b.asInt();
    return a.number() < b.number() ? -1 : a.number() > b.number();
  }
  if (a.is(ValueKind::Str) && b.is(ValueKind::Str)) return a.text < b.text ? -1 : a.text > b.text;
  if (a.isSequence() && a.kind == b.kind) {
    for (size_t i = 0; i < a.items.size() && i < b.items.size(); ++i) {
      std::optional<bool> same = equalWithin(a.items[i], b.items[i], budget);
      if (!same) {
        exhausted = true;
        return std::nullopt;
      }
      if (*same) continue;
      return order(a.items[i], b.items[i], budget, exhausted);
    }
    return a.items.size() < b.items.size() ? -1 : a.items.size() > b.items.size();
  }
  return std::nullopt;
}

// x ** y for y >= 0 by repeated squaring, so that 1 ** 10**18 takes 60
// multiplications, not 10**18; false if the result leaves int64.
bool integerPower(int64_t x, int64_t y, int64_t &r) {
  r = 1;
  while (y > 0) {
    if ((y & 1) && __builtin_mul_overflow(r, x, &r)) return false;
    y >>= 1;
    // A square that overflows still to be multiplied in makes the result overflow too.
    if (y > 0 && __builtin_mul_overflow(x, x, &x)) return false;
  }
  return true;
}

}  // namespace

// NumPy's arrays of build-time numbers (np.arange, np.linspace) compute
// elementwise, with a number or an array of the same length.
Value Evaluator::numpyElementwise(const std::string &op, const Value &a, const Value &b, SourceRange range,
                                  bool comparison) {
  size_t n = isNumpyArray(a) ? a.items.size() : b.items.size();
  auto element = [&](const Value &v, size_t i) -> const Value * {
    if (v.isNumber()) return &v;
    if (v.isSequence() && v.items.size() == n && v.items[i].isNumber()) return &v.items[i];
    return nullptr;
  };
  std::vector<Value> out;
  for (size_t i = 0; i < n; ++i) {
    const Value *x = element(a, i), *y = element(b, i);
    if (!x || !y) {
      diags_.report(DiagID::err_arithmetic, range, op, describe(a), describe(b),
                    "; a NumPy array of numbers computes with a number or an array of its length");
      return Value::error(range);
    }
    Value r = comparison ? compare(op, *x, *y, range) : binary(op, *x, *y, range);
    if (r.is(ValueKind::Error)) return r;
    out.push_back(std::move(r));
  }
  return numpyArray(std::move(out), range);
}

Value Evaluator::binary(const std::string &op, const Value &a, const Value &b, SourceRange range) {
  if (a.is(ValueKind::Error) || b.is(ValueKind::Error)) return Value::error(range);
  if (a.is(ValueKind::Skipped) || b.is(ValueKind::Skipped)) return dataBinary(op, a, b, range);
  if (isNumpyArray(a) || isNumpyArray(b)) return numpyElementwise(op, a, b, range, false);
  if (traceOperand(a) || traceOperand(b)) return tensorBinary(op, a, b, range);
  if (modelOperand(a) || modelOperand(b)) {
    Value x = a, y = b;
    if (std::optional<Value> layer = operatorOnModelTensors(op, {&x, &y}, range, [&] { return tensorBinary(op, x, y, range); }))
      return *layer;
  }
  if (a.isNumber() && b.isNumber()) {
    bool ints = a.isInteger() && b.isInteger();
    if ((op == "/" || op == "//" || op == "%") && b.number() == 0) {
      diags_.report(DiagID::err_division_by_zero, range);
      return Value::error(range);
    }
    if (ints && op != "/" && !(op == "**" && b.asInt() < 0)) {
      int64_t x = a.asInt(), y = b.asInt(), r = 1;
      bool overflow = false;
      if (op == "+") overflow = __builtin_add_overflow(x, y, &r);
      else if (op == "-") overflow = __builtin_sub_overflow(x, y, &r);
      else if (op == "*") overflow = __builtin_mul_overflow(x, y, &r);
      else if (op == "//") r = x / y - ((x % y != 0) && ((x < 0) != (y < 0)));
      else if (op == "%") r = ((x % y) + y) % y;
      else if (op == "**") overflow = !integerPower(x, y, r);
      else if (op == "&") r = x & y;
      else if (op == "|") r = x | y;
      else if (op == "^") r = x ^ y;
      else if (op == "<<" || op == ">>") {
        if (y < 0) {
          diags_.report(DiagID::err_arithmetic, range, op, describe(a), describe(b), "; negative shift count");
          return Value::error(range);
        }
        if (op == ">>") r = y >= 63 ? (x < 0 ? -1 : 0) : x >> y;
        else overflow = y >= 63 || (x != 0 && (x > (INT64_MAX >> y) || x < (INT64_MIN >> y))), r = overflow ? 0 : x << y;
      } else goto unsupported;
      if (overflow || (op == "//" && x == INT64_MIN && y == -1)) {
        diags_.report(DiagID::err_integer_overflow, range);
        return Value::error(range);
      }
      if (a.is(ValueKind::Bool) && b.is(ValueKind::Bool) && (op == "&" || op == "|" || op == "^"))
        return Value::ofBool(r != 0, range);
      return Value::ofInt(r, range);
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
    return Value::ofFloat(r, range);
  }
  if (op == "%" && a.is(ValueKind::Str)) return percentFormat(a, b, range);
  if (op == "+" && a.is(ValueKind::Str) && b.is(ValueKind::Str)) {
    if (!checkStringSize(a.text.size() + b.text.size(), range)) return Value::error(range);
    return Value::ofStr(a.text + b.text, range);
  }
  if (op == "+" && a.isSequence() && a.kind == b.kind) {
    if (!checkSize(a.items.size() + b.items.size(), range)) return Value::error(range);
    std::vector<Value> items(a.items.begin(), a.items.end());
    items.insert(items.end(), b.items.begin(), b.items.end());
    return a.is(ValueKind::Tuple) ? Value::ofTuple(std::move(items), range) : Value::ofList(std::move(items), range);
  }
  if (op == "|" && a.is(ValueKind::Dict) && b.is(ValueKind::Dict)) {
    if (!tick(range, a.items.size() * (a.items.size() + b.items.size()))) return Value::error(range);
    Value d = deepCopy(a);
    d.range = range;
    for (size_t i = 0; i + 1 < b.items.size(); i += 2) dictSet(d, b.items[i], b.items[i + 1]);
    return d;
  }
  if (op == "*" && (((a.isSequence() || a.is(ValueKind::Str)) && b.isInteger()) ||
                    ((b.isSequence() || b.is(ValueKind::Str)) && a.isInteger()))) {
    const Value &seq = a.isInteger() ? b : a;
    int64_t times = std::max<int64_t>(0, (a.isInteger() ? a : b).asInt());
    size_t unit = seq.is(ValueKind::Str) ? seq.text.size() : seq.items.size();
    if (unit && size_t(times) > (seq.is(ValueKind::Str) ? kMaxStringBytes : kMaxItems) / unit) {
      diags_.report(DiagID::err_too_large, range, fmt::format("{} x {}", unit, times),
                    seq.is(ValueKind::Str) ? kMaxStringBytes : kMaxItems);
      stopped_ = true;
      return Value::error(range);
    }
    if (seq.is(ValueKind::Str)) {
      std::string s;
      for (int64_t i = 0; i < times; ++i) s += seq.text;
      return Value::ofStr(s, range);
    }
    std::vector<Value> items;
    for (int64_t i = 0; i < times; ++i) items.insert(items.end(), seq.items.begin(), seq.items.end());
    return seq.is(ValueKind::Tuple) ? Value::ofTuple(std::move(items), range) : Value::ofList(std::move(items), range);
  }
unsupported:
  std::string hint;
  if (a.is(ValueKind::Tensor) || b.is(ValueKind::Tensor)) {
    if (op == "+") hint = "; use Add()([a, b])";
    else if (op == "-") hint = "; use Subtract()([a, b])";
    else if (op == "*") hint = "; use Multiply()([a, b])";
    else hint = "; arithmetic on tensors needs a layer";
  }
  diags_.report(DiagID::err_arithmetic, range, op, describe(a), describe(b), hint);
  return Value::error(range);
}

Value Evaluator::compare(const std::string &op, const Value &a, const Value &b, SourceRange range) {
  if (a.is(ValueKind::Error) || b.is(ValueKind::Error)) return Value::error(range);
  if ((traceOperand(a) || traceOperand(b)) && op != "in" && op != "not in" && op != "is" && op != "is not")
    return tensorBinary(op, a, b, range);
  // `x != 0` on a model's tensor is a layer in both Kerases; `x == 0` in
  // tf.keras 2 only: Keras 3's tensors keep Python's identity for ==.
  bool keras3Identity = op == "==" && options_.kerasVersion == KerasVersion::V3;
  if ((modelOperand(a) || modelOperand(b)) && !keras3Identity && op != "in" && op != "not in" && op != "is" &&
      op != "is not") {
    Value x = a, y = b;
    if (std::optional<Value> layer = operatorOnModelTensors(op, {&x, &y}, range, [&] { return tensorBinary(op, x, y, range); }))
      return *layer;
  }
  if (!tick(range, a.items.size() + b.items.size() + (a.text.size() + b.text.size()) / 64)) return Value::error(range);
  if (a.is(ValueKind::Skipped) || b.is(ValueKind::Skipped)) return dataBinary(op, a, b, range);
  if ((isNumpyArray(a) || isNumpyArray(b)) && op != "in" && op != "not in" && op != "is" && op != "is not")
    return numpyElementwise(op, a, b, range, true);
  // Equality walks nested containers: it spends the evaluation budget.
  auto same = [&](const Value &x, const Value &y) -> std::optional<bool> {
    size_t budget = size_t(std::max<int64_t>(0, kStepBudget - steps_));
    size_t before = budget;
    std::optional<bool> r = equalWithin(x, y, budget);
    if (!tick(range, r ? before - budget : SIZE_MAX)) return std::nullopt;
    return r;
  };
  if (op == "==" || op == "!=") {
    std::optional<bool> r = same(a, b);
    return r ? Value::ofBool(*r == (op == "=="), range) : Value::error(range);
  }
  if (op == "is" || op == "is not") {
    // Identity: None, booleans and objects; equal small values stand in for the rest.
    bool same = a.kind == b.kind && (isContainer(a) ? a.items.begin() == b.items.begin() : equal(a, b));
    return Value::ofBool(same == (op == "is"), range);
  }
  if (op == "in" || op == "not in") {
    bool found = false;
    if (b.isSequence() || b.is(ValueKind::Dict)) {
      size_t stride = b.is(ValueKind::Dict) ? 2 : 1;
      for (size_t i = 0; i < b.items.size() && !found; i += stride) {
        std::optional<bool> r = same(a, b.items[i]);
        if (!r) return Value::error(range);
        found = *r;
      }
    } else if (b.is(ValueKind::Str) && a.is(ValueKind::Str)) {
      found = b.text.find(a.text) != std::string::npos;
    } else {
      diags_.report(DiagID::err_arithmetic, range, op, describe(a), describe(b), "");
      return Value::error(range);
    }
    return Value::ofBool(found == (op == "in"), range);
  }
  size_t budget = size_t(std::max<int64_t>(0, kStepBudget - steps_)), before = budget;
  bool exhausted = false;
  std::optional<int> o = order(a, b, budget, exhausted);
  if (!tick(range, exhausted ? SIZE_MAX : before - budget)) return Value::error(range);
  if (!o) {
    diags_.report(DiagID::err_arithmetic, range, op, describe(a), describe(b), "");
    return Value::error(range);
  }
  bool r = op == "<" ? *o < 0 : op == ">" ? *o > 0 : op == "<=" ? *o <= 0 : *o >= 0;
  return Value::ofBool(r, range);
}

// Python's format-spec mini-language on top of fmt, which shares most of it:
// [[fill]align][sign][#][0][width][,|_][.precision][type].
std::optional<std::string> Evaluator::formatValue(const Value &v, const std::string &spec, SourceRange range) {
  auto bad = [&]() -> std::optional<std::string> {
    diags_.report(DiagID::err_format_spec, range, spec, describe(v));
    return std::nullopt;
  };
  // A width or precision in the spec is an allocation: bound it.
  for (size_t i = 0; i < spec.size();) {
    size_t j = i;
    while (j < spec.size() && std::isdigit(static_cast<unsigned char>(spec[j]))) ++j;
    if (j > i && !checkStringSize(j - i > 18 ? SIZE_MAX : std::stoull(spec.substr(i, j - i)), range))
      return std::nullopt;
    i = j + (j == i);
  }
  std::string s = spec;
  char type = !s.empty() && (std::isalpha(static_cast<unsigned char>(s.back())) || s.back() == '%') ? s.back() : 0;
  if (type) s.pop_back();
  bool grouping = !s.empty() && (s.back() == ',' || s.back() == '_');
  char groupChar = grouping ? s.back() : 0;
  if (grouping) s.pop_back();
  if (s.find('=') != std::string::npos) return bad();  // '=' alignment: not in fmt
  try {
    if (v.is(ValueKind::Str)) {
      if (type && type != 's') return bad();
      return fmt::vformat("{:" + s + "}", fmt::make_format_args(v.text));
    }
    if (v.isInteger() && (!type || std::string_view("bcdoxXn").find(type) != std::string_view::npos)) {
      if (!type && v.is(ValueKind::Bool)) return fmt::vformat("{:" + s + "}", fmt::make_format_args(str(v)));
      std::string out = fmt::vformat("{:" + s + (type == 'n' ? "d" : std::string(type ? 1 : 0, type)) + "}",
                                     fmt::make_format_args(v.asInt()));
      if (grouping) {
        // insert separators every 3 digits of the number's digits
        size_t end = out.find_last_of("0123456789") + 1, begin = out.find_first_of("0123456789");
        for (size_t i = end; i > begin + 3; i -= 3) out.insert(i - 3, 1, groupChar);
      }
      return out;
    }
    if (v.isNumber()) {
      double x = v.number();
      if (type == '%') return fmt::vformat("{:" + s + "f}", fmt::make_format_args(x * 100)) + "%";
      if (!type && s.find('.') == std::string::npos) {
        std::string text = repr(Value::ofFloat(x));
        return fmt::vformat("{:" + s + "}", fmt::make_format_args(text)) ;
      }
      if (type && std::string_view("eEfFgGn").find(type) == std::string_view::npos) return bad();
      return fmt::vformat("{:" + s + (type == 'n' || !type ? "g" : std::string(1, type)) + "}", fmt::make_format_args(x));
    }
    if (spec.empty()) {
      Value text = toText(v, false, range);
      if (text.is(ValueKind::Str)) return text.text;
      return std::nullopt;
    }
  } catch (const fmt::format_error &) {
  }
  return bad();
}

// 'conv%d_%s' % (i, name): printf-style conversions, with Python's flags.
Value Evaluator::percentFormat(const Value &format, const Value &args, SourceRange range) {
  std::vector<Value> values = args.is(ValueKind::Tuple) ? std::vector<Value>(args.items.begin(), args.items.end())
                                                         : std::vector<Value>{args};
  size_t next = 0;
  std::string out;
  const std::string &f = format.text;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%') {
      out += f[i];
      continue;
    }
    if (++i >= f.size()) break;
    if (f[i] == '%') {
      out += '%';
      continue;
    }
    const Value *value = nullptr;
    if (f[i] == '(') {  // %(name)s with a dict
      size_t close = f.find(')', i);
      if (close == std::string::npos || !args.is(ValueKind::Dict)) break;
      value = dictGet(args, Value::ofStr(f.substr(i + 1, close - i - 1)));
      if (!value) {
        diags_.report(DiagID::err_key_missing, range, repr(Value::ofStr(f.substr(i + 1, close - i - 1))));
        return Value::error(range);
      }
      i = close + 1;
    }
    std::string flags;
    while (i < f.size() && std::string_view("-+ #0").find(f[i]) != std::string_view::npos) flags += f[i++];
    std::string width, precision;
    while (i < f.size() && std::isdigit(static_cast<unsigned char>(f[i]))) width += f[i++];
    if (i < f.size() && f[i] == '.') {
      precision = ".";
      for (++i; i < f.size() && std::isdigit(static_cast<unsigned char>(f[i]));) precision += f[i++];
      if (precision == ".") precision = ".0";
    }
    if (i >= f.size()) break;
    char conversion = f[i];
    if (!value) {
      if (next >= values.size()) {
        diags_.report(DiagID::err_format_args, range, "not enough arguments for the format string");
        return Value::error(range);
      }
      value = &values[next++];
    }
    // printf flags as a format spec: '-' aligns left, '0' pads with zeros.
    std::string spec = flags.find('-') != std::string::npos ? "<" : "";
    if (flags.find('+') != std::string::npos) spec += "+";
    else if (flags.find(' ') != std::string::npos) spec += " ";
    if (flags.find('#') != std::string::npos) spec += "#";
    if (flags.find('0') != std::string::npos && spec.find('<') == std::string::npos) spec += "0";
    spec += width + precision;
    Value v = *value;
    std::string_view ints = "diuxXoc", floats = "eEfFgG";
    if (conversion == 's' || conversion == 'r' || conversion == 'a') {
      v = toText(v, conversion != 's', range);
      if (v.is(ValueKind::Error)) return v;
    } else if (ints.find(conversion) != std::string_view::npos) {
      if (v.is(ValueKind::Float)) v = Value::ofInt(static_cast<int64_t>(v.real));
      if (!v.isInteger()) {
        diags_.report(DiagID::err_format_args, range, "%" + std::string(1, conversion) + " needs a number, not " + describe(v));
        return Value::error(range);
      }
      spec += conversion == 'i' || conversion == 'u' ? 'd' : conversion;
    } else if (floats.find(conversion) != std::string_view::npos) {
      if (!v.isNumber()) {
        diags_.report(DiagID::err_format_args, range, "%" + std::string(1, conversion) + " needs a number, not " + describe(v));
        return Value::error(range);
      }
      v = Value::ofFloat(v.number());
      spec += precision.empty() ? ".6" : "";
      spec += conversion;
    } else {
      diags_.report(DiagID::err_format_args, range, "unsupported format character '" + std::string(1, conversion) + "'");
      return Value::error(range);
    }
    std::optional<std::string> text = formatValue(v, spec, range);
    if (!text || !checkStringSize(out.size() + text->size(), range)) return Value::error(range);
    out += *text;
  }
  if (next < values.size() && !args.is(ValueKind::Dict)) {
    diags_.report(DiagID::err_format_args, range, "not all arguments converted during string formatting");
    return Value::error(range);
  }
  return Value::ofStr(out, range);
}

}  // namespace kiln
