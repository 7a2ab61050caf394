// `kilnc graph`: the model as a Graphviz DOT digraph, like Keras's
// plot_model(show_shapes=True): a node per layer, edges labelled with shapes.
#pragma once

#include "graph/Graph.h"

#include <string>

namespace kiln {

std::string formatDot(const Model &model);

}  // namespace kiln
