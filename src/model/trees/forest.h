// A tree ensemble compiled from what a reader made of a model file (Ensemble) into a compact,
// cache-friendly layout, with no allocation and no per-call setup at predict time; const and safe
// to share between threads.
//
// Two layouts. Numerical ensembles no deeper than kMaxCompleteDepth are padded to complete binary
// trees of the ensemble's depth D (a shallow leaf becomes a subtree whose leaves all hold its
// value), so that a row walks exactly D levels per tree with implicit child indices (2i+1, 2i+2)
// and no branch, and several trees are walked at once to overlap their memory loads. Deeper ones,
// and those with categorical splits or linear leaves, use one array of 12-byte nodes whose
// children sit side by side. Either way trees are summed in the file's order, in float for
// XGBoost and in double for LightGBM, so results match each library's to the rounding.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "model/trees/ensemble.h"

namespace hone::model::trees {

class Forest {
 public:
  // Checks the ensemble (children, features, category sets, linear leaves) and lays it out;
  // `name` prefixes errors.
  static Result<Forest> compile(Ensemble ensemble, const std::string& name);

  std::size_t num_features() const { return num_features_; }
  std::size_t num_groups() const { return num_groups_; }  // margins per row
  std::size_t num_outputs() const;                        // values per row in the answer
  std::size_t num_trees() const { return roots_.size(); }
  const std::string& objective() const { return objective_; }
  // The file's name for the output, or "probability", "probabilities", "class" or "prediction",
  // from what the outputs are.
  std::string output_name() const;
  // A classifier's labels, one per output column; empty for other models.
  const std::vector<std::string>& class_labels() const { return class_labels_; }
  // Bytes its arrays hold (nodes, leaves, layouts, sets): what the model costs in memory.
  std::size_t memory_bytes() const;
  const std::string& input_name() const { return input_name_; }  // empty when the file has none
  bool integer_labels() const { return integer_labels_; }
  const std::vector<std::string>& feature_names() const { return feature_names_; }
  const std::vector<std::vector<std::string>>& category_names() const { return category_names_; }
  // Depth of the complete-tree layout, or 0 when the ensemble uses nodes.
  int complete_depth() const { return depth_; }

  // rows: row_count x num_features (NaN = missing); out: row_count x num_outputs.
  void predict(std::span<const float> rows, std::size_t row_count, std::span<float> out) const;

  // Whether explain() can run: the file gave every node's cover, no leaf is linear and no tree is
  // deeper than 256 splits.
  bool explainable() const { return !covers_.empty(); }
  // Values per row explain() writes: per output group, a contribution per feature then the bias.
  std::size_t explanation_width() const { return num_groups_ * (num_features_ + 1); }
  // Each feature's SHAP value (exact path-dependent TreeSHAP, as XGBoost's pred_contribs and
  // LightGBM's predict_contrib compute it) in margin space; the bias is the base margin plus each
  // tree's expected value, so a group's values sum to its margin. out: row_count x
  // explanation_width(). Only when explainable().
  void explain(std::span<const float> rows, std::size_t row_count, std::span<float> out) const;
  struct PathElement;  // explain()'s working state

 private:
  struct Node {
    float value;          // split threshold, or a categorical split's set index (bits)
    std::uint32_t split;  // feature index and flags; a leaf's index in the leaf values
    std::uint32_t left;   // index of the left child (the right one follows); 0 for a leaf
  };
  static constexpr std::uint32_t kDefaultLeft = 0x80000000U;
  static constexpr std::uint32_t kCategorical = 0x40000000U;
  static constexpr std::uint32_t kMember = 0x20000000U;
  static constexpr std::uint32_t kEqual = 0x10000000U;
  static constexpr std::uint32_t kKinds = kCategorical | kMember | kEqual;
  static constexpr std::uint32_t kFeatureMask = 0x0FFFFFFFU;

  static constexpr int kMaxCompleteDepth = 10;
  static constexpr std::size_t kMaxExplainDepth = 256;

