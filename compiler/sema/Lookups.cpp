// keras.layers.StringLookup and IntegerLookup: vocabularies that map tokens
// to indices before the model runs. Model code asks them for sizes
// (keras.io's CTC speech recognition: Dense(char_to_num.vocabulary_size() +
// 1)), so Kiln builds them as Keras's IndexLookup does
// (layers/preprocessing/index_lookup.py, the same in tf.keras 2 and Keras 3):
// the vocabulary is [mask_token] (int output only), then num_oov_indices OOV
// tokens, then the tokens given, with the special tokens stripped if the
// given vocabulary starts with them. Only a vocabulary written as tokens is
// known; one from adapt(), a file or data is not, and neither is used as a
// size. The lookup itself runs on tokens, not on the model's tensors.
#include "sema/Evaluator.h"

#include "sema/Arguments.h"

#include <algorithm>
#include <fmt/format.h>
#include <set>

namespace kiln {

namespace {

// The object's state, a dict shared by its copies (set_vocabulary and
// adapt change it for every name that holds the object).
constexpr const char *kVocabulary = "vocabulary";   // the full vocabulary, or a Skipped value
constexpr const char *kTokenStart = "token_start";  // the index of the first token after the special ones

bool isString(const Value &v) { return v.is(ValueKind::Str); }

// A method's argument given by keyword or at `position` (null if neither).
const CallArgument *argument(const CallSite &call, size_t position, std::string_view keyword) {
  if (const CallArgument *a = call.keyword(keyword)) return a;
  return position < call.args.size() && call.args[position].keyword.empty() ? &call.args[position] : nullptr;
}

const std::vector<ArgSpec> &lookupArgs(const std::string &cls) {
  static const std::vector<ArgSpec> common = {
      arg("max_tokens", ArgType::Any, Value::none()),
      arg("num_oov_indices", ArgType::Int, Value::ofInt(1)),
      arg("mask_token", ArgType::Any, Value::none()),
      arg("oov_token", ArgType::Any, Value::none()),  // the class's default is set in makeLookup
      arg("vocabulary", ArgType::Any, Value::none()),
      arg("idf_weights", ArgType::Any, Value::none()),
      arg("invert", ArgType::Bool, Value::ofBool(false)),
      choice("output_mode", {"int", "one_hot", "multi_hot", "count", "tf_idf", "binary", "tf-idf"}, "int"),
      arg("sparse", ArgType::Bool, Value::ofBool(false)),
      arg("pad_to_max_tokens", ArgType::Bool, Value::ofBool(false)),
      arg("salt", ArgType::Any, Value::none()),
      arg("name", ArgType::Any, Value::none()),
      arg("dtype", ArgType::Any, Value::none()),
      arg("trainable", ArgType::Any, Value::none()),
  };
  static const std::vector<ArgSpec> strings = [] {
    std::vector<ArgSpec> s = common;
    s.push_back(arg("encoding", ArgType::Str, Value::ofStr("utf-8")));
    return s;
  }();
  static const std::vector<ArgSpec> integers = [] {
    std::vector<ArgSpec> s = common;
    s.push_back(arg("vocabulary_dtype", ArgType::Any, Value::ofStr("int64")));
    s.push_back(arg("oov_method", ArgType::Any, Value::ofStr("floormod")));
    return s;
  }();
  return cls == "StringLookup" ? strings : integers;
}

}  // namespace

bool Evaluator::isLookup(const Value &v) {
  return v.is(ValueKind::Opaque) && (v.text == "StringLookup" || v.text == "IntegerLookup");
}

Value Evaluator::makeLookup(const Builtin &builtin, CallSite &call) {
  const std::string &cls = builtin.name;
  LayerConfig c;
  // max_tokens, num_oov_indices, mask_token, oov_token and vocabulary come
  // first in both classes and both Keras versions; the rest differ in order.
  if (!bindArguments(lookupArgs(cls), {}, call, cls, diags_, c, 5)) return Value::error(call.range);
  auto fail = [&](const std::string &argument, const std::string &message) {
    const CallArgument *a = call.keyword(argument);
    diags_.report(DiagID::err_model_arg, a ? a->value.range : call.range, cls + ": " + message);
    return Value::error(call.range);
  };
  Value oov = c.given("oov_token") ? c.get("oov_token") : cls == "StringLookup" ? Value::ofStr("[UNK]") : Value::ofInt(-1);
  const Value &mask = c.get("mask_token");
  for (const Value *token : std::initializer_list<const Value *>{&mask, &oov})
    if (!token->is(ValueKind::None) && (cls == "StringLookup" ? !isString(*token) : !token->isInteger()))
      return fail(token == &mask ? "mask_token" : "oov_token",
                  fmt::format("a token must be {}, not {}", cls == "StringLookup" ? "a string" : "an integer",
                              describe(*token)));
  const Value &maxTokens = c.get("max_tokens");
  if (!maxTokens.is(ValueKind::None) && !maxTokens.is(ValueKind::Skipped) &&
      (!maxTokens.isInteger() || maxTokens.asInt() <= 1))
    return fail("max_tokens", "max_tokens must be None or an integer greater than 1, not " + describe(maxTokens));
  if (c.integer("num_oov_indices") < 0) return fail("num_oov_indices", "num_oov_indices must be 0 or more");
  std::string mode = c.str("output_mode");
  if (mode == "binary") mode = "multi_hot";
  if (mode == "tf-idf") mode = "tf_idf";
  if (c.flag("invert") && mode != "int") return fail("output_mode", "output_mode must be 'int' when invert is True");
  if (c.flag("sparse") && mode == "int") return fail("sparse", "sparse may be True only if output_mode is not 'int'");
  if (!c.isNone("idf_weights") && mode != "tf_idf")
    return fail("idf_weights", "idf_weights may be set only if output_mode is 'tf_idf'");

  Value lookup = Value::make(ValueKind::Opaque, call.range);
  lookup.text = cls;
  Value state = Value::make(ValueKind::Dict, call.range);
  int64_t oovStart = !mask.is(ValueKind::None) && mode == "int" ? 1 : 0;
  dictSet(state, Value::ofStr("mask_token"), mask);
  dictSet(state, Value::ofStr("oov_token"), oov);
  dictSet(state, Value::ofStr("oov_start"), Value::ofInt(oovStart));
  dictSet(state, Value::ofStr(kTokenStart), Value::ofInt(oovStart + c.integer("num_oov_indices")));
  dictSet(state, Value::ofStr("max_tokens"), maxTokens);
  dictSet(state, Value::ofStr("invert"), c.get("invert"));
  dictSet(state, Value::ofStr("tf_idf"), Value::ofBool(mode == "tf_idf"));
  lookup.items = state.items;
  Value vocabulary = c.get("vocabulary");
  if (vocabulary.is(ValueKind::None))
    vocabulary = Value::skipped(cls + "()",
                                "the vocabulary of a " + cls + " made without one comes from adapt() or "
                                "set_vocabulary(); Kiln knows a vocabulary given as a list of tokens",
                                call.range, true);
  if (!setLookupVocabulary(lookup, vocabulary, !c.isNone("idf_weights"), call.range)) return Value::error(call.range);
  return lookup;
}

// IndexLookup.set_vocabulary: checks the tokens as Keras does and stores the
// full vocabulary, or the reason it is not known.
bool Evaluator::setLookupVocabulary(Value &lookup, const Value &given, bool idfWeights, SourceRange range) {
  const std::string &cls = lookup.text;
  Value state = lookup;  // shares the object's items
  auto field = [&](const char *name) -> const Value & { return *dictGet(state, Value::ofStr(name)); };
  auto fail = [&](const std::string &message) {
    diags_.report(DiagID::err_model_arg, given.range.valid() ? given.range : range, cls + ": " + message);
    return false;
  };
  if (given.is(ValueKind::Skipped)) {
    dictSet(state, Value::ofStr(kVocabulary), given);
    return true;
  }
  if (isString(given)) {  // a file of one token per line, read when the lookup is made
    dictSet(state, Value::ofStr(kVocabulary),
            Value::skipped(cls + "(vocabulary='" + given.text + "')", "it reads its vocabulary from a file", given.range));
    return true;
  }
  std::optional<std::vector<Value>> tokens = iterate(given, given.range);
  if (!tokens) return false;
  for (const Value &t : *tokens)
    if (t.is(ValueKind::Skipped)) {
      dictSet(state, Value::ofStr(kVocabulary), t);
      return true;
    }
  if (tokens->empty()) return fail("the vocabulary may not be empty");
  if (field("tf_idf").boolean && !idfWeights) return fail("idf_weights must be set if output_mode is 'tf_idf'");
  for (const Value &t : *tokens)
    if (cls == "StringLookup" ? !isString(t) : !t.isInteger())
      return fail(fmt::format("the vocabulary's tokens must be {}, not {}",
                              cls == "StringLookup" ? "strings" : "integers", describe(t)));

  const Value &mask = field("mask_token"), &oov = field("oov_token");
  std::vector<Value> special(size_t(field("oov_start").integer), mask);
  special.resize(size_t(field(kTokenStart).integer), oov);
  bool startsWithSpecial = tokens->size() >= special.size() &&
                           std::equal(special.begin(), special.end(), tokens->begin(), [](const Value &a, const Value &b) {
                             return equal(a, b);
                           });
  if (startsWithSpecial) tokens->erase(tokens->begin(), tokens->begin() + std::ptrdiff_t(special.size()));
  std::set<std::string> seen;
  for (const Value &t : *tokens)
    if (!seen.insert(repr(t)).second) return fail("the vocabulary repeats " + repr(t));
  auto contains = [&](const Value &token) {
    return std::any_of(tokens->begin(), tokens->end(), [&](const Value &t) { return equal(t, token); });
  };
  std::string order = "either leave the mask and OOV tokens out of the vocabulary or put them only at its start";
  if (!mask.is(ValueKind::None) && contains(mask))
    return fail("the vocabulary holds the mask token " + repr(mask) + " after its start; " + order);
  if (field("invert").boolean && !oov.is(ValueKind::None) && contains(oov))
    return fail("the vocabulary holds the OOV token " + repr(oov) + " after its start; " + order);
  const Value &maxTokens = field("max_tokens");
  int64_t size = int64_t(special.size() + tokens->size());
  if (maxTokens.isInteger() && size > maxTokens.asInt())
    return fail(fmt::format("the vocabulary has {} entries with the mask and OOV tokens, more than max_tokens={}", size,
                            maxTokens.asInt()));
  special.insert(special.end(), tokens->begin(), tokens->end());
  dictSet(state, Value::ofStr(kVocabulary), Value::ofList(std::move(special), given.range));
  return true;
}

Value Evaluator::lookupAttribute(const Value &lookup, const std::string &name, SourceRange range,
                                 SourceRange nameRange) {
  static const std::vector<std::string> methods = {"vocabulary_size", "get_vocabulary", "vocab_size", "set_vocabulary",
                                                   "adapt"};
  if (std::find(methods.begin(), methods.end(), name) == methods.end())
    return unknownAttribute(lookup, name, nameRange, methods);
  Value v = Value::make(ValueKind::Method, range);
  v.text = name;
  v.self = std::make_shared<Value>(lookup);
  return v;
}

Value Evaluator::callLookupMethod(const Value &lookup, const std::string &method, CallSite &call) {
  Value state = lookup;  // shares the object's items
  const Value &vocabulary = *dictGet(state, Value::ofStr(kVocabulary));
  if (method == "adapt") {
    Value unknown = Value::skipped(lookup.text + ".adapt()", "data preparation", call.range);
    dictSet(state, Value::ofStr(kVocabulary), unknown);
    return unknown;
  }
  if (method == "set_vocabulary") {
    const CallArgument *given = argument(call, 0, "vocabulary");
    if (!given) {
      diags_.report(DiagID::err_missing_argument, call.range, lookup.text + ".set_vocabulary", "vocabulary");
      return Value::error(call.range);
    }
    const CallArgument *idf = argument(call, 1, "idf_weights");
    bool idfWeights = idf && !idf->value.is(ValueKind::None);
    return setLookupVocabulary(state, given->value, idfWeights, call.range) ? Value::none(call.range) : Value::error(call.range);
  }
  if (vocabulary.is(ValueKind::Skipped)) return vocabulary;
  if (method == "vocabulary_size" || method == "vocab_size") return Value::ofInt(int64_t(vocabulary.items.size()), call.range);
  // get_vocabulary(include_special_tokens=True)
  const CallArgument *include = argument(call, 0, "include_special_tokens");
  std::vector<Value> tokens(vocabulary.items.begin(), vocabulary.items.end());
  if (include) {
    std::optional<bool> keep = truth(include->value, include->value.range);
    if (!keep) return Value::error(call.range);
    if (!*keep) tokens.erase(tokens.begin(), tokens.begin() + std::ptrdiff_t(dictGet(state, Value::ofStr(kTokenStart))->integer));
  }
  return Value::ofList(std::move(tokens), call.range);
}

// lookup(tokens): on data it is data; on the model's tensors it is refused.
Value Evaluator::callLookup(const Value &lookup, CallSite &call) {
  for (const CallArgument &a : call.args)
    if (a.value.is(ValueKind::Tensor) || a.value.is(ValueKind::Traced)) {
      diags_.report(DiagID::err_model_arg, call.range,
                    lookup.text + " maps tokens to vocabulary indices, which Kiln does not compile into a model; "
                                  "look the tokens up before calling the model and give it the indices");
      return Value::error(call.range);
    }
  return Value::skipped(lookup.text + "()", "data preparation", call.range);
}

}  // namespace kiln
