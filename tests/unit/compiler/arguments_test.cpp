// Binding call arguments to a declared parameter list (sema/Arguments.h):
// positional then keyword, defaults, Keras 1 aliases, duplicates, types.
#include "compile_util.h"

#include "sema/Arguments.h"

using namespace kiln;
using kiln_test::compile;
using kiln_test::compileOk;

namespace {

// Dense's own parameters, as in its declaration, then the common ones.
std::vector<ArgSpec> denseLikeSpecs() {
  std::vector<ArgSpec> specs = {arg("units", ArgType::PositiveInt),
                                arg("activation", ArgType::Activation, Value::none()),
                                arg("use_bias", ArgType::Bool, Value::ofBool(true)),
                                arg("kernel_initializer", ArgType::Initializer, Value::ofStr("glorot_uniform"))};
  for (const ArgSpec &base : baseLayerArgs()) specs.push_back(base);
  return specs;
}

const std::vector<LegacyArg> kLegacy = {{"output_dim", "units"}, {"init", "kernel_initializer"}};

class BindArguments : public ::testing::Test {
protected:
  BindArguments() { file_ = sources_.addBuffer("call.kiln", std::string(200, ' ')); }

  // A value written at a distinct place, so that diagnostics have a location.
  Value at(Value v) {
    v.range = {{file_, next_}, next_ + 1};
    next_ += 2;
    return v;
  }
  void positional(Value v) { call_.args.push_back({"", {}, at(std::move(v))}); }
  void keyword(const std::string &name, Value v) {
    SourceRange r{{file_, next_}, next_ + static_cast<uint32_t>(name.size())};
    next_ += static_cast<uint32_t>(name.size()) + 1;
    call_.args.push_back({name, r, at(std::move(v))});
  }
  bool bind() {
    call_.range = {{file_, 0}, 1};
    return bindArguments(denseLikeSpecs(), kLegacy, call_, "Dense", diags_, config_, /*positionalLimit=*/4);
  }
  std::vector<DiagID> ids() const {
    std::vector<DiagID> out;
    for (const Diagnostic &d : diags_.diagnostics()) out.push_back(d.id);
    return out;
  }
  std::string firstMessage() const {
    return diags_.diagnostics().empty() ? "" : diags_.diagnostics().front().message;
  }

