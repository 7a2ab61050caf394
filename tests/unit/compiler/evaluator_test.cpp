// Evaluating small .kiln sources: the graph Keras would build (layers, nodes,
// tensors, shapes, weights), Python's arithmetic, and what is rejected.
#include "compile_util.h"

using namespace kiln;
using kiln_test::compile;
using kiln_test::compileOk;

namespace {

std::vector<int64_t> dims(const Tensor *t) { return {t->type.dims.begin(), t->type.dims.end()}; }

TEST(Evaluate, SequentialShapesAndWeights) {
  auto c = compileOk(R"(
model = Sequential()
model.add(Dense(64, input_dim=784, activation='relu'))
model.add(Dense(64, activation='relu'))
model.add(Dense(10, activation='softmax'))
)");
  const Model &m = *c->model;
  EXPECT_TRUE(m.sequential);
  EXPECT_EQ(m.name, "sequential");
  ASSERT_EQ(m.layers.size(), 3u);  // the implicit InputLayer is not listed
  ASSERT_EQ(m.inputs.size(), 1u);
  ASSERT_EQ(m.outputs.size(), 1u);
  EXPECT_EQ(dims(m.inputs[0]), (std::vector<int64_t>{kNone, 784}));
  EXPECT_EQ(dims(m.outputs[0]), (std::vector<int64_t>{kNone, 10}));
  EXPECT_EQ(m.layers[0]->weights[0].shape, (std::vector<int64_t>{784, 64}));
  EXPECT_EQ(m.layers[0]->weights[1].shape, (std::vector<int64_t>{64}));
  EXPECT_EQ(m.paramCount(true), 784 * 64 + 64 + 64 * 64 + 64 + 64 * 10 + 10);
  EXPECT_EQ(m.paramCount(false), 0);
  EXPECT_EQ(m.nodes.size(), 3u);
}

TEST(Evaluate, FunctionalModelListsItsInputLayerFirst) {
  auto c = compileOk(R"(
inputs = Input(shape=(28, 28))
x = Dense(32)(inputs)
model = Model(inputs=inputs, outputs=Dense(5)(x))
)");
  EXPECT_FALSE(c->model->sequential);
  EXPECT_EQ(c->layerNames(), (std::vector<std::string>{"input_1", "dense", "dense_1"}));
  // Dense applies to the last axis.
  EXPECT_EQ(dims(c->model->outputs[0]), (std::vector<int64_t>{kNone, 28, 5}));
  EXPECT_EQ(c->layer("dense")->weights[0].shape, (std::vector<int64_t>{28, 32}));
}

TEST(Evaluate, SharedLayerHasOneNodePerCall) {
  auto c = compileOk(R"(
a = Input(shape=(8,))
b = Input(shape=(8,))
shared = Dense(4)
model = Model([a, b], [shared(a), shared(b)])
)");
  Layer *shared = c->layer("dense");
  ASSERT_NE(shared, nullptr);
  ASSERT_EQ(shared->nodes.size(), 2u);
  EXPECT_EQ(shared->nodes[0]->indexInLayer, 0);
  EXPECT_EQ(shared->nodes[1]->indexInLayer, 1);
  EXPECT_EQ(c->model->paramCount(true), 8 * 4 + 4);  // counted once
}

TEST(Evaluate, BatchSizeAndBatchShape) {
  auto c = compileOk("i = Input(shape=(3,), batch_size=16)\nmodel = Model(i, Dense(2)(i))\n");
  EXPECT_EQ(dims(c->model->inputs[0]), (std::vector<int64_t>{16, 3}));
  auto d = compileOk("model = Sequential([Dense(2, batch_input_shape=(8, 5))])\n");
  EXPECT_EQ(dims(d->model->inputs[0]), (std::vector<int64_t>{8, 5}));
}

TEST(Evaluate, PythonArithmetic) {
  // Each expression is the units of a layer: the output shape shows it.
  struct Case {
    const char *expr;
    int64_t value;
  };
  for (Case k : {Case{"2 ** 3 ** 2", 512}, Case{"-7 // 2 + 10", 6}, Case{"-7 % 3", 2}, Case{"-2 ** 2 + 5", 1},
                 Case{"0x1F", 31}, Case{"1_000", 1000}, Case{"(2 + 3) * 4", 20}, Case{"7 // -2 + 5", 1},
                 Case{"7 % -3 + 3", 1}, Case{"[1, 2, 3][-1]", 3}, Case{"{'a': 4}['a']", 4},
                 Case{"((1,) * 3 + (5,))[3]", 5}}) {
    std::string source = std::string("model = Sequential([Dense(") + k.expr + ", input_dim=2)])\n";
    auto c = compile(source);
    ASSERT_NE(c->model, nullptr) << k.expr << "\n" << c->messages();
    EXPECT_EQ(c->model->outputs[0]->type.dims[1], k.value) << k.expr;
  }
}

TEST(Evaluate, PythonBlocksRunAtBuildTime) {
  auto c = compileOk(R"(
def block(x, units):
    return Dense(units, name=f'fc{units}')(x)
inputs = Input(shape=(4,))
x = inputs
for units in [8, 4]:
    x = block(x, units) if units > 4 else Dense(units)(x)
model = Model(inputs, x)
)");
  EXPECT_EQ(c->layerNames(), (std::vector<std::string>{"input_1", "fc8", "dense"}));
  EXPECT_EQ(c->messages(), "");
}

TEST(Evaluate, SyntaxErrorsStopBeforeEvaluation) {
  auto c = compile("a = Dense(64 input_dim=3)\nb = undefined\n");
  EXPECT_FALSE(c->parsed);
  EXPECT_EQ(c->messages(), "error: unexpected name 'input_dim'; is a ',' missing before it?\n");
}

TEST(Evaluate, TrainingCallsAreSkippedAndListedInOneNote) {
  auto c = compile(R"(
model = Sequential([Dense(2, input_dim=2)])
model.compile(optimizer=keras.optimizers.Adam(1e-3), loss='mse')
model.fit(x_train, y_train)
)");
  ASSERT_NE(c->model, nullptr) << c->messages();
  EXPECT_EQ(c->messages(), "");
  c->evaluator->noteSkipped();
  EXPECT_EQ(c->messages(), "note: test.kiln: skipped code that does not build the model (2 statements): "
                           "model.compile() (line 3), model.fit() (line 4)\n");
}

TEST(Evaluate, ErrorValuesDoNotCascade) {
  auto c = compile(R"(
i = Input(shape=(4,))
x = Dense(units=-1)(i)
y = Dense(3)(x)
z = Dense(3)(y)
)");
  EXPECT_EQ(c->diags.errorCount(), 1u) << c->messages();
}

// Keras 2 orders model.layers by depth from the outputs (deepest first), then
// by the order a depth-first walk from the outputs meets them
// (functional.py, _map_graph_network); so does print_summary.
TEST(Evaluate, FunctionalLayersAreOrderedByDepth) {
  auto c = compileOk(R"(
inp = Input(shape=(8,))
c = Dense(2, name='c')(inp)
a = Dense(4, name='a')(inp)
b = Dense(3, name='b')(a)
model = Model(inp, [b, c])
)");
  EXPECT_EQ(c->layerNames(), (std::vector<std::string>{"input_1", "a", "b", "c"}));
}

// Keras 2's InputLayer takes its default name from the same 1-based 'input'
// counter as Input().
TEST(Evaluate, InputLayerSharesTheInputCounter) {
  auto c = compileOk(R"(
first = InputLayer(input_shape=(4,))
i = Input(shape=(3,))
model = Model(i, Dense(2)(i))
)");
  EXPECT_EQ(c->model->inputs[0]->producer->layer->name, "input_2");
}

}  // namespace
