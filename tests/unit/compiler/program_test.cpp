// buildProgram: flattening, inference no-ops removed, activations fused, and
// the memory plan (caller buffers for inputs and outputs, a shared arena for
// the intermediates).
#include "compile_util.h"
#include "weights/Weights.h"

#include <map>
#include <numeric>

using namespace kiln;
using kiln_test::compileOk;

namespace {

const char *kChain5 = R"(
model = Sequential([
    Dense(512, activation='relu', input_shape=(784,)),
    Dense(256, activation='relu'),
    Dense(128, activation='relu'),
    Dense(64, activation='relu'),
    Dense(10, activation='softmax'),
])
)";

// [first step that writes it, last step that reads it] for every buffer a
// step writes.
std::map<int, std::pair<size_t, size_t>> lifetimes(const Program &p) {
  std::map<int, std::pair<size_t, size_t>> life;
  for (size_t s = 0; s < p.steps.size(); ++s) {
    for (int v : p.steps[s].outputs)
      if (!life.count(v)) life[v] = {s, s};
    for (int v : p.steps[s].inputs)
      if (life.count(v)) life[v].second = std::max(life[v].second, s);
  }
  return life;
}

std::string kindOf(const Step &s) { return s.layer ? s.layer->className() : "copy"; }

TEST(Program, ChainOfDenseLayers) {
  auto c = compileOk(kChain5);
  Program p = buildProgram(*c->model, {});
  ASSERT_EQ(p.steps.size(), 5u);
  for (const Step &s : p.steps) {
    EXPECT_EQ(kindOf(s), "Dense");
    ASSERT_EQ(s.inputs.size(), 1u);
    ASSERT_EQ(s.outputs.size(), 1u);
  }
  // Each step reads what the previous one wrote.
  for (size_t i = 1; i < p.steps.size(); ++i) EXPECT_EQ(p.steps[i].inputs[0], p.steps[i - 1].outputs[0]);
  // The first reads the caller's input, the last writes the caller's output.
  ASSERT_EQ(p.inputs.size(), 1u);
  ASSERT_EQ(p.outputs.size(), 1u);
  EXPECT_EQ(p.steps.front().inputs[0], p.inputs[0]);
  EXPECT_EQ(p.steps.back().outputs[0], p.outputs[0]);
  EXPECT_EQ(p.buffers[p.inputs[0]].kind, Buffer::Kind::Input);
  EXPECT_EQ(p.buffers[p.inputs[0]].index, 0);
  EXPECT_EQ(p.buffers[p.outputs[0]].kind, Buffer::Kind::Output);
  EXPECT_EQ(p.buffers[p.outputs[0]].index, 0);
  EXPECT_EQ(p.inputNames, (std::vector<std::string>{"dense_input"}));
  EXPECT_EQ(p.outputNames, (std::vector<std::string>{"dense_4"}));
  EXPECT_EQ(p.modelName, "sequential");
}

TEST(Program, ArenaSlotsOfLiveTensorsNeverOverlap) {
  auto c = compileOk(kChain5);
  Program p = buildProgram(*c->model, {});
  auto life = lifetimes(p);
  std::vector<int> arena;
  for (const auto &[v, span] : life)
    if (p.buffers[v].kind == Buffer::Kind::Arena) arena.push_back(v);
  ASSERT_EQ(arena.size(), 4u);  // the four intermediates
  for (int a : arena) {
    const Buffer &A = p.buffers[a];
    EXPECT_EQ(A.offset % 64, 0) << A.name;
    EXPECT_LE(A.offset + A.bytesPerSample(), p.arenaBytesPerSample) << A.name;
    for (int b : arena) {
      if (a >= b) continue;
      const Buffer &B = p.buffers[b];
      bool liveTogether = life[a].first <= life[b].second && life[b].first <= life[a].second;
      bool overlap = A.offset < B.offset + B.bytesPerSample() && B.offset < A.offset + A.bytesPerSample();
      EXPECT_FALSE(liveTogether && overlap) << A.name << " and " << B.name;
    }
  }
}