  SourceManager sources_;
  DiagnosticEngine diags_{sources_};
  uint32_t file_ = 0;
  uint32_t next_ = 1;
  CallSite call_;
  LayerConfig config_;
};

TEST_F(BindArguments, PositionalFillsParametersInOrder) {
  positional(Value::ofInt(64));
  positional(Value::ofStr("relu"));
  positional(Value::ofBool(false));
  ASSERT_TRUE(bind()) << firstMessage();
  EXPECT_EQ(config_.integer("units"), 64);
  EXPECT_EQ(config_.str("activation"), "relu");
  EXPECT_FALSE(config_.flag("use_bias"));
  EXPECT_TRUE(config_.given("units"));
  EXPECT_TRUE(config_.given("use_bias"));
  EXPECT_TRUE(diags_.diagnostics().empty());
}

TEST_F(BindArguments, KeywordsInAnyOrder) {
  keyword("use_bias", Value::ofBool(false));
  keyword("units", Value::ofInt(10));
  keyword("name", Value::ofStr("out"));
  ASSERT_TRUE(bind()) << firstMessage();
  EXPECT_EQ(config_.integer("units"), 10);
  EXPECT_FALSE(config_.flag("use_bias"));
  EXPECT_EQ(config_.str("name"), "out");
}

TEST_F(BindArguments, DefaultsFillTheRestInCanonicalForm) {
  positional(Value::ofInt(3));
  ASSERT_TRUE(bind()) << firstMessage();
  // activation=None means 'linear'; defaults are not "given".
  EXPECT_EQ(config_.str("activation"), "linear");
  EXPECT_FALSE(config_.given("activation"));
  EXPECT_TRUE(config_.flag("use_bias"));
  EXPECT_FALSE(config_.given("use_bias"));
  EXPECT_EQ(config_.str("kernel_initializer"), "glorot_uniform");
  EXPECT_TRUE(config_.isNone("name"));
  EXPECT_TRUE(config_.isNone("input_shape"));
  EXPECT_TRUE(config_.flag("trainable"));
}

TEST_F(BindArguments, ActivationAliasesAreCanonicalized) {
  positional(Value::ofInt(3));
  keyword("activation", Value::ofStr("silu"));
  ASSERT_TRUE(bind()) << firstMessage();
  EXPECT_EQ(config_.str("activation"), "swish");
}

TEST_F(BindArguments, LegacyNamesWarnAndBind) {
  keyword("output_dim", Value::ofInt(32));
  keyword("init", Value::ofStr("he_normal"));
  ASSERT_TRUE(bind()) << firstMessage();  // warnings only
  EXPECT_EQ(config_.integer("units"), 32);
  EXPECT_EQ(config_.str("kernel_initializer"), "he_normal");
  EXPECT_EQ(ids(), (std::vector<DiagID>{DiagID::warn_legacy_argument, DiagID::warn_legacy_argument}));
  EXPECT_EQ(firstMessage(), "'output_dim' is a Keras 1 argument name; use 'units' (Keras 2)");
  EXPECT_EQ(diags_.warningCount(), 2u);
  EXPECT_FALSE(diags_.hasErrors());
}

TEST_F(BindArguments, DuplicateArgumentIsAnError) {
  positional(Value::ofInt(3));
  keyword("units", Value::ofInt(4));
  EXPECT_FALSE(bind());
  EXPECT_EQ(ids(), (std::vector<DiagID>{DiagID::err_duplicate_argument}));
  EXPECT_EQ(firstMessage(), "Dense got multiple values for argument 'units'");
  // The first value stays.
  EXPECT_EQ(config_.integer("units"), 3);
}

TEST_F(BindArguments, LegacyAndNewNameTogetherAreADuplicate) {
  keyword("units", Value::ofInt(3));
  keyword("output_dim", Value::ofInt(4));
  EXPECT_FALSE(bind());
  EXPECT_EQ(ids(), (std::vector<DiagID>{DiagID::warn_legacy_argument, DiagID::err_duplicate_argument}));
}

TEST_F(BindArguments, MissingRequiredArgument) {
  keyword("activation", Value::ofStr("relu"));
  EXPECT_FALSE(bind());
  EXPECT_EQ(ids(), (std::vector<DiagID>{DiagID::err_missing_argument}));
  EXPECT_EQ(firstMessage(), "Dense is missing the required argument 'units'");
}

TEST_F(BindArguments, CommonArgumentsAreKeywordOnly) {
  // Four own parameters: a fifth positional argument would be `name`.
  positional(Value::ofInt(3));
  positional(Value::none());
  positional(Value::ofBool(true));
  positional(Value::ofStr("zeros"));
  positional(Value::ofStr("my_dense"));
  positional(Value::ofStr("extra"));
  EXPECT_FALSE(bind());
  EXPECT_EQ(ids(), (std::vector<DiagID>{DiagID::err_too_many_positional}));  // reported once
  EXPECT_EQ(firstMessage(), "Dense takes at most 4 positional arguments but 6 were given");
  EXPECT_TRUE(config_.isNone("name"));
}

TEST_F(BindArguments, UnknownKeywordGetsASuggestion) {
  positional(Value::ofInt(3));
  keyword("use_bais", Value::ofBool(false));
  keyword("zzzzzz", Value::ofInt(1));
  EXPECT_FALSE(bind());
  ASSERT_EQ(ids(), (std::vector<DiagID>{DiagID::err_unknown_argument_suggest, DiagID::err_unknown_argument}));
  EXPECT_EQ(firstMessage(), "Dense got an unexpected keyword argument 'use_bais'; did you mean 'use_bias'?");
}

TEST_F(BindArguments, ValuesAreTypeChecked) {
  positional(Value::ofInt(0));
  keyword("use_bias", Value::ofStr("yes"));
  keyword("activation", Value::ofStr("rleu"));
  keyword("input_shape", Value::ofInt(784));
  EXPECT_FALSE(bind());
  // Checked in declaration order: units, activation, use_bias, ..., input_shape.
  EXPECT_EQ(ids(), (std::vector<DiagID>{DiagID::err_argument_value, DiagID::err_unknown_activation_suggest,
                                        DiagID::err_argument_type, DiagID::err_argument_value}));
  // A bad value falls back to the default.
  EXPECT_TRUE(config_.flag("use_bias"));
}

TEST_F(BindArguments, ShapesBecomeTuples) {
  positional(Value::ofInt(3));
  keyword("input_shape", Value::ofList({Value::ofInt(28), Value::none(), Value::ofInt(3)}));
  ASSERT_TRUE(bind()) << firstMessage();
  EXPECT_TRUE(config_.get("input_shape").is(ValueKind::Tuple));
  EXPECT_EQ(config_.ints("input_shape"), (std::vector<int64_t>{28, kNone, 3}));
}

// ---- the same rules through the evaluator ------------------------------------

TEST(LayerArguments, DenseThroughTheEvaluator) {
  auto c = compileOk("model = Sequential([Dense(16, 'tanh', False, input_dim=8, name='h')])\n");
  Layer *h = c->layer("h");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->config.integer("units"), 16);
  EXPECT_EQ(h->config.str("activation"), "tanh");
  EXPECT_FALSE(h->config.flag("use_bias"));
  ASSERT_EQ(h->weights.size(), 1u);  // no bias
  EXPECT_EQ(h->weights[0].name, "kernel");
  EXPECT_EQ(h->weights[0].shape, (std::vector<int64_t>{8, 16}));
  EXPECT_EQ(h->paramCount(true), 128);
}

TEST(LayerArguments, DropoutLegacyRate) {
  auto c = compile("model = Sequential([Dense(4, input_dim=2), Dropout(p=0.25)])\n");
  ASSERT_NE(c->model, nullptr) << c->messages();
  EXPECT_EQ(c->messages(), "warning: 'p' is a Keras 1 argument name; use 'rate' (Keras 2)\n");
  EXPECT_DOUBLE_EQ(c->layer("dropout")->config.real("rate"), 0.25);
}

TEST(LayerArguments, ErrorsAreReportedWithTheirIds) {
  auto c = compile("a = Dense(3, units=4)\nb = Dense()\nc = Dense(3, activaton='relu')\n");
  EXPECT_TRUE(c->has(DiagID::err_duplicate_argument));
  EXPECT_TRUE(c->has(DiagID::err_missing_argument));
  EXPECT_TRUE(c->has(DiagID::err_unknown_argument_suggest));
  EXPECT_EQ(c->diags.errorCount(), 3u);
}

}  // namespace
