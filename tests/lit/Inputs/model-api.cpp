// The C++ wrapper of a model compiled with `kilnc build --emit=obj -o
// mlp.o` (tests/numerics/mlp_sequential): it must compute what the C entry
// point computes, check span sizes and batches, and report errors by
// exception, or by status when built with -fno-exceptions.
#include "mlp.hpp"
#include "wrapper-checks.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

int main() {
  constexpr int batch = 3;
  std::vector<float> input(batch * MLP_IN_0_SAMPLE_SIZE);
  for (size_t i = 0; i < input.size(); ++i) input[i] = static_cast<float>(i % 17) / 17.0f;

  std::vector<float> expected(batch * MLP_OUT_0_SAMPLE_SIZE);
  void *scratch = std::aligned_alloc(MLP_SCRATCH_ALIGNMENT, (mlp_scratch_size(batch, nullptr) / 64 + 1) * 64);
  check(mlp_run(batch, input.data(), expected.data(), scratch, nullptr) == MLP_OK, "C run");
  std::free(scratch);

  kiln::models::mlp model(batch);
  check(model.ok(), "constructed");
  std::vector<float> output(batch * MLP_OUT_0_SAMPLE_SIZE);
  check(model.run(batch, input, output) == kiln::status::ok, "run on vectors");
  check(output == expected, "the wrapper computes what mlp_run does");

  // Spans from pointers and sizes, and from arrays; fewer samples than allocated.
  std::array<float, MLP_OUT_0_SAMPLE_SIZE> one{};
  check(model.run(1, kiln::span<const float>(input.data(), MLP_IN_0_SAMPLE_SIZE), one) == kiln::status::ok,
        "run on one sample");
  check(std::equal(one.begin(), one.end(), expected.begin()), "one sample as in the batch");

  std::vector<float> short_output(batch * MLP_OUT_0_SAMPLE_SIZE - 1);
  check(outcome([&] { return model.run(batch, input, short_output); }) == kiln::status::bad_size,
        "an output span too small");
  check(outcome([&] { return model.run(batch + 1, input, output); }) == kiln::status::bad_size,
        "spans too small for the batch");
  std::vector<float> big_input((batch + 1) * MLP_IN_0_SAMPLE_SIZE), big_output((batch + 1) * MLP_OUT_0_SAMPLE_SIZE);
  check(outcome([&] { return model.run(batch + 1, big_input, big_output); }) == kiln::status::bad_batch,
        "a batch beyond the scratch");
  check(outcome([&] { return model.run(-1, input, output); }) == kiln::status::bad_batch, "a negative batch");

  // Moving hands over the scratch.
  kiln::models::mlp moved(std::move(model));
  check(moved.ok() && !model.ok(), "moved");
  check(moved.run(batch, input, output) == kiln::status::ok && output == expected, "run after the move");
  return failures != 0;
}
