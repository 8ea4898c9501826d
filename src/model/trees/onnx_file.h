// What an ONNX-ML tree ensemble node says, read from its attributes (onnx_file.cc) before
// onnx_reader.cc turns it into an Ensemble with ONNX Runtime's rules: each tree's nodes with
// their comparison modes and leaf weights, and how the outputs are made.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "model/trees/ensemble.h"

namespace onnx {
class NodeProto;
}

namespace hone::model::trees::onnx_file {

// BRANCH_LEQ .. BRANCH_NEQ, opset 5's BRANCH_MEMBER, LEAF.
enum class Mode { kLeq, kLt, kGte, kGt, kEq, kNeq, kMember, kLeaf };

// The file's nodes of one tree, before they become TreeNodes.
struct Split {
  Mode mode = Mode::kLeaf;
  std::uint32_t feature = 0;
  double threshold = 0;
  bool missing_true = false;
  std::int64_t members = -1;  // BRANCH_MEMBER: index in the file's member sets
  std::int64_t if_true = -1;  // child positions in the tree's node list
  std::int64_t if_false = -1;
  std::vector<std::pair<std::uint32_t, double>> weights;  // a leaf's (target, weight)
};
using FileTree = std::vector<Split>;

// How the ensemble's outputs are made, apart from its trees.
struct Outputs {
  std::size_t count = 1;  // targets or classes
  Aggregate aggregate = Aggregate::kSum;
  bool average = false;
  std::vector<double> base;
  std::string post = "NONE";
  bool classifier = false;
};

struct FileModel {
  std::vector<FileTree> trees;  // in the order the file gives them
  Outputs outputs;
  std::vector<std::vector<float>> member_sets;  // BRANCH_MEMBER sets, in the file's order
  bool wide = false;                            // double thresholds, weights or input
  std::vector<std::string> class_labels;        // a classifier's; integers in decimal
  bool integer_labels = false;
};

// Reads a TreeEnsembleRegressor, TreeEnsembleClassifier or TreeEnsemble node; `where` prefixes
// errors.
Result<FileModel> read_node(const onnx::NodeProto& node, const std::string& where);

}  // namespace hone::model::trees::onnx_file
