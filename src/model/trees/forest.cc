#include "model/trees/forest.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <deque>
#include <limits>
#include <tuple>

namespace hone::model::trees {
namespace {

constexpr std::size_t kMaxGroups = std::size_t{1} << 16;
constexpr std::size_t kMaxFeatures = std::size_t{1} << 24;
constexpr float kZeroThreshold = 1e-35F;  // what LightGBM reads as zero

}  // namespace

std::size_t Forest::memory_bytes() const {
  const auto bytes = [](const auto& v) { return v.capacity() * sizeof(v[0]); };
  std::size_t total = bytes(nodes_) + bytes(covers_) + bytes(tree_expected_) + bytes(node_leaves_) +
                      bytes(node_leaves_wide_) + bytes(leaf_linear_) + bytes(input_rules_) +
                      bytes(splits_) + bytes(leaves_) + bytes(leaves_wide_) + bytes(roots_) +
                      bytes(groups_) + bytes(offsets_);
  for (const auto& leaf : linear_leaves_) {
    total += sizeof(leaf) + bytes(leaf.features) + bytes(leaf.coefficients);
  }
  for (const auto& set : category_sets_) total += sizeof(set) + bytes(set);
  for (const auto& set : member_sets_) total += sizeof(set) + bytes(set);
  return total;
}

std::size_t Forest::num_outputs() const {
  switch (transform_) {
    case Transform::kSoftmax:
      return 1;
    case Transform::kBinaryShare:
    case Transform::kBinaryLogistic:
      return 2;
    default:
      return num_groups_;
  }
}

std::string Forest::output_name() const {
  if (!output_name_.empty()) return output_name_;
  switch (transform_) {
    case Transform::kBinaryShare:
    case Transform::kBinaryLogistic:
    case Transform::kSoftprob:
      return "probabilities";
    case Transform::kSoftmax:
      return "class";
    case Transform::kSigmoid:
      return num_groups_ == 1 ? "probability" : "probabilities";
    default:
      return "prediction";
  }
}

Result<Forest> Forest::compile(Ensemble ensemble, const std::string& name) {
  const auto bad = [&name](const std::string& why) { return fail(name + ": " + why); };
  if (ensemble.num_features == 0) return bad("the model has no features");
  if (ensemble.num_features > kMaxFeatures) return bad("more than 2^24 features");
  if (ensemble.num_groups == 0 || ensemble.num_groups > kMaxGroups) return bad("bad class count");
  if (ensemble.trees.empty()) return bad("the model has no trees");
  if (!ensemble.input_rules.empty() && ensemble.input_rules.size() != ensemble.num_features)
    return bad("input rules for a different feature count");
  for (const auto& linear : ensemble.linear_leaves) {
    if (linear.features.size() != linear.coefficients.size())
      return bad("a linear leaf has as many coefficients as features");
    for (const auto feature : linear.features) {
      if (feature >= ensemble.num_features) return bad("a linear leaf reads a missing feature");
    }
  }
  Forest forest;
  forest.num_features_ = ensemble.num_features;
  forest.num_groups_ = ensemble.num_groups;
  forest.base_margin_ = ensemble.base_margin;
  forest.wide_ = ensemble.wide;
  forest.average_over_ = ensemble.average_over;
  forest.aggregate_ = ensemble.aggregate;
  if (!ensemble.offsets.empty() && ensemble.offsets.size() != ensemble.num_groups)
    return bad("offsets for a different output count");
  if ((ensemble.transform == Transform::kBinaryShare ||
       ensemble.transform == Transform::kBinaryLogistic) &&
      ensemble.num_groups != 1) {
    return bad("a binary transform of several margins");
  }
  forest.offsets_ = std::move(ensemble.offsets);
  forest.input_name_ = std::move(ensemble.input_name);
  forest.output_name_ = std::move(ensemble.output_name);
  forest.class_labels_ = std::move(ensemble.class_labels);
  forest.integer_labels_ = ensemble.integer_labels;
  forest.member_sets_ = std::move(ensemble.member_sets);
  for (auto& set : forest.member_sets_) std::sort(set.begin(), set.end());
  forest.transform_ = ensemble.transform;
  if (!forest.class_labels_.empty() && forest.class_labels_.size() != forest.num_outputs())
    return bad("class labels for a different output count");
  forest.transform_scale_ = ensemble.transform_scale;
  forest.objective_ = std::move(ensemble.objective);
  forest.feature_names_ = std::move(ensemble.feature_names);
  if (!ensemble.category_names.empty() && ensemble.category_names.size() != forest.num_features_)
    return bad("category names for a different feature count");
  forest.category_names_ = std::move(ensemble.category_names);
  forest.category_sets_ = std::move(ensemble.category_sets);
  forest.linear_leaves_ = std::move(ensemble.linear_leaves);
  if (std::any_of(ensemble.input_rules.begin(), ensemble.input_rules.end(),
                  [](InputRule rule) { return rule != InputRule::kAsIs; })) {
    forest.input_rules_ = std::move(ensemble.input_rules);
  }
  bool numerical_only = forest.linear_leaves_.empty() && forest.aggregate_ == Aggregate::kSum;
  // Explanations need covers, plain leaves, sums and nothing added after them.
  bool covered = forest.linear_leaves_.empty() && forest.aggregate_ == Aggregate::kSum &&
                 forest.offsets_.empty();
  for (std::size_t t = 0; t < ensemble.trees.size(); ++t) {
    const Tree& tree = ensemble.trees[t];
    const std::string where = "tree " + std::to_string(t) + ": ";
    const std::size_t count = tree.nodes.size();
    if (count == 0) return bad(where + "no nodes");
    if (tree.group >= forest.num_groups_) return bad(where + "bad output group");
    // Lay the tree out breadth-first with each pair of children side by side.
    const auto root = static_cast<std::uint32_t>(forest.nodes_.size());
    forest.roots_.push_back(root);
    forest.groups_.push_back(tree.group);
    forest.nodes_.push_back({});
    std::deque<std::pair<std::size_t, std::uint32_t>> queue{{0, root}};  // (source, target)
    std::size_t visited = 0;
    while (!queue.empty()) {
      const auto [source, target] = queue.front();
      queue.pop_front();
      if (++visited > count) return bad(where + "nodes form a cycle");
      const TreeNode& from = tree.nodes[source];
      forest.covers_.resize(forest.nodes_.size());
      forest.covers_[target] = from.cover;
      covered = covered && (from.left < 0 ? from.cover >= 0 : from.cover > 0);
      Node& node = forest.nodes_[target];
      if (from.left < 0) {  // a leaf
        if (from.linear >= static_cast<std::int64_t>(forest.linear_leaves_.size()))
          return bad(where + "a leaf names a missing linear model");
        const auto leaf = static_cast<std::uint32_t>(forest.wide_ ? forest.node_leaves_wide_.size()
                                                                  : forest.node_leaves_.size());
        node = {0, leaf, 0};
        if (forest.wide_) {
          forest.node_leaves_wide_.push_back(from.value);
        } else {
          forest.node_leaves_.push_back(static_cast<float>(from.value));
        }
        if (from.linear >= 0 || !forest.leaf_linear_.empty()) {
          forest.leaf_linear_.resize(leaf, -1);
          forest.leaf_linear_.push_back(from.linear);
        }
        continue;
      }
      if (static_cast<std::size_t>(from.left) >= count || from.right < 0 ||
          static_cast<std::size_t>(from.right) >= count) {
        return bad(where + "child index out of range");
      }
      if (from.feature >= forest.num_features_) {
        return bad(where + "split on feature " + std::to_string(from.feature) + " of a " +
                   std::to_string(forest.num_features_) + "-feature model");
      }
      const auto children = static_cast<std::uint32_t>(forest.nodes_.size());
      std::uint32_t split = from.feature | (from.default_left ? kDefaultLeft : 0);
      float value = from.threshold;
      if (from.categories >= 0) {
        if (static_cast<std::size_t>(from.categories) >= forest.category_sets_.size())
          return bad(where + "a split names a missing category set");
        split = from.feature | kCategorical;
        value = std::bit_cast<float>(static_cast<std::uint32_t>(from.categories));
        numerical_only = false;
      } else if (from.members >= 0) {
        if (static_cast<std::size_t>(from.members) >= forest.member_sets_.size())
          return bad(where + "a split names a missing member set");
        split |= kMember;
        value = std::bit_cast<float>(static_cast<std::uint32_t>(from.members));
        numerical_only = false;
      } else if (from.equal) {
        split |= kEqual;
        numerical_only = false;
      }
      forest.nodes_[target] = {value, split, children};
      forest.nodes_.push_back({});
      forest.nodes_.push_back({});
      queue.emplace_back(static_cast<std::size_t>(from.left), children);
      queue.emplace_back(static_cast<std::size_t>(from.right), children + 1);
    }
  }
  if (!forest.leaf_linear_.empty()) {
    forest.leaf_linear_.resize(
        forest.wide_ ? forest.node_leaves_wide_.size() : forest.node_leaves_.size(), -1);
  }
  for (const std::uint32_t root : forest.roots_) {
    std::vector<std::pair<std::uint32_t, std::size_t>> stack{{root, 0}};
    while (!stack.empty()) {
      const auto [index, depth] = stack.back();
      stack.pop_back();
      forest.max_depth_ = std::max(forest.max_depth_, depth);
      if (forest.nodes_[index].left != 0) {
        stack.emplace_back(forest.nodes_[index].left, depth + 1);
        stack.emplace_back(forest.nodes_[index].left + 1, depth + 1);
      }
    }
  }
  // Explanations recurse once per level: a model deeper than kMaxExplainDepth is not explained.
  if (covered && forest.max_depth_ <= kMaxExplainDepth) {
    forest.covers_.resize(forest.nodes_.size());
    for (const std::uint32_t root : forest.roots_)
      forest.tree_expected_.push_back(forest.expected_value(root));
  } else {
    forest.covers_.clear();
  }
  if (numerical_only) forest.build_complete();
  return forest;
}

// Pads every tree to a complete tree of the ensemble's depth, when that depth is small.
void Forest::build_complete() {
  int depth = 0;
  for (const std::uint32_t root : roots_) {
    std::vector<std::pair<std::uint32_t, int>> stack{{root, 0}};
    while (!stack.empty()) {
      const auto [index, level] = stack.back();
      stack.pop_back();
      depth = std::max(depth, level);
      if (nodes_[index].left != 0 && level < kMaxCompleteDepth + 1) {
        stack.emplace_back(nodes_[index].left, level + 1);
        stack.emplace_back(nodes_[index].left + 1, level + 1);
      }
    }
  }
  if (depth == 0 || depth > kMaxCompleteDepth || num_features_ > 65535) return;
  depth_ = depth;
  const std::size_t inner = (std::size_t{1} << depth) - 1;
  const std::size_t leaves = std::size_t{1} << depth;
  splits_.assign(roots_.size() * inner, Split{0, 0, 0});
  if (wide_) {
    leaves_wide_.assign(roots_.size() * leaves, 0);
  } else {
    leaves_.assign(roots_.size() * leaves, 0);
  }
  for (std::size_t t = 0; t < roots_.size(); ++t) {
    Split* splits = splits_.data() + t * inner;

    // (source node, position in the complete tree, level)
    std::vector<std::tuple<std::uint32_t, std::size_t, int>> stack{{roots_[t], 0, 0}};
    while (!stack.empty()) {
      const auto [index, position, level] = stack.back();
      stack.pop_back();
      const Node& node = nodes_[index];
      if (node.left == 0) {
        // A leaf at `level`: every complete-tree leaf below `position` takes its value; the
        // padding splits above them (threshold 0, feature 0) may go either way.
        const std::size_t first = position;
        std::size_t lo = first;
        std::size_t hi = first;
        for (int l = level; l < depth; ++l) {
          lo = 2 * lo + 1;
          hi = 2 * hi + 2;
        }
        for (std::size_t p = lo; p <= hi; ++p) {
          const std::size_t at = t * leaves + p - inner;
          if (wide_) {
            leaves_wide_[at] = node_leaves_wide_[node.split];
          } else {
            leaves_[at] = node_leaves_[node.split];
          }
        }
        continue;
      }
      splits[position] = {node.value, static_cast<std::uint16_t>(node.split & ~kDefaultLeft),
                          static_cast<std::uint16_t>((node.split & kDefaultLeft) == 0 ? 1 : 0)};
      stack.emplace_back(node.left, 2 * position + 1, level + 1);
      stack.emplace_back(node.left + 1, 2 * position + 2, level + 1);
    }
  }
}

template <>
const float* Forest::leaf_values<float>() const {
  return leaves_.data();
}

template <>
const double* Forest::leaf_values<double>() const {
  return leaves_wide_.data();
}

// A leaf's value; a linear leaf's model reads the row as sent (before the input rules).
template <typename T>
inline T Forest::leaf_value(std::uint32_t leaf, const float* raw_row) const {
  T value;
  if constexpr (std::is_same_v<T, double>) {
    value = node_leaves_wide_[leaf];
  } else {
    value = node_leaves_[leaf];
  }
  if (leaf_linear_.empty() || leaf_linear_[leaf] < 0) return value;
  const LinearLeaf& linear = linear_leaves_[static_cast<std::size_t>(leaf_linear_[leaf])];
  T sum = static_cast<T>(linear.constant);
  for (std::size_t i = 0; i < linear.features.size(); ++i) {
    const float x = raw_row[linear.features[i]];
    if (std::isnan(x)) return value;
    sum += static_cast<T>(linear.coefficients[i]) * static_cast<T>(x);
  }
  return sum;
}

// Walks kLanes trees at once, as the complete layout does, so that their memory loads overlap; a
// lane that reached its leaf stays there (a leaf's `left` is 0) until every lane has.
// Adds a tree's value to its output's margin (or keeps the least or greatest; a NaN leaf gives
// none).
template <Aggregate kAggregate, typename T>
inline void combine(T& margin, T value) {
  if constexpr (kAggregate == Aggregate::kSum) {
    margin += value;
  } else if constexpr (kAggregate == Aggregate::kMin) {
    margin = std::fmin(margin, value);
  } else {
    margin = std::fmax(margin, value);
  }
}

template <typename T, Aggregate kAggregate>
void Forest::margins_nodes(const float* row, const float* raw_row, T* margin) const {
  constexpr std::size_t kLanes = 8;
  const std::size_t trees = roots_.size();
  std::size_t t = 0;
  for (; t + kLanes <= trees; t += kLanes) {
    std::uint32_t at[kLanes];
    for (std::size_t lane = 0; lane < kLanes; ++lane) at[lane] = roots_[t + lane];
    for (bool moving = true; moving;) {
      moving = false;
      for (std::size_t lane = 0; lane < kLanes; ++lane) {
        const Node& node = nodes_[at[lane]];
        const bool split = node.left != 0;
        // A leaf's `split` is its leaf index, not a feature: read feature 0 instead (unused).
        const float x = row[split ? node.split & kFeatureMask : 0];
        const std::uint32_t next = node.left + (goes_right(node, x) ? 1U : 0U);
        at[lane] = split ? next : at[lane];
        moving |= split;
      }
    }
    for (std::size_t lane = 0; lane < kLanes; ++lane) {
      combine<kAggregate>(margin[groups_[t + lane]],
                          leaf_value<T>(nodes_[at[lane]].split, raw_row));
    }
  }
  for (; t < trees; ++t) {
    const Node* node = &nodes_[roots_[t]];
    while (node->left != 0) {
      const float x = row[node->split & kFeatureMask];
      node = &nodes_[node->left + (goes_right(*node, x) ? 1 : 0)];
    }
    combine<kAggregate>(margin[groups_[t]], leaf_value<T>(node->split, raw_row));
  }
}

// Walks kLanes trees at once: their loads are independent, so the CPU overlaps them. The depth
// is a template argument so that both loops unroll and the positions stay in registers. A row
// with no missing value takes the shorter step (kMayBeMissing = false).
template <typename T, bool kMayBeMissing, int kDepth>
void Forest::margins_complete(const float* row, T* margin) const {
  constexpr std::size_t kLanes = 8;
  constexpr std::size_t kInner = (std::size_t{1} << kDepth) - 1;
  constexpr std::size_t kLeaves = kInner + 1;
  const std::size_t trees = roots_.size();
  const auto step = [row](const Split& node, std::size_t position) {
    const float x = row[node.feature];
    // Right when x >= threshold, or when x is missing and the default is right.
    std::size_t right = static_cast<std::size_t>(x >= node.threshold);
    if constexpr (kMayBeMissing) right |= static_cast<std::size_t>(x != x) & node.default_right;
    return 2 * position + 1 + right;
  };
  std::size_t t = 0;
  for (; t + kLanes <= trees; t += kLanes) {
    const Split* base = splits_.data() + t * kInner;
    std::size_t position[kLanes] = {};
#pragma GCC unroll 16
    for (int level = 0; level < kDepth; ++level) {
#pragma GCC unroll 8
      for (std::size_t lane = 0; lane < kLanes; ++lane) {
        position[lane] = step(base[lane * kInner + position[lane]], position[lane]);
      }
    }
    const T* leaves = leaf_values<T>() + t * kLeaves - kInner;
    for (std::size_t lane = 0; lane < kLanes; ++lane) {
      margin[groups_[t + lane]] += leaves[lane * kLeaves + position[lane]];
    }
  }
  for (; t < trees; ++t) {
    std::size_t position = 0;
    for (int level = 0; level < kDepth; ++level)
      position = step(splits_[t * kInner + position], position);
    margin[groups_[t]] += leaf_values<T>()[t * kLeaves + position - kInner];
  }
}

template <typename T, bool kMayBeMissing>
void Forest::margins_complete_any_depth(const float* row, T* margin) const {
  switch (depth_) {
    case 1:
      margins_complete<T, kMayBeMissing, 1>(row, margin);
      break;
    case 2:
      margins_complete<T, kMayBeMissing, 2>(row, margin);
      break;
    case 3:
      margins_complete<T, kMayBeMissing, 3>(row, margin);
      break;
    case 4:
      margins_complete<T, kMayBeMissing, 4>(row, margin);
      break;
    case 5:
      margins_complete<T, kMayBeMissing, 5>(row, margin);
      break;
    case 6:
      margins_complete<T, kMayBeMissing, 6>(row, margin);
      break;
    case 7:
      margins_complete<T, kMayBeMissing, 7>(row, margin);
      break;
    case 8:
      margins_complete<T, kMayBeMissing, 8>(row, margin);
      break;
    case 9:
      margins_complete<T, kMayBeMissing, 9>(row, margin);
      break;
    default:
      margins_complete<T, kMayBeMissing, 10>(row, margin);
      break;
  }
}

void Forest::apply_input_rules(const float* row, float* adjusted) const {
  for (std::size_t f = 0; f < num_features_; ++f) {
    float x = row[f];
    switch (input_rules_[f]) {
      case InputRule::kAsIs:
        break;
      case InputRule::kTinyIsZero:
        if (x >= -kZeroThreshold && x <= kZeroThreshold) x = 0;
        break;
      case InputRule::kMissingIsZero:
        if (std::isnan(x) || (x >= -kZeroThreshold && x <= kZeroThreshold)) x = 0;
        break;
      case InputRule::kZeroIsMissing:
        if (x >= -kZeroThreshold && x <= kZeroThreshold) x = std::nanf("");
        break;
    }
    adjusted[f] = x;
  }
}

template <typename T>
void Forest::predict_rows(std::span<const float> rows, std::size_t row_count,
                          std::span<float> out) const {
  const std::size_t outputs = num_outputs();
  T margins[64];
  std::vector<T> many;  // more than 64 classes: rare, allocate
  T* margin = margins;
  if (num_groups_ > 64) {
    many.resize(num_groups_);
    margin = many.data();
  }
  std::vector<float> adjusted(input_rules_.empty() ? 0 : num_features_);
  const T start = aggregate_ == Aggregate::kSum ? static_cast<T>(base_margin_)
                                                : std::numeric_limits<T>::quiet_NaN();
  for (std::size_t r = 0; r < row_count; ++r) {
    const float* raw = rows.data() + r * num_features_;
    const float* row = raw;
    if (!adjusted.empty()) {
      apply_input_rules(raw, adjusted.data());
      row = adjusted.data();
    }
    std::fill(margin, margin + num_groups_, start);
    if (depth_ > 0) {
      const bool missing = std::any_of(row, row + num_features_, [](float x) { return x != x; });
      if (missing) {
        margins_complete_any_depth<T, true>(row, margin);
      } else {
        margins_complete_any_depth<T, false>(row, margin);
      }
    } else if (aggregate_ == Aggregate::kSum) {
      margins_nodes<T, Aggregate::kSum>(row, raw, margin);
    } else {
      if (aggregate_ == Aggregate::kMin) {
        margins_nodes<T, Aggregate::kMin>(row, raw, margin);
      } else {
        margins_nodes<T, Aggregate::kMax>(row, raw, margin);
      }
      for (std::size_t k = 0; k < num_groups_; ++k) {
        if (std::isnan(margin[k])) margin[k] = 0;  // no tree gave this output a value
      }
    }
    if (average_over_ > 0) {
      for (std::size_t k = 0; k < num_groups_; ++k) margin[k] /= static_cast<T>(average_over_);
    }
    for (std::size_t k = 0; k < offsets_.size(); ++k) margin[k] += static_cast<T>(offsets_[k]);
    transform_row(margin, out.data() + r * outputs);
  }
}

void Forest::predict(std::span<const float> rows, std::size_t row_count,
                     std::span<float> out) const {
  if (wide_) {
    predict_rows<double>(rows, row_count, out);
  } else {
    predict_rows<float>(rows, row_count, out);
  }
}

}  // namespace hone::model::trees
