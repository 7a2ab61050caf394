// Names: Keras's to_snake_case, "did you mean" suggestions, shape spelling,
// and the default layer/model names Keras gives.
#include "compile_util.h"

#include "diagnostics/Suggest.h"
#include "layers/Activations.h"
#include "shapes/TensorType.h"

using namespace kiln;
using kiln_test::compileOk;

namespace {

// ---- toSnakeCase: keras.utils.generic_utils.to_snake_case -------------------
// intermediate = re.sub('(.)([A-Z][a-z0-9]+)', r'\1_\2', name)
// insecure = re.sub('([a-z])([A-Z])', r'\1_\2', intermediate).lower()

struct SnakeCase {
  const char *className;
  const char *keras;
};

// Test names show the class name rather than the bytes of the struct.
void PrintTo(const SnakeCase &c, std::ostream *os) { *os << c.className << " -> " << c.keras; }

class ToSnakeCase : public ::testing::TestWithParam<SnakeCase> {};

TEST_P(ToSnakeCase, MatchesKeras) { EXPECT_EQ(toSnakeCase(GetParam().className), GetParam().keras); }

INSTANTIATE_TEST_SUITE_P(KerasLayerNames, ToSnakeCase,
                         ::testing::Values(SnakeCase{"Dense", "dense"}, SnakeCase{"Conv2D", "conv2d"},
                                           SnakeCase{"BatchNormalization", "batch_normalization"},
                                           SnakeCase{"ReLU", "re_lu"}, SnakeCase{"PReLU", "p_re_lu"},
                                           SnakeCase{"LeakyReLU", "leaky_re_lu"},
                                           SnakeCase{"GlobalAveragePooling2D", "global_average_pooling2d"},
                                           SnakeCase{"LSTM", "lstm"}, SnakeCase{"SimpleRNN", "simple_rnn"},
                                           SnakeCase{"Conv2DTranspose", "conv2d_transpose"},
                                           SnakeCase{"UpSampling2D", "up_sampling2d"},
                                           SnakeCase{"InputLayer", "input_layer"},
                                           SnakeCase{"Dropout", "dropout"},
                                           SnakeCase{"Activation", "activation"},
                                           SnakeCase{"GRU", "gru"}, SnakeCase{"ZeroPadding2D", "zero_padding2d"},
                                           SnakeCase{"ThresholdedReLU", "thresholded_re_lu"},
                                           SnakeCase{"MultiHeadAttention", "multi_head_attention"},
                                           SnakeCase{"ConvLSTM2D", "conv_lstm2d"},
                                           SnakeCase{"Conv1D", "conv1d"}, SnakeCase{"ELU", "elu"}),
                         [](const ::testing::TestParamInfo<SnakeCase> &info) { return std::string(info.param.className); });

TEST(ToSnakeCase, RegisteredKindsUseIt) {
  const LayerKind *dense = LayerRegistry::instance().find("Dense");
  ASSERT_NE(dense, nullptr);
  EXPECT_EQ(dense->defaultName(), "dense");
  const LayerKind *dropout = LayerRegistry::instance().find("Dropout");
  ASSERT_NE(dropout, nullptr);
  EXPECT_EQ(dropout->defaultName(), "dropout");
}

// Keras prefixes the names of private classes ("_Foo") with "private", so
// that they make valid scope names.
TEST(ToSnakeCase, PrivateClassNamesGetAPrefix) { EXPECT_EQ(toSnakeCase("_Private"), "private__private"); }

// ---- closestMatch ------------------------------------------------------------

TEST(ClosestMatch, SuggestsTypos) {
  EXPECT_EQ(closestMatch("rleu", activationNames()), "relu");  // a swap is one edit
  EXPECT_EQ(closestMatch("sigmoind", activationNames()), "sigmoid");
  EXPECT_EQ(closestMatch("Dnse", {"Dropout", "Dense", "Activation"}), "Dense");
  EXPECT_EQ(closestMatch("activaton", {"units", "activation", "use_bias"}), "activation");
}

TEST(ClosestMatch, IgnoresCase) {
  EXPECT_EQ(closestMatch("dense", {"Dropout", "Dense"}), "Dense");
  EXPECT_EQ(closestMatch("RELU", activationNames()), "relu");
}

TEST(ClosestMatch, RejectsFarCandidates) {
  EXPECT_EQ(closestMatch("Frobnicator", {"Dense", "Dropout", "Activation"}), std::nullopt);
  EXPECT_EQ(closestMatch("x", {"units"}), std::nullopt);
  EXPECT_EQ(closestMatch("relu", {}), std::nullopt);
}

TEST(ClosestMatch, ThresholdGrowsWithTheWord) {
  // A 4-letter word accepts 2 edits, not 3.
  EXPECT_EQ(closestMatch("abcd", {"abxy"}), "abxy");
  EXPECT_EQ(closestMatch("abcd", {"axyz"}), std::nullopt);
  // A 1-letter word accepts 1 edit.
  EXPECT_EQ(closestMatch("a", {"b"}), "b");
}

TEST(ClosestMatch, PrefersTheClosestThenTheFirst) {
  EXPECT_EQ(closestMatch("dens", {"dense_1", "dense"}), "dense");
  EXPECT_EQ(closestMatch("ab", {"ac", "ad"}), "ac");
}

// ---- shapeString -------------------------------------------------------------

TEST(ShapeString, SpellsShapesAsKerasDoes) {
  EXPECT_EQ(shapeString(std::vector<int64_t>{kNone, 784}), "(None, 784)");
  EXPECT_EQ(shapeString(std::vector<int64_t>{784}), "(784,)");
  EXPECT_EQ(shapeString(std::vector<int64_t>{}), "()");
  EXPECT_EQ(shapeString(std::vector<int64_t>{kNone}), "(None,)");
  EXPECT_EQ(shapeString(std::vector<int64_t>{kNone, 28, 28, 1}), "(None, 28, 28, 1)");
  EXPECT_EQ(shapeString(TensorType{DType::Float32, {32, kNone, 3}}), "(32, None, 3)");
}

TEST(TensorTypeTest, SampleElementsAndKnownness) {
  TensorType t{DType::Float32, {kNone, 28, 28, 1}};
  EXPECT_EQ(t.rank(), 4);
  EXPECT_EQ(t.sampleElements(), 784);
  EXPECT_TRUE(t.perSampleKnown());
  EXPECT_FALSE((TensorType{DType::Float32, {kNone, kNone, 3}}).perSampleKnown());
  EXPECT_STREQ(dtypeName(DType::Float32), "float32");
  EXPECT_STREQ(dtypeName(DType::Int32), "int32");
}

// ---- Keras default names -------------------------------------------------------

TEST(DefaultNames, LayersCountPerClassFromZero) {
  auto c = compileOk(R"(
model = Sequential([Dense(8, input_dim=4), Dropout(0.1), Dense(8), Activation('relu'), Dropout(0.2), Dense(2)])
)");
  EXPECT_EQ(c->layerNames(), (std::vector<std::string>{"dense", "dropout", "dense_1", "activation", "dropout_1",
                                                       "dense_2"}));
}

TEST(DefaultNames, SequentialInputIsNamedAfterItsFirstLayer) {
  auto c = compileOk("model = Sequential([Dense(8, input_dim=4, name='fc'), Dense(2)])\n");
  ASSERT_EQ(c->model->inputs.size(), 1u);
  EXPECT_EQ(c->model->inputs[0]->producer->layer->name, "fc_input");
  auto d = compileOk("model = Sequential([Dense(8, input_shape=(4,))])\n");
  EXPECT_EQ(d->model->inputs[0]->producer->layer->name, "dense_input");
}

TEST(DefaultNames, InputsCountFromOne) {
  auto c = compileOk(R"(
a = Input(shape=(4,))
b = Input(shape=(4,))
c = Input(shape=(4,), name='named')
d = Input(shape=(4,))
model = Model([a, b, c, d], [Dense(1)(a), Dense(1)(b), Dense(1)(c), Dense(1)(d)])
)");
  std::vector<std::string> inputs;
  for (Tensor *t : c->model->inputs) inputs.push_back(t->producer->layer->name);
  EXPECT_EQ(inputs, (std::vector<std::string>{"input_1", "input_2", "named", "input_3"}));
}

TEST(DefaultNames, ModelsCountFromZero) {
  const char *source = R"(
s0 = Sequential([Dense(2, input_dim=2)])
s1 = Sequential([Dense(2, input_dim=2)])
i = Input(shape=(2,))
m0 = Model(i, Dense(2)(i))
m1 = Model(i, Dense(3)(i))
named = Sequential([Dense(2, input_dim=2)], name='custom')
s2 = Sequential([Dense(2, input_dim=2)])
)";
  EXPECT_EQ(compileOk(source, "s0")->model->name, "sequential");
  EXPECT_EQ(compileOk(source, "s1")->model->name, "sequential_1");
  EXPECT_EQ(compileOk(source, "m0")->model->name, "model");
  EXPECT_EQ(compileOk(source, "m1")->model->name, "model_1");
  EXPECT_EQ(compileOk(source, "named")->model->name, "custom");
  EXPECT_EQ(compileOk(source, "s2")->model->name, "sequential_2");
  // Without --model the last model is chosen when none is bound to `model`.
  EXPECT_EQ(compileOk(source)->model->name, "sequential_2");
}

TEST(DefaultNames, ExplicitNamesDoNotAdvanceTheCounter) {
  auto c = compileOk("model = Sequential([Dense(2, input_dim=2, name='dense_5'), Dense(2), Dense(2)])\n");
  EXPECT_EQ(c->layerNames(), (std::vector<std::string>{"dense_5", "dense", "dense_1"}));
}

}  // namespace
