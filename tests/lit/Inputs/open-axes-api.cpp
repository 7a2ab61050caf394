// The C++ wrapper of a model with an open axis (tests/numerics/
// keras2_open_sequences compiled with `kilnc build --emit=obj -o seq.o`:
// input (batch, steps, 6), outputs (batch, steps, 2) and (batch, 4)). The
// constructor and run take the steps after the batch, as the C API does;
// run must compute what seq_run computes at any number of steps up to the
// one the scratch was allocated for.
#include "seq.hpp"
#include "wrapper-checks.hpp"

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

struct Outputs {
  std::vector<float> steps, pooled;
  Outputs(int64_t batch, int64_t steps_)
      : steps(batch * SEQ_OUT_0_SAMPLE_SIZE(steps_)), pooled(batch * SEQ_OUT_1_SAMPLE_SIZE(steps_)) {}
  bool operator==(const Outputs &o) const { return steps == o.steps && pooled == o.pooled; }
};

// What seq_run computes for `steps` steps.
Outputs reference(int64_t batch, int64_t steps, const std::vector<float> &input) {
  Outputs out(batch, steps);
  void *scratch = std::aligned_alloc(SEQ_SCRATCH_ALIGNMENT, (seq_scratch_size(batch, steps, nullptr) / 64 + 1) * 64);
  check(seq_run(batch, steps, input.data(), out.steps.data(), out.pooled.data(), scratch, nullptr) == SEQ_OK,
        "C run");
  std::free(scratch);
  return out;
}

}  // namespace

int main() {
  constexpr int64_t batch = 2, max_steps = 9;
  std::vector<float> input(batch * SEQ_IN_0_SAMPLE_SIZE(max_steps));
  for (size_t i = 0; i < input.size(); ++i) input[i] = static_cast<float>(i % 13) / 13.0f - 0.5f;

  kiln::models::seq model(batch, max_steps);
  check(model.ok(), "constructed for 9 steps");
  for (int64_t steps : {max_steps, int64_t(4), int64_t(1)}) {
    Outputs got(batch, steps);
    std::vector<float> in(input.begin(), input.begin() + batch * SEQ_IN_0_SAMPLE_SIZE(steps));
    check(model.run(batch, steps, in, got.steps, got.pooled) == kiln::status::ok, "run");
    check(got == reference(batch, steps, in), "the wrapper computes what seq_run does at this many steps");
  }

  Outputs out(batch, max_steps);
  check(outcome([&] { return model.run(batch, 0, input, out.steps, out.pooled); }) == kiln::status::bad_axes,
        "no steps");
  check(outcome([&] { return model.run(batch, max_steps + 1, input, out.steps, out.pooled); }) ==
            kiln::status::bad_size,
        "spans too small for the steps");
  std::vector<float> long_input(batch * SEQ_IN_0_SAMPLE_SIZE(max_steps + 1));
  Outputs long_out(batch, max_steps + 1);
  check(outcome([&] { return model.run(batch, max_steps + 1, long_input, long_out.steps, long_out.pooled); }) ==
            kiln::status::bad_batch,
        "more steps than the scratch was allocated for");
  return failures != 0;
}
