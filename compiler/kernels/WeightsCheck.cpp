// <prefix>_weights_check's body: an external weights file checked against
// the model (the format and the check are runtime/include/kiln_weights.h).
#include "Common.h"

#include "kiln_weights.h"

KILN_KERNEL int32_t kiln_weights_check(const void *data, uint64_t size, uint64_t modelHash, const uint64_t *layout,
                                       uint32_t count) {
  return kiln_weights_validate(data, size, modelHash, layout, count);
}
