// `kilnc summary`: the model table exactly as Keras's model.summary() prints it.
#pragma once

#include "graph/Graph.h"

#include <string>

namespace kiln {

std::string formatSummary(const Model &model);

}  // namespace kiln
