// Exact path-dependent TreeSHAP (Lundberg, Erion and Lee, "Consistent Individualized Feature
// Attribution for Tree Ensembles", algorithm 2), as XGBoost's pred_contribs and LightGBM's
// predict_contrib compute it: for each tree, every path from the root to a leaf is followed at
// once, weighted by the share of the training data (the covers) that would follow it when a
// feature is unknown, and the row's own path when it is known.
#include <algorithm>
#include <cmath>
#include <vector>

#include "model/trees/forest.h"

namespace hone::model::trees {

struct Forest::PathElement {
  std::int64_t feature;  // -1 for the root's entry
  double zero_fraction;  // share of the data that goes this way
  double one_fraction;   // 1 when the row goes this way, else 0
  double weight;         // the permutation weight
};

namespace {

using PathElement = Forest::PathElement;

void extend_path(PathElement* path, std::size_t depth, double zero_fraction, double one_fraction,
                 std::int64_t feature) {
  path[depth] = {feature, zero_fraction, one_fraction, depth == 0 ? 1.0 : 0.0};
  const auto next = static_cast<double>(depth + 1);
  for (std::size_t i = depth; i-- > 0;) {
    path[i + 1].weight += one_fraction * path[i].weight * static_cast<double>(i + 1) / next;
    path[i].weight = zero_fraction * path[i].weight * static_cast<double>(depth - i) / next;
  }
}

void unwind_path(PathElement* path, std::size_t depth, std::size_t index) {
  const double one = path[index].one_fraction;
  const double zero = path[index].zero_fraction;
  double next_one = path[depth].weight;
  const auto next = static_cast<double>(depth + 1);
  for (std::size_t i = depth; i-- > 0;) {
    if (one != 0) {
      const double kept = path[i].weight;
      path[i].weight = next_one * next / (static_cast<double>(i + 1) * one);
      next_one = kept - path[i].weight * zero * static_cast<double>(depth - i) / next;
    } else {
      path[i].weight = path[i].weight * next / (zero * static_cast<double>(depth - i));
    }
  }
  for (std::size_t i = index; i < depth; ++i) {
    path[i].feature = path[i + 1].feature;
    path[i].zero_fraction = path[i + 1].zero_fraction;
    path[i].one_fraction = path[i + 1].one_fraction;
  }
}

double unwound_path_sum(const PathElement* path, std::size_t depth, std::size_t index) {
  const double one = path[index].one_fraction;
  const double zero = path[index].zero_fraction;
  double next_one = path[depth].weight;
  const auto next = static_cast<double>(depth + 1);
  double total = 0;
  for (std::size_t i = depth; i-- > 0;) {
    if (one != 0) {
      const double part = next_one * next / (static_cast<double>(i + 1) * one);
      total += part;
      next_one = path[i].weight - part * zero * (static_cast<double>(depth - i) / next);
    } else if (zero != 0) {
      total += (path[i].weight / zero) / (static_cast<double>(depth - i) / next);
    }
  }
  return total;
}

}  // namespace

// The tree's prediction averaged over the training data: leaves weighted by their covers.
double Forest::expected_value(std::uint32_t node) const {
  const Node& at = nodes_[node];
  if (at.left == 0) return wide_ ? node_leaves_wide_[at.split] : node_leaves_[at.split];
  return (expected_value(at.left) * covers_[at.left] +
          expected_value(at.left + 1) * covers_[at.left + 1]) /
         covers_[node];
}

void Forest::tree_shap(const float* row, double* phi, std::uint32_t node, std::size_t depth,
                       PathElement* parent_path, double zero_fraction, double one_fraction,
                       std::int64_t feature) const {
  PathElement* path = parent_path + depth;
  std::copy(parent_path, parent_path + depth, path);
  extend_path(path, depth, zero_fraction, one_fraction, feature);
  const Node& at = nodes_[node];
  if (at.left == 0) {
    const double value = wide_ ? node_leaves_wide_[at.split] : node_leaves_[at.split];
    for (std::size_t i = 1; i <= depth; ++i) {
      const double weight = unwound_path_sum(path, depth, i);
      phi[path[i].feature] += weight * (path[i].one_fraction - path[i].zero_fraction) * value;
    }
    return;
  }
  const std::uint32_t split = at.split & kFeatureMask;
  const std::uint32_t hot = at.left + (goes_right(at, row[split]) ? 1U : 0U);
  const std::uint32_t cold = hot == at.left ? at.left + 1 : at.left;
  const double hot_zero = covers_[hot] / covers_[node];
  const double cold_zero = covers_[cold] / covers_[node];
  double incoming_zero = 1;
  double incoming_one = 1;
  // A feature split on again: undo its earlier entry and fold it into this one.
  std::size_t index = 0;
  while (index <= depth && path[index].feature != static_cast<std::int64_t>(split)) ++index;
  if (index <= depth) {
    incoming_zero = path[index].zero_fraction;
    incoming_one = path[index].one_fraction;
    unwind_path(path, depth, index);
    depth -= 1;
  }
  tree_shap(row, phi, hot, depth + 1, path, hot_zero * incoming_zero, incoming_one, split);
  tree_shap(row, phi, cold, depth + 1, path, cold_zero * incoming_zero, 0, split);
}

void Forest::explain(std::span<const float> rows, std::size_t row_count,
                     std::span<float> out) const {
  const std::size_t width = num_features_ + 1;
  std::vector<double> phi(num_groups_ * width);
  std::vector<PathElement> path((max_depth_ + 2) * (max_depth_ + 3) / 2);
  std::vector<float> adjusted(num_features_);
  for (std::size_t r = 0; r < row_count; ++r) {
    const float* row = rows.data() + r * num_features_;
    if (!input_rules_.empty()) {
      apply_input_rules(row, adjusted.data());
      row = adjusted.data();
    }
    std::fill(phi.begin(), phi.end(), 0.0);
    for (std::size_t k = 0; k < num_groups_; ++k) phi[k * width + num_features_] = base_margin_;
    for (std::size_t t = 0; t < roots_.size(); ++t) {
      double* group = phi.data() + groups_[t] * width;
      group[num_features_] += tree_expected_[t];
      tree_shap(row, group, roots_[t], 0, path.data(), 1, 1, -1);
    }
    float* target = out.data() + r * phi.size();
    const double scale = average_over_ > 0 ? 1 / average_over_ : 1;
    for (std::size_t i = 0; i < phi.size(); ++i) target[i] = static_cast<float>(phi[i] * scale);
  }
}

}  // namespace hone::model::trees
