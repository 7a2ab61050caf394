// The model as code generation sees it: nested models inlined, inference
// no-ops removed, activations fused, and every tensor given storage — a
// caller's input or output buffer, or a slot of the scratch arena.
#pragma once

#include "graph/Graph.h"
#include "kernels/KernelABI.h"
#include "layers/LayerKind.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kiln {

struct Buffer {
  enum class Kind {
    Input,   // the caller's input `index`
    Output,  // the caller's output `index`
    Arena,   // scratch at `offset` bytes per sample (times the batch)
    Chunk,   // a tensor made and used up within a chunked run: one chunk's room
             // at `offset` bytes per thread in the chunk arena
  };
  Kind kind = Kind::Arena;
  int index = 0;
  Dim offset = 0;  // over the open axes, like every size below
  TensorType type;
  std::string name;  // for IR value names: the producing layer
  Dim temporaryBytes = 0;  // a step's temporary: its size per sample (type unused)
  Dim bytesPerSample() const { return temporaryBytes == 0 ? mul(type.sampleSize(), 4) : temporaryBytes; }
};

// An open axis of the model: input `input`'s axis `axis`, Dim::axis(id).
struct OpenAxis {
  int id = 0;
  int input = 0;
  int axis = 0;
  std::string name;
};

struct Step {
  const Layer *layer = nullptr;  // its kind, config and weights
  std::vector<int> inputs;       // buffer ids
  std::vector<int> outputs;
  std::vector<TensorType> inputTypes;  // as the layer sees them (a view may
  std::vector<TensorType> outputTypes; // reshape the buffer it reads)
  std::vector<int> inputMasks;   // buffer ids of the inputs' masks, -1 for none
  std::vector<int> outputMasks;  // buffer ids of masks this step computes, -1 for none
  int temporary = -1;            // buffer id of the step's temporary memory, if it needs any
  // An activation taken over from a following Activation layer (fusion).
  std::optional<std::string> fusedActivation;
  // A BatchNormalization folded into this step's weights (see
  // LayerKind::acceptsChannelAffine).
  std::optional<ChannelAffine> channelAffine;
  // An Embedding whose rows leave multiplied by this layer's input kernel
  // (LayerKind::inputProjection), read by that layer as inputProjected.
  const Layer *projectInto = nullptr;
  bool inputProjected = false;  // input 0 holds the projection x_t W already
  // Copies input 0 to output 0 (a model output that is also an input or
  // another output, or a view).
  bool copy = false;
  // Inside TimeDistributed models: their time axes (outermost first), which
  // the step's types fold into the batch axis. It runs on the batch times
  // their product, each of its buffers keeping its own type.
  std::vector<Dim> timeFolds;
};

// Steps [begin, end) run a few samples at a time: every step of the run
// for `samples` samples per thread, then every step for the next ones, so
// that the tensors the run makes and reads stay in a core's cache rather
// than travel through memory between its steps. A tensor made and used up
// within the run has room for one chunk, which every chunk reuses; the
// others keep their own memory for the whole run.
struct SampleChunks {
  size_t begin = 0, end = 0;
  int64_t samples = 1;
};

struct Program {
  std::string modelName;
  std::vector<Buffer> buffers;
  std::vector<Step> steps;
  std::vector<int> inputs;   // buffer ids in model input order
  std::vector<int> outputs;  // buffer ids in model output order
  std::vector<std::string> inputNames;
  std::vector<std::string> outputNames;
  Dim arenaBytesPerSample = 0;
  // Temporary memory of single steps, one per thread after the arena; not
  // scaled by the batch.
  Dim workspaceBytes = 0;
  // The sizes the caller passes after the batch, in order.
  std::vector<OpenAxis> openAxes;
  // What the run-time sizes must satisfy before anything runs: every tensor
  // axis at least 1, and the equalities merges need (SizeCheck).
  std::vector<SizeCheck> sizeChecks;
  std::vector<SampleChunks> chunkedRuns;  // in step order, disjoint
  // The chunk arena, after the workspaces: this many bytes per thread.
  Dim chunkArenaBytes = 0;
  // What the layers compute by; their workspaces are sized for it.
  Algorithms algorithms;
  // Layers the passes add that are not the model's (the transposes of
  // channels_first layers); steps point into them.
  std::vector<std::shared_ptr<const Layer>> layers;
};

struct PassOptions {
  bool fuseActivations = true;   // fold Activation layers into the layer before
  bool foldNormalization = true;  // fold BatchNormalization into the layer before
  bool foldEmbeddings = true;     // multiply an Embedding's table into the recurrent layer after it
  Algorithms algorithms = {};
};

// The buffers a step reads or writes: its outputs, output masks and
// temporary (the first `written`), then its inputs and input masks.
std::vector<int> touchedBuffers(const Step &step, size_t &written);

// Flattens `model` and runs the graph passes and the memory plan.
Program buildProgram(const Model &model, const PassOptions &options);

}  // namespace kiln