TEST(Program, ArenaIsSmallerThanAllIntermediates) {
  auto c = compileOk(kChain5);
  Program p = buildProgram(*c->model, {});
  int64_t sum = 0;
  for (const Buffer &b : p.buffers)
    if (b.kind == Buffer::Kind::Arena) sum += b.bytesPerSample();
  EXPECT_EQ(sum, (512 + 256 + 128 + 64) * 4);
  // Only neighbours are alive together: the two largest neighbours bound it.
  EXPECT_LT(p.arenaBytesPerSample, sum);
  EXPECT_EQ(p.arenaBytesPerSample, (512 + 256) * 4);
  // Tensors alive at different times share an offset.
  std::map<std::string, int64_t> offset;
  for (const Buffer &b : p.buffers)
    if (b.kind == Buffer::Kind::Arena) offset[b.name] = b.offset;
  EXPECT_EQ(offset["dense"], offset["dense_2"]);
  EXPECT_NE(offset["dense"], offset["dense_1"]);
  EXPECT_NE(offset["dense_2"], offset["dense_3"]);
}

TEST(Program, BuffersAreTypedPerSample) {
  auto c = compileOk(kChain5);
  Program p = buildProgram(*c->model, {});
  EXPECT_EQ(p.buffers[p.inputs[0]].type.dims, toDims(std::vector<int64_t>{kNone, 784}));
  EXPECT_EQ(p.buffers[p.inputs[0]].bytesPerSample(), 784 * 4);
  EXPECT_EQ(p.buffers[p.outputs[0]].type.dims, toDims(std::vector<int64_t>{kNone, 10}));
}

TEST(Program, DropoutIsRemoved) {
  auto c = compileOk(R"(
model = Sequential([Dense(16, input_dim=8), Dropout(0.5), Dense(4), Dropout(0.2)])
)");
  Program p = buildProgram(*c->model, {});
  ASSERT_EQ(p.steps.size(), 2u);
  EXPECT_EQ(kindOf(p.steps[0]), "Dense");
  EXPECT_EQ(kindOf(p.steps[1]), "Dense");
  // The second Dense reads the first one's output directly, and the last
  // Dense writes the model output (the trailing Dropout's) itself.
  EXPECT_EQ(p.steps[1].inputs[0], p.steps[0].outputs[0]);
  EXPECT_EQ(p.steps[1].outputs[0], p.outputs[0]);
  EXPECT_EQ(p.buffers[p.outputs[0]].kind, Buffer::Kind::Output);
  EXPECT_EQ(p.outputNames, (std::vector<std::string>{"dropout_1"}));
}

TEST(Program, ActivationIsFusedIntoDense) {
  const char *source = R"(
model = Sequential([Dense(16, input_dim=8), Activation('tanh'), Dense(4), Activation('softmax')])
)";
  auto c = compileOk(source);
  Program fused = buildProgram(*c->model, {true});
  ASSERT_EQ(fused.steps.size(), 2u);
  EXPECT_EQ(kindOf(fused.steps[0]), "Dense");
  EXPECT_EQ(fused.steps[0].fusedActivation, std::optional<std::string>("tanh"));
  EXPECT_EQ(fused.steps[1].fusedActivation, std::optional<std::string>("softmax"));
  EXPECT_EQ(fused.steps[1].inputs[0], fused.steps[0].outputs[0]);
  EXPECT_EQ(fused.steps[1].outputs[0], fused.outputs[0]);

  Program separate = buildProgram(*c->model, {false});
  ASSERT_EQ(separate.steps.size(), 4u);
  EXPECT_EQ(kindOf(separate.steps[1]), "Activation");
  EXPECT_EQ(kindOf(separate.steps[3]), "Activation");
  EXPECT_FALSE(separate.steps[0].fusedActivation);
}

