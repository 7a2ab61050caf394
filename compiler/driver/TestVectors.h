// --embed-test-vectors DIR: reference inputs and outputs for an executable's
// --self-test, laid out as tests/numerics and tools/keras_reference write
// them: DIR/in<i>.npy and DIR/out<i>.npy in the model's input and output
// order, and optionally DIR/case.json with the tolerance ("atol", "rtol").
#pragma once

#include "codegen/ModelCodegen.h"
#include "diagnostics/Diagnostics.h"
#include "graph/Program.h"

#include <optional>
#include <string>

namespace kiln {

// Without case.json: |got - expected| <= 1e-5 + 1e-5 * |expected|.
constexpr double kDefaultTestTolerance = 1e-5;

// Reads DIR and checks it against the model; on failure reports every
// problem and returns nothing.
std::optional<TestVectors> readTestVectors(const std::string &dir, const Program &program, DiagnosticEngine &diags);

}  // namespace kiln
