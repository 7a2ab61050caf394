// Runs the digits model, compiled by kiln_add_model, through its C++
// wrapper (digits.hpp): reads samples from a .npy file, writes the class
// probabilities to another and prints the most likely class of each.
//
//   digits INPUT.npy OUTPUT.npy
#include "digits.hpp"

#include <kiln_rt.h>

#include <cstdio>
#include <vector>

int main(int argc, char **argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s INPUT.npy OUTPUT.npy\n", argv[0]);
    return 2;
  }
  char err[512];
  kiln_array in;
  if (kiln_npy_load(argv[1], &in, err, sizeof err) != KILN_OK) {
    std::fprintf(stderr, "digits: %s\n", err);
    return 1;
  }
  if (in.dtype != KILN_FLOAT32 || in.rank != 2 || in.dims[1] != DIGITS_IN_0_SAMPLE_SIZE) {
    std::fprintf(stderr, "digits: %s: expected float32 samples of %d values\n", argv[1], DIGITS_IN_0_SAMPLE_SIZE);
    return 1;
  }
  int64_t batch = in.dims[0];
  std::vector<float> probabilities(batch * DIGITS_OUT_0_SAMPLE_SIZE);

  try {
    kiln::models::digits model(batch);  // scratch for `batch` samples, allocated once
    model.run(batch, kiln::span<const float>(static_cast<const float *>(in.data), batch * DIGITS_IN_0_SAMPLE_SIZE),
              probabilities);
  } catch (const kiln::error &e) {
    std::fprintf(stderr, "digits: %s\n", e.what());
    return 1;
  }

  for (int64_t i = 0; i < batch; ++i) {
    const float *p = &probabilities[i * DIGITS_OUT_0_SAMPLE_SIZE];
    int best = 0;
    for (int c = 1; c < DIGITS_OUT_0_SAMPLE_SIZE; ++c)
      if (p[c] > p[best]) best = c;
    std::printf("sample %lld: class %d (p=%.4f)\n", static_cast<long long>(i), best, p[best]);
  }
  kiln_array out{};
  out.dtype = KILN_FLOAT32;
  out.rank = 2;
  out.dims[0] = batch;
  out.dims[1] = DIGITS_OUT_0_SAMPLE_SIZE;
  out.data = probabilities.data();
  if (kiln_npy_save(argv[2], &out, err, sizeof err) != KILN_OK) {
    std::fprintf(stderr, "digits: %s\n", err);
    return 1;
  }
  kiln_array_free(&in);
  return 0;
}
