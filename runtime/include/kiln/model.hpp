// kiln/model.hpp: what the C++ wrappers of compiled models (<model>.hpp,
// written by kilnc beside the C header) share: kiln::span, kiln::status and
// kiln::error. Header-only, C++17.
//
// Errors throw kiln::error when the translation unit has exceptions; built
// with -fno-exceptions (or with KILN_NO_EXCEPTIONS defined) the wrappers
// return a kiln::status instead, and a constructor that could not allocate
// leaves the object's ok() false.
#ifndef KILN_MODEL_HPP
#define KILN_MODEL_HPP

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <type_traits>
#if __cplusplus >= 202002L && __has_include(<span>)
#include <span>
#endif
#if defined(__cpp_exceptions) && !defined(KILN_NO_EXCEPTIONS)
#define KILN_EXCEPTIONS 1
#include <stdexcept>
#endif

namespace kiln {

#if defined(__cpp_lib_span)
template <class T>
using span = std::span<T>;
#else
// A view of `size()` contiguous elements, as std::span<T> (C++20) for the
// uses here: from a pointer and a size, an array, or a contiguous container.
template <class T>
class span {
public:
  constexpr span() noexcept = default;
  constexpr span(T *data, std::size_t size) noexcept : data_(data), size_(size) {}
  template <class Container, class Element = std::remove_pointer_t<decltype(std::data(std::declval<Container &>()))>,
            class = std::enable_if_t<std::is_convertible_v<Element (*)[], T (*)[]>>>
  constexpr span(Container &&c) noexcept : data_(std::data(c)), size_(std::size(c)) {}
  constexpr T *data() const noexcept { return data_; }
  constexpr std::size_t size() const noexcept { return size_; }

private:
  T *data_ = nullptr;
  std::size_t size_ = 0;
};
#endif

// The outcome of a call; ok, bad_batch, no_memory and bad_weights have the
// values of every model's <PREFIX>_OK, _ERR_BATCH, _ERR_NO_MEMORY, _ERR_WEIGHTS
// and _ERR_AXES.
enum class status : int {
  ok = 0,
  bad_batch = 1,    // a negative batch, or more samples than the scratch was allocated for
  no_memory = 2,    // the scratch could not be allocated
  bad_size = 3,     // a span holds fewer elements than the batch needs
  bad_weights = 4,  // the external weights fail <prefix>_weights_check
  bad_axes = 5,     // sizes of open axes the model cannot take (see the model's header)
};

inline const char *describe(status s) {
  switch (s) {
  case status::ok: return "kiln: ok";
  case status::bad_batch: return "kiln: batch size negative or larger than the scratch memory was allocated for";
  case status::no_memory: return "kiln: out of memory for the scratch";
  case status::bad_size: return "kiln: a tensor holds fewer elements than the batch needs";
  case status::bad_weights: return "kiln: the weights are not this model's weights file, or it is damaged";
  case status::bad_axes: return "kiln: sizes of the open axes the model cannot take";
  }
  return "kiln: unknown status";
}

#ifdef KILN_EXCEPTIONS
class error : public std::runtime_error {
public:
  explicit error(status s) : std::runtime_error(describe(s)), status_(s) {}
  status code() const noexcept { return status_; }

private:
  status status_;
};
#endif

namespace detail {

// Throws an error status when exceptions are on; returns the status either way.
inline status report(status s) {
#ifdef KILN_EXCEPTIONS
  if (s != status::ok) throw error(s);
#endif
  return s;
}

// Whether `s` holds `batch` samples of `sample` elements (no overflow).
template <class T>
bool holds(span<T> s, std::int64_t batch, std::int64_t sample) {
  return sample == 0 || static_cast<std::uint64_t>(batch) <= s.size() / static_cast<std::uint64_t>(sample);
}

}  // namespace detail
}  // namespace kiln

#endif  // KILN_MODEL_HPP
