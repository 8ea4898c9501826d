// Reads an ONNX model whose graph is one ai.onnx.ml tree ensemble (TreeEnsembleRegressor or
// TreeEnsembleClassifier of opsets 1-4, TreeEnsemble of opset 5, as scikit-learn's converters
// write them) into an Ensemble, with ONNX Runtime's rules: every node mode (a comparison with a
// float or double threshold, equality, set membership), missing values by
// missing_value_tracks_true, SUM/AVERAGE/MIN/MAX, base values, post transforms (a single-target
// regressor applies only PROBIT, as ONNX Runtime does) and the classifier's labels, including the
// binary classifier whose weights name one class. A graph holding any other node than the
// ensemble (ZipMap and Identity after it aside) is refused, naming that node.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "model/trees/ensemble.h"

namespace hone::model::trees {

// Whether `bytes` starts like an ONNX model (a protobuf ModelProto: field 1, ir_version, first).
bool looks_like_onnx(std::string_view bytes);

// `bytes` is the .onnx file's content; `name` prefixes errors.
Result<Ensemble> read_onnx(const std::string& bytes, const std::string& name);

}  // namespace hone::model::trees