  template <typename T>
  void predict_rows(std::span<const float> rows, std::size_t row_count, std::span<float> out) const;
  template <typename T>
  const T* leaf_values() const;
  template <typename T>
  T leaf_value(std::uint32_t leaf, const float* raw_row) const;
  bool goes_right(const Node& node, float x) const;
  template <typename T, Aggregate kAggregate>
  void margins_nodes(const float* row, const float* raw_row, T* margin) const;
  template <typename T>
  void transform_row(T* margin, float* target) const;
  void build_complete();
  template <typename T, bool kMayBeMissing, int kDepth>
  void margins_complete(const float* row, T* margin) const;
  template <typename T, bool kMayBeMissing>
  void margins_complete_any_depth(const float* row, T* margin) const;
  void apply_input_rules(const float* row, float* adjusted) const;
  void tree_shap(const float* row, double* phi, std::uint32_t node, std::size_t depth,
                 PathElement* parent_path, double zero_fraction, double one_fraction,
                 std::int64_t feature) const;
  double expected_value(std::uint32_t node) const;

  std::vector<Node> nodes_;
  std::vector<double> covers_;             // by node, for explanations; empty when unknown
  std::vector<double> tree_expected_;      // each tree's expected value, by its covers
  std::size_t max_depth_ = 0;              // of the deepest tree, in splits
  std::vector<float> node_leaves_;         // leaf values by leaf index (narrow ensembles)
  std::vector<double> node_leaves_wide_;   // ... (wide ensembles)
  std::vector<std::int32_t> leaf_linear_;  // linear model of each leaf, -1 for none; may be empty
  std::vector<LinearLeaf> linear_leaves_;
  std::vector<std::vector<std::uint32_t>> category_sets_;
  std::vector<std::vector<float>> member_sets_;  // sorted
  std::vector<InputRule> input_rules_;
  // Complete layout (depth_ > 0): per tree, 2^D - 1 split nodes in level order, then 2^D leaves.
  int depth_ = 0;
  struct Split {
    float threshold;
    std::uint16_t feature;
    std::uint16_t default_right;  // 1 when a missing value goes right
  };
  std::vector<Split> splits_;
  std::vector<float> leaves_;
  std::vector<double> leaves_wide_;
  std::vector<std::uint32_t> roots_;
  std::vector<std::uint32_t> groups_;  // output group of each tree
  std::size_t num_features_ = 0;
  std::size_t num_groups_ = 1;
  double base_margin_ = 0;
  bool wide_ = false;
  double average_over_ = 0;
  Aggregate aggregate_ = Aggregate::kSum;
  std::vector<double> offsets_;
  Transform transform_ = Transform::kIdentity;
  double transform_scale_ = 1;
  std::string objective_;
  std::vector<std::string> feature_names_;
  std::vector<std::vector<std::string>> category_names_;
  std::string input_name_;
  std::string output_name_;
  std::vector<std::string> class_labels_;
  bool integer_labels_ = false;
};

// Where a row's value sends it at a split of the node layout.
inline bool Forest::goes_right(const Node& node, float x) const {
  const std::uint32_t kind = node.split & kKinds;
  if (kind == 0) {
    // Right when x >= threshold, or when x is missing and the default is right (no branch).
    return (x >= node.value) | ((x != x) & ((node.split & kDefaultLeft) == 0));
  }
  if (kind != kCategorical) {
    if (x != x) return (node.split & kDefaultLeft) == 0;
    if (kind == kEqual) return !(x == node.value);
    const auto& set = member_sets_[std::bit_cast<std::uint32_t>(node.value)];
    return !std::binary_search(set.begin(), set.end(), x);
  }
  // LightGBM's rule: the value truncated to an integer; NaN and negatives go right.
  if (!(x > -1.0F) || !(x < 2147483648.0F)) return true;
  const auto category = static_cast<std::uint32_t>(x);
  const auto& set = category_sets_[std::bit_cast<std::uint32_t>(node.value)];
  const std::size_t word = category / 32;
  return word >= set.size() || ((set[word] >> (category % 32)) & 1U) == 0;
}

}  // namespace hone::model::trees
