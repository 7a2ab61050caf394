// kilnc's command line.
#pragma once

#include "layers/Activations.h"

#include <optional>
#include <string>

namespace kiln {

enum class Command { Check, Summary, Graph, Build, Import, Layers, Help, Version };
enum class EmitKind { Exe, Obj, Lib, Shared, LLVM, Asm };

struct Options {
  Command command = Command::Help;
  std::string input;
  std::string output;                  // -o
  std::string model;                   // --model NAME
  std::string weights;                 // --weights FILE
  std::optional<uint64_t> initSeed;    // --init-weights SEED
  std::string externalWeights;         // --external-weights FILE
  EmitKind emit = EmitKind::Exe;
  int optLevel = 2;
  std::string triple;                  // --target
  std::string cpu;                     // --mcpu
  std::string cc;                      // --cc: the C compiler driver that links
  std::string testVectors;             // --embed-test-vectors DIR
  std::string prefix;                  // --name: C prefix of the entry points
  bool verify = false;                 // check --verify
  bool fuse = true;                    // --no-fuse
  bool winograd = false;               // --winograd
  bool verbose = false;                // -v: also list the code skipped as not model building
  bool timePhases = false;             // --time-phases
  KerasVersion kerasVersion = KerasVersion::V2;
  bool kerasVersionGiven = false;  // else a model file that imports keras.ops is Keras 3's
};

// Parses argv; on a usage error returns nothing and sets `error`.
std::optional<Options> parseOptions(int argc, char **argv, std::string &error);

extern const char *const kUsage;

}  // namespace kiln
