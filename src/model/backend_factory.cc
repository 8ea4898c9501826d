#include "model/backend_factory.h"

#include <fstream>

#include "core/strings.h"
#include "model/trees/lightgbm_reader.h"
#include "model/trees/onnx_reader.h"
#include "model/trees/trees_backend.h"
#include "model/xgboost/json_check.h"
#include "model/xgboost/xgboost_backend.h"

namespace hone::model {

namespace {

Result<std::unique_ptr<Backend>> load_xgboost(const std::string& artifact,
                                              const BackendOptions& options) {
  XgboostOptions xgboost;
  xgboost.pool_size = options.pool_size;
  return load_xgboost_backend(artifact, xgboost);
}

// The file's first bytes, enough to tell its format.
std::string head_of(const std::string& artifact) {
  std::ifstream in(artifact, std::ios::binary);
  std::string head(4096, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return head;
}

// The native engine's refusal without the file's name and the advice to use libxgboost.
std::string refusal_reason(const std::string& message, const std::string& artifact) {
  std::string reason = message;
  if (reason.rfind(artifact + ": ", 0) == 0) reason.erase(0, artifact.size() + 2);
  const auto advice = reason.find(" (the xgboost backend serves");
  if (advice != std::string::npos) reason.erase(advice);
  return reason;
}

}  // namespace

std::vector<std::string> backend_names() { return {"auto", "xgboost", "trees"}; }

Result<std::unique_ptr<Backend>> create_backend(const std::string& backend,
                                                const std::string& artifact,
                                                const BackendOptions& options, std::string* why) {
  if (backend == "auto") {
    auto native = load_trees_backend(artifact);
    if (native) {
      if (why != nullptr) *why = "trees: the native engine supports this model";
      return native;
    }
    const std::string head = head_of(artifact);
    // libxgboost cannot read these: the native engine's reason stands.
    if (trees::looks_like_lightgbm(head) || trees::looks_like_onnx(head)) return native.error();
    if (head.find_first_not_of(" \t\r\n") != std::string::npos &&
        xgb::model_format(head) == xgb::ModelFormat::kOther) {
      return fail(artifact +
                  ": not a model file hone reads: an XGBoost model saved as JSON or UBJSON "
                  "(booster.save_model(\"model.json\")), a LightGBM text model "
                  "(booster.save_model(\"model.txt\")) or an ONNX tree ensemble (model.onnx); "
                  "XGBoost's old binary format is not read");
    }
    auto fallback = load_xgboost(artifact, options);
    if (fallback && why != nullptr) {
      *why = "xgboost: " + refusal_reason(native.error().message, artifact);
    }
    return fallback;
  }
  if (backend == "xgboost") return load_xgboost(artifact, options);
  if (backend == "trees") return load_trees_backend(artifact);
  return fail("unknown backend '" + backend + "' (available: " + join(backend_names(), ", ") + ")");
}

}  // namespace hone::model