TEST(Program, ActivationIsNotFusedIntoANonLinearDense) {
  auto c = compileOk("model = Sequential([Dense(16, input_dim=8, activation='relu'), Activation('tanh')])\n");
  Program p = buildProgram(*c->model, {});
  ASSERT_EQ(p.steps.size(), 2u);
  EXPECT_EQ(kindOf(p.steps[1]), "Activation");
  EXPECT_FALSE(p.steps[0].fusedActivation);
}

TEST(Program, ActivationIsNotFusedWhenTheDenseOutputIsAlsoUsed) {
  auto c = compileOk(R"(
i = Input(shape=(8,))
h = Dense(16)(i)
a = Activation('relu')(h)
model = Model(i, [h, a])
)");
  Program p = buildProgram(*c->model, {});
  ASSERT_EQ(p.steps.size(), 2u);
  EXPECT_EQ(kindOf(p.steps[0]), "Dense");
  EXPECT_EQ(kindOf(p.steps[1]), "Activation");
  EXPECT_FALSE(p.steps[0].fusedActivation);
  // Both outputs are written straight into the caller's buffers.
  EXPECT_EQ(p.steps[0].outputs[0], p.outputs[0]);
  EXPECT_EQ(p.steps[1].outputs[0], p.outputs[1]);
  EXPECT_EQ(p.arenaBytesPerSample, 0);
}

// The steps of `p` whose layer is of `kind`, in order.
std::vector<const Step *> stepsOf(const Program &p, const std::string &kind) {
  std::vector<const Step *> found;
  for (const Step &s : p.steps)
    if (kindOf(s) == kind) found.push_back(&s);
  return found;
}

TEST(Program, EmbeddingIsProjectedIntoTheRecurrentLayerAfterIt) {
  // Folded: the LSTM (through a Dropout). Not: the GRU's Embedding, which the
  // pooling reads too, and the SimpleRNN's, whose projected table (300000 x
  // 64 floats) would be over 64 MiB.
  auto c = compileOk(R"(
ids = Input(shape=(9,), dtype='int32')
lstm = LSTM(20)(Dropout(0.5)(Embedding(50, 8, mask_zero=True)(ids)))
shared = Embedding(60, 8)(ids)
gru = GRU(5)(shared)
pooled = GlobalAveragePooling1D()(shared)
rnn = SimpleRNN(64)(Embedding(300000, 64)(ids))
model = Model(ids, [lstm, gru, pooled, rnn])
)");
  initializeWeights(*c->model, 1, c->diags);
  Program p = buildProgram(*c->model, {});
  std::vector<const Step *> embeddings = stepsOf(p, "Embedding");
  ASSERT_EQ(embeddings.size(), 3u);
  const Step &lstm = *stepsOf(p, "LSTM").at(0);
  EXPECT_EQ(embeddings[0]->projectInto, lstm.layer);
  EXPECT_TRUE(lstm.inputProjected);
  EXPECT_EQ(lstm.inputs[0], embeddings[0]->outputs[0]);
  // 20 units in two blocks of 16, four gates each: rows of 128 floats.
  EXPECT_EQ(p.buffers[embeddings[0]->outputs[0]].type, (TensorType{DType::Float32, {kNone, 9, 128}}));
  EXPECT_EQ(lstm.inputTypes[0], p.buffers[embeddings[0]->outputs[0]].type);
  EXPECT_EQ(embeddings[1]->projectInto, nullptr);
  EXPECT_EQ(embeddings[2]->projectInto, nullptr);
  EXPECT_FALSE(stepsOf(p, "GRU").at(0)->inputProjected);
  EXPECT_FALSE(stepsOf(p, "SimpleRNN").at(0)->inputProjected);

  PassOptions unfolded;
  unfolded.foldEmbeddings = false;
  Program separate = buildProgram(*c->model, unfolded);
  EXPECT_EQ(stepsOf(separate, "Embedding").at(0)->projectInto, nullptr);
  EXPECT_FALSE(stepsOf(separate, "LSTM").at(0)->inputProjected);
}

