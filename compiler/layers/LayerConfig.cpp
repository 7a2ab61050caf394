#include "layers/LayerConfig.h"

#include "shapes/TensorType.h"

#include <algorithm>
#include <cassert>

namespace kiln {

void LayerConfig::set(std::string name, Value value, bool given) {
  if (given && std::find(given_.begin(), given_.end(), name) == given_.end()) given_.push_back(name);
  for (auto &[key, v] : entries_) {
    if (key == name) {
      v = std::move(value);
      return;
    }
  }
  entries_.emplace_back(std::move(name), std::move(value));
}

bool LayerConfig::given(std::string_view name) const {
  return std::find(given_.begin(), given_.end(), name) != given_.end();
}

const Value *LayerConfig::find(std::string_view name) const {
  for (const auto &[key, v] : entries_)
    if (key == name) return &v;
  return nullptr;
}

const Value &LayerConfig::get(std::string_view name) const {
  const Value *v = find(name);
  assert(v && "layer argument not declared");
  return *v;
}

std::vector<int64_t> LayerConfig::ints(std::string_view name) const {
  std::vector<int64_t> out;
  const Value &v = get(name);
  if (v.is(ValueKind::Int)) return {v.integer};
  for (const Value &item : v.items) out.push_back(item.is(ValueKind::Int) ? item.integer : kNone);
  return out;
}

}  // namespace kiln
