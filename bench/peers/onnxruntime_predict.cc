// Rows/s of hone's native engine against ONNX Runtime (its C API, one thread, outputs written
// into buffers given to it) on the committed ONNX fixtures: single rows and batches of 1,000.
// ONNX Runtime comes from the npm package onnxruntime-node, which ships libonnxruntime.so.1 but
// no C header: this harness opens the library with dlopen and calls the few OrtApi functions it
// needs through their fixed places in the (append-only) OrtApi table. Built and run by
// bench/onnx_predict.sh; CI never runs it. Prints one line per (model, rows): model, rows,
// hone ns/row, ONNX Runtime ns/row, max relative difference of the outputs.
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench/peers/time_per_row.h"
#include "model/trees/trees_backend.h"

namespace {

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

// Rows like the fixtures' training data: normal values, feature 2 a small integer.
std::vector<float> rows_for(std::size_t count, std::size_t width, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> value(0, 1);
  std::vector<float> rows(count * width);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    rows[i] = i % width == 2 ? static_cast<float>(rng() % 5) : value(rng);
  }
  return rows;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: onnxruntime_predict LIBONNXRUNTIME FIXTURES_DIR [MODEL...]\n");
    return 2;
  }
  const Ort ort(argv[1]);
  std::fprintf(stderr, "ONNX Runtime %s\n", ort.version());
  for (int m = 3; m < argc; ++m) {
    const std::string name = argv[m];
    const std::string path = std::string(argv[2]) + "/" + name + "/model.onnx";
    std::ifstream in(path, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    auto forest = hone::model::read_forest(bytes.str(), path);
    if (!forest) {
      std::fprintf(stderr, "%s\n", forest.error().message.c_str());
      return 1;
    }
    const std::size_t width = forest->num_features();
    const std::size_t outputs = forest->num_outputs();
    OrtSession* session = ort.open(path);
    const std::vector<const char*> input_names{forest->input_name().c_str()};
    const std::string output = forest->output_name();
    // The probabilities only (the node computes its label anyway; hone names labels when it
    // writes an answer, not in predict).
    const std::vector<const char*> output_names{output.c_str()};
    for (const std::size_t count : {std::size_t{1}, std::size_t{1000}}) {
      constexpr std::size_t kRows = 1000;
      std::vector<float> rows = rows_for(kRows, width, 7);
      std::vector<float> hone_out(kRows * outputs);
      std::vector<float> ort_out(kRows * outputs);
      // One input and output tensor per call position, over the rows' own memory.
      std::vector<OrtValue*> inputs;
      std::vector<std::vector<OrtValue*>> results;
      for (std::size_t at = 0; at < kRows; at += count) {
        const auto n = static_cast<std::int64_t>(count);
        inputs.push_back(ort.tensor(rows.data() + at * width, count * width * sizeof(float),
                                    {n, static_cast<std::int64_t>(width)}, kFloat));
        std::vector<OrtValue*> out;
        out.push_back(ort.tensor(ort_out.data() + at * outputs, count * outputs * sizeof(float),
                                 {n, static_cast<std::int64_t>(outputs)}, kFloat));
        results.push_back(std::move(out));
      }
      const double hone_ns = time_per_row(kRows, [&] {
        for (std::size_t at = 0; at < kRows; at += count) {
          forest->predict({rows.data() + at * width, count * width}, count,
                          {hone_out.data() + at * outputs, count * outputs});
        }
      });
      const double ort_ns = time_per_row(kRows, [&] {
        for (std::size_t i = 0; i < inputs.size(); ++i)
          ort.run(session, input_names, inputs[i], output_names, results[i]);
      });
      double worst = 0;
      for (std::size_t i = 0; i < hone_out.size(); ++i) {
        const double a = hone_out[i];
        const double b = ort_out[i];
        if (a != b)
          worst = std::max(worst, std::fabs(a - b) / std::max(std::fabs(a), std::fabs(b)));
      }
      std::printf("%s,%zu,%.1f,%.1f,%.3g\n", name.c_str(), count, hone_ns, ort_ns, worst);
    }
  }
  return 0;
}
