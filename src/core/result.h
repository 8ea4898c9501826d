// Value-or-error for functions that can fail on bad input (see DESIGN: no exceptions on the
// data plane). Result<T> holds either a T or an Error with a human-readable message; Status is
// Result<void>. Both are cheap to move and must be checked before use: value() on an error aborts.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace hone {

struct Error {
  std::string message;
  int code = 0;  // optional machine-readable code; the serve area puts the HTTP status here
};

// Builds an Error; reads better at call sites: `return fail("bad shape", 400);`
inline Error fail(std::string message, int code = 0) { return Error{std::move(message), code}; }

[[noreturn]] inline void die_unchecked(const Error& error) {
  std::fprintf(stderr, "hone: value() on an error result: %s\n", error.message.c_str());
  std::abort();
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : data_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    if (!ok()) die_unchecked(error());
    return std::get<0>(data_);
  }
  const T& value() const& {
    if (!ok()) die_unchecked(error());
    return std::get<0>(data_);
  }
  T&& value() && {
    if (!ok()) die_unchecked(error());
    return std::get<0>(std::move(data_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(data_); }

 private:
  std::variant<T, Error> data_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool failed_ = false;
};

using Status = Result<void>;

}  // namespace hone