TEST(Program, OutputThatIsAnInputIsCopied) {
  auto c = compileOk("i = Input(shape=(3,))\nmodel = Model(i, [Dense(2)(i), i])\n");
  Program p = buildProgram(*c->model, {});
  ASSERT_EQ(p.steps.size(), 2u);
  EXPECT_EQ(kindOf(p.steps[1]), "copy");
  EXPECT_TRUE(p.steps[1].copy);
  EXPECT_EQ(p.steps[1].inputs[0], p.inputs[0]);
  EXPECT_EQ(p.steps[1].outputs[0], p.outputs[1]);
  EXPECT_EQ(p.buffers[p.outputs[1]].kind, Buffer::Kind::Output);
  EXPECT_EQ(p.buffers[p.outputs[1]].index, 1);
}

// Regression: the copy step once read the source buffer through a
// reference that the added output buffer had invalidated.
TEST(Program, RepeatedOutputsAreCopiedWithTheirOwnTypes) {
  auto c = compileOk(R"(
i = Input(shape=(6,))
h = Dense(6)(i)
r = Reshape((2, 3))(h)
model = Model(i, [h, r, h, i])
)");
  Program p = buildProgram(*c->model, {});
  ASSERT_EQ(p.outputs.size(), 4u);
  EXPECT_EQ(p.buffers[p.outputs[0]].type.dims, toDims(std::vector<int64_t>{kNone, 6}));
  EXPECT_EQ(p.buffers[p.outputs[1]].type.dims, toDims(std::vector<int64_t>{kNone, 2, 3}));
  EXPECT_EQ(p.buffers[p.outputs[2]].type.dims, toDims(std::vector<int64_t>{kNone, 6}));
  EXPECT_EQ(p.buffers[p.outputs[3]].type.dims, toDims(std::vector<int64_t>{kNone, 6}));
  for (const Step &s : p.steps) {
    if (!s.copy) continue;
    ASSERT_EQ(s.inputTypes.size(), 1u);
    EXPECT_EQ(s.inputTypes[0].sampleElements(), 6);
    EXPECT_EQ(s.outputTypes[0].sampleElements(), 6);
  }
  for (size_t i = 0; i < p.outputs.size(); ++i) EXPECT_EQ(p.buffers[p.outputs[i]].index, int(i));
}

TEST(Program, NestedModelsAreFlattened) {
  auto c = compileOk(R"(
encoder = Sequential([Dense(16, input_shape=(32,)), Dropout(0.1), Dense(8)], name='encoder')
i = Input(shape=(32,))
model = Model(i, Dense(1)(encoder(i)))
)");
  Program p = buildProgram(*c->model, {});
  ASSERT_EQ(p.steps.size(), 3u);
  std::vector<std::string> layers;
  for (const Step &s : p.steps) layers.push_back(s.layer->name);
  EXPECT_EQ(layers, (std::vector<std::string>{"dense", "dense_1", "dense_2"}));
  EXPECT_EQ(p.steps[0].inputs[0], p.inputs[0]);
  EXPECT_EQ(p.steps[2].outputs[0], p.outputs[0]);
}

// Output names become parameter names in the generated header: they must be
// distinct.
TEST(Program, OutputNamesAreUnique) {
  auto c = compileOk(R"(
a = Input(shape=(8,))
b = Input(shape=(8,))
shared = Dense(4, name='shared')
model = Model([a, b], [shared(a), shared(b)])
)");
  Program p = buildProgram(*c->model, {});
  EXPECT_EQ(p.inputNames, (std::vector<std::string>{"input_1", "input_2"}));
  ASSERT_EQ(p.outputNames.size(), 2u);
  EXPECT_NE(p.outputNames[0], p.outputNames[1]);
  for (const std::string &out : p.outputNames)
    for (const std::string &in : p.inputNames) EXPECT_NE(out, in);
}

}  // namespace
