// The seam between the server and a model runtime: a Backend predicts a whole batch of rows, and
// says what it is like to call (Capabilities), so that the server picks how to run it without
// knowing which backend it is.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"

namespace hone::model {

// What a loaded artifact says about itself; used to infer or check a model's config.
struct BackendInfo {
  std::string backend;    // "xgboost"
  std::string objective;  // "reg:squarederror", "binary:logistic", "multi:softprob", ...
  std::size_t num_features = 0;
  std::size_t num_outputs = 1;  // values per row in the prediction
  std::size_t num_trees = 0;
  std::vector<std::string> feature_names;  // empty when the artifact has none
  // Per feature, the names a request may send for its categories (the i-th name is code i);
  // empty when the artifact names none.
  std::vector<std::vector<std::string>> category_names;
  std::string input_name;   // the input tensor's name, when the artifact says
  std::string output_name;  // the output tensor's name ("probability", ...); empty: "prediction"
  // A classifier's labels, one per output value (integers in decimal when integer_labels); the
  // answer then also names each row's most probable class. Empty for other models.
  std::vector<std::string> class_labels;
  bool integer_labels = false;
};

// How a backend may be called. The server reads these, never the backend's name.
struct Capabilities {
  // A call of up to `inline_rows` rows costs less than handing it to another thread (a few
  // microseconds), so it may run on the I/O thread; 0 = never inline.
  std::size_t inline_rows = 0;
  bool batchable = true;    // rows of several requests may be merged into one call
  bool thread_safe = true;  // predict() may run on several threads at once
  bool remote = false;      // predict() waits on another process (its time is "upstream")
  int max_concurrency = 0;  // calls worth running at once; 0 = no limit of its own
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const BackendInfo& info() const = 0;
  virtual Capabilities capabilities() const { return {}; }
  // Whether it can answer now (an upstream's health check); local backends always can.
  virtual bool ready() const { return true; }
  // Memory its model holds, in bytes, where the backend can tell; 0: it cannot (the model then
  // counts for its artifact file's size against --model-memory).
  virtual std::size_t memory_bytes() const { return 0; }

  // rows: row_count x num_features floats, row-major; NaN is a missing value.
  // out: row_count x num_outputs floats, filled on success.
  virtual Status predict(std::span<const float> rows, std::size_t row_count,
                         std::span<float> out) = 0;

  // Values per row explain() writes: per output group, each feature's contribution to the margin
  // and then the bias, which together sum to the margin; 0 when the backend cannot explain.
  virtual std::size_t explanation_width() const { return 0; }
  // out: row_count x explanation_width() floats.
  virtual Status explain(std::span<const float> /*rows*/, std::size_t /*row_count*/,
                         std::span<float> /*out*/) {
    return fail("this backend cannot explain its predictions");
  }

 protected:
  // The check every predict() starts with: buffers sized for row_count rows of this model.
  Status check_buffers(std::span<const float> rows, std::size_t row_count,
                       std::span<float> out) const {
    if (rows.size() != row_count * info().num_features ||
        out.size() != row_count * info().num_outputs) {
      return fail("predict called with mismatched buffer sizes");
    }
    return {};
  }
};

}  // namespace hone::model
