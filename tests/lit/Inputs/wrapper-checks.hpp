// What the tests of the generated C++ wrappers share: one line per check, and
// the status of a call expected to fail, whether it throws or returns.
#ifndef KILN_TESTS_WRAPPER_CHECKS_HPP
#define KILN_TESTS_WRAPPER_CHECKS_HPP

#include <kiln/model.hpp>

#include <cstdio>

namespace {

int failures = 0;

void check(bool ok, const char *what) {
  std::printf("%s: %s\n", ok ? "ok" : "FAILED", what);
  failures += !ok;
}

template <class Call>
kiln::status outcome(Call call) {
#ifdef KILN_EXCEPTIONS
  try {
    call();
  } catch (const kiln::error &e) {
    return e.code();
  }
  return kiln::status::ok;
#else
  return call();
#endif
}

}  // namespace

#endif  // KILN_TESTS_WRAPPER_CHECKS_HPP
