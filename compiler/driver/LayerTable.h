// `kilnc layers`: the Markdown table of every layer, read from the layer
// declarations (docs/layers.md is this output).
#pragma once

#include <string>

namespace kiln {

std::string formatLayerTable();

}  // namespace kiln
