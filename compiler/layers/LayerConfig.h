// The checked arguments of one layer: every argument of its declaration,
// given or defaulted, in canonical form (tuples expanded, activations named).
#pragma once

#include "sema/Value.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kiln {

class LayerConfig {
public:
  void set(std::string name, Value value, bool given);
  bool has(std::string_view name) const { return find(name) != nullptr; }
  // True if the user wrote the argument (not a default).
  bool given(std::string_view name) const;
  const Value &get(std::string_view name) const;

  int64_t integer(std::string_view name) const { return get(name).integer; }
  double real(std::string_view name) const { return get(name).number(); }
  bool flag(std::string_view name) const { return get(name).boolean; }
  const std::string &str(std::string_view name) const { return get(name).text; }
  bool isNone(std::string_view name) const { return get(name).is(ValueKind::None); }
  // A tuple of integers (None entries become kNone).
  std::vector<int64_t> ints(std::string_view name) const;

  const std::vector<std::pair<std::string, Value>> &entries() const { return entries_; }

private:
  const Value *find(std::string_view name) const;

  std::vector<std::pair<std::string, Value>> entries_;
  std::vector<std::string> given_;
};

}  // namespace kiln
