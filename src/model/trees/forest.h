// A tree ensemble loaded from an XGBoost JSON model into a compact, cache-friendly layout, with
// no allocation and no per-call setup at predict time; const and safe to share between threads.
//
// Two layouts. Ensembles no deeper than kMaxCompleteDepth are padded to complete binary trees of
// the ensemble's depth D (a shallow leaf becomes a subtree whose leaves all hold its value), so
// that a row walks exactly D levels per tree with implicit child indices (2i+1, 2i+2) and no
// branch, and several trees are walked at once to overlap their memory loads. Deeper ones use
// one array of 12-byte nodes whose children sit side by side. Either way trees are summed in
// XGBoost's order, in float, so results match libxgboost's to the rounding.
//
// Supported: gbtree boosters (any num_parallel_tree) with numerical splits and scalar leaves,
// objectives reg:squarederror, reg:squaredlogerror, reg:pseudohubererror, reg:absoluteerror,
// reg:logistic, binary:logistic, binary:logitraw, multi:softmax, multi:softprob, count:poisson,
// reg:gamma, reg:tweedie. Anything else is refused at load with the reason.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"

namespace hone::model::trees {

enum class Transform { kIdentity, kSigmoid, kExp, kSoftprob, kSoftmax };

class Forest {
 public:
  // `text` is the model file's content; `name` prefixes errors.
  static Result<Forest> from_xgboost_json(std::string text, const std::string& name);

  std::size_t num_features() const { return num_features_; }
  std::size_t num_groups() const { return num_groups_; }  // margins per row
  std::size_t num_outputs() const;                        // values per row in the answer
  std::size_t num_trees() const { return roots_.size(); }
  const std::string& objective() const { return objective_; }
  const std::vector<std::string>& feature_names() const { return feature_names_; }
  // Depth of the complete-tree layout, or 0 when the ensemble is too deep and uses nodes.
  int complete_depth() const { return depth_; }

  // rows: row_count x num_features (NaN = missing); out: row_count x num_outputs.
  void predict(std::span<const float> rows, std::size_t row_count, std::span<float> out) const;

 private:
  struct Node {
    float value;          // split threshold, or the leaf's value
    std::uint32_t split;  // feature index, top bit set when missing values go left
    std::uint32_t left;   // index of the left child (the right one follows); 0 for a leaf
  };
  static constexpr std::uint32_t kDefaultLeft = 0x80000000U;

  static constexpr int kMaxCompleteDepth = 10;

  float tree_value(std::uint32_t root, const float* row) const;
  void build_complete();
  template <bool kMayBeMissing, int kDepth>
  void margins_complete(const float* row, float* margin) const;
  template <bool kMayBeMissing>
  void margins_complete_any_depth(const float* row, float* margin) const;
  void margins_nodes(const float* row, float* margin) const;

  std::vector<Node> nodes_;
  // Complete layout (depth_ > 0): per tree, 2^D - 1 split nodes in level order, then 2^D leaves.
  int depth_ = 0;
  struct Split {
    float threshold;
    std::uint16_t feature;
    std::uint16_t default_right;  // 1 when a missing value goes right
  };
  std::vector<Split> splits_;
  std::vector<float> leaves_;
  std::vector<std::uint32_t> roots_;
  std::vector<std::uint32_t> groups_;  // output group of each tree
  std::size_t num_features_ = 0;
  std::size_t num_groups_ = 1;
  float base_margin_ = 0;
  Transform transform_ = Transform::kIdentity;
  std::string objective_;
  std::vector<std::string> feature_names_;
};

}  // namespace hone::model::trees
