// ONNX Runtime for the bench harnesses, from the npm package onnxruntime-node, which ships
// libonnxruntime.so.1 but no C header: the library is opened with dlopen and the few OrtApi
// functions needed are called through their fixed places in the (append-only) OrtApi table.
#pragma once

#include <dlfcn.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace bench {

// ONNX Runtime's C API: opaque handles and the table of functions OrtGetApiBase gives.
struct OrtStatus;
struct OrtEnv;
struct OrtSession;
struct OrtSessionOptions;
struct OrtMemoryInfo;
struct OrtValue;
struct OrtApiBase {
  const void* (*get_api)(std::uint32_t version);
  const char* (*get_version_string)();
};

// Places in the OrtApi table (onnxruntime_c_api.h lists them in this order since version 1).
enum Slot : std::size_t {
  kGetErrorMessage = 2,
  kCreateEnv = 3,
  kCreateSession = 7,
  kRun = 9,
  kCreateSessionOptions = 10,
  kSetGraphOptimizationLevel = 23,
  kSetIntraOpNumThreads = 24,
  kSetInterOpNumThreads = 25,
  kCreateTensorWithData = 49,
  kCreateCpuMemoryInfo = 69,
};
constexpr int kFloat = 1;  // ONNXTensorElementDataType

class Ort {
 public:
  explicit Ort(const char* library) {
    void* handle = dlopen(library, RTLD_NOW);
    if (handle == nullptr) die(dlerror());
    auto* base = reinterpret_cast<const OrtApiBase* (*)()>(dlsym(handle, "OrtGetApiBase"))();
    version_ = base->get_version_string();
    table_ = static_cast<void* const*>(base->get_api(16));
    if (table_ == nullptr) die("ONNX Runtime refused API version 16");
    check(call<OrtStatus* (*)(int, const char*, OrtEnv**)>(kCreateEnv)(3, "bench", &env_));
    check(call<OrtStatus* (*)(int, int, OrtMemoryInfo**)>(kCreateCpuMemoryInfo)(0, 0, &memory_));
  }
  const char* version() const { return version_; }

  OrtSession* open(const std::string& path) const {
    OrtSessionOptions* options = nullptr;
    check(call<OrtStatus* (*)(OrtSessionOptions**)>(kCreateSessionOptions)(&options));
    check(call<OrtStatus* (*)(OrtSessionOptions*, int)>(kSetIntraOpNumThreads)(options, 1));
    check(call<OrtStatus* (*)(OrtSessionOptions*, int)>(kSetInterOpNumThreads)(options, 1));
    check(call<OrtStatus* (*)(OrtSessionOptions*, int)>(kSetGraphOptimizationLevel)(options, 99));
    OrtSession* session = nullptr;
    check(call<OrtStatus* (*)(OrtEnv*, const char*, OrtSessionOptions*, OrtSession**)>(
        kCreateSession)(env_, path.c_str(), options, &session));
    return session;
  }

  OrtValue* tensor(void* data, std::size_t bytes, std::vector<std::int64_t> shape, int type) const {
    OrtValue* value = nullptr;
    check(call<OrtStatus* (*)(OrtMemoryInfo*, void*, std::size_t, const std::int64_t*, std::size_t,
                              int, OrtValue**)>(kCreateTensorWithData)(
        memory_, data, bytes, shape.data(), shape.size(), type, &value));
    return value;
  }

  // Calls over `rows` (row_count x width floats) in pieces of `count` rows, each piece's answer
  // written into `out` (out_width floats per row): an input and an output tensor per call, over
  // the caller's own memory, made once so that timing sees only the calls.
  struct Calls {
    std::vector<OrtValue*> inputs;
    std::vector<std::vector<OrtValue*>> outputs;
  };
  Calls calls(float* rows, std::size_t row_count, std::size_t width, float* out,
              std::size_t out_width, std::size_t count) const {
    Calls made;
    const auto n = static_cast<std::int64_t>(count);
    for (std::size_t at = 0; at < row_count; at += count) {
      made.inputs.push_back(tensor(rows + at * width, count * width * sizeof(float),
                                   {n, static_cast<std::int64_t>(width)}, kFloat));
      made.outputs.push_back({tensor(out + at * out_width, count * out_width * sizeof(float),
                                     {n, static_cast<std::int64_t>(out_width)}, kFloat)});
    }
    return made;
  }
  void run_all(OrtSession* session, const std::vector<const char*>& input_names,
               const std::vector<const char*>& output_names, Calls& calls) const {
    for (std::size_t i = 0; i < calls.inputs.size(); ++i)
      run(session, input_names, calls.inputs[i], output_names, calls.outputs[i]);
  }

  void run(OrtSession* session, const std::vector<const char*>& input_names, OrtValue* input,
           const std::vector<const char*>& output_names, std::vector<OrtValue*>& outputs) const {
    check(call<OrtStatus* (*)(OrtSession*, const void*, const char* const*, OrtValue* const*,
                              std::size_t, const char* const*, std::size_t, OrtValue**)>(kRun)(
        session, nullptr, input_names.data(), &input, 1, output_names.data(), output_names.size(),
        outputs.data()));
  }

 private:
  template <typename F>
  F call(Slot slot) const {
    return reinterpret_cast<F>(table_[slot]);
  }
  void check(OrtStatus* status) const {
    if (status == nullptr) return;
    die(call<const char* (*)(OrtStatus*)>(kGetErrorMessage)(status));
  }
  [[noreturn]] static void die(const char* why) {
    std::fprintf(stderr, "onnxruntime: %s\n", why);
    std::exit(1);
  }

  void* const* table_ = nullptr;
  const char* version_ = "";
  OrtEnv* env_ = nullptr;
  OrtMemoryInfo* memory_ = nullptr;
};

}  // namespace bench
