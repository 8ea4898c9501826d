#include "model/trees/forest.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <limits>
#include <tuple>

#include "core/json_syntax.h"
#include "model/xgboost/json_check.h"

namespace hone::model::trees {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// XGBoost writes its parameters as strings ("5E-1", "100").
Result<double> number_param(object params, const char* key) {
  element value;
  if (params[key].get(value) != simdjson::SUCCESS) return fail(std::string("missing ") + key);
  std::string_view text;
  if (value.get_string().get(text) == simdjson::SUCCESS) {
    const std::string copy(text);
    char* end = nullptr;
    const double number = std::strtod(copy.c_str(), &end);
    if (end == copy.c_str()) return fail(std::string("bad ") + key + " '" + copy + "'");
    return number;
  }
  double number = 0;
  if (value.get_double().get(number) == simdjson::SUCCESS) return number;
  std::int64_t whole = 0;
  if (value.get_int64().get(whole) == simdjson::SUCCESS) return static_cast<double>(whole);
  return fail(std::string("bad ") + key);
}

Result<std::vector<double>> numbers(object tree, const char* key) {
  array list;
  if (tree[key].get_array().get(list) != simdjson::SUCCESS) {
    return fail(std::string("tree has no '") + key + "'");
  }
  std::vector<double> out;
  out.reserve(list.size());
  for (const element item : list) {
    double value = 0;
    if (item.get_double().get(value) == simdjson::SUCCESS) {
      out.push_back(value);
      continue;
    }
    std::int64_t whole = 0;
    bool flag = false;
    if (item.get_int64().get(whole) == simdjson::SUCCESS) {
      out.push_back(static_cast<double>(whole));
    } else if (item.get_bool().get(flag) == simdjson::SUCCESS) {
      out.push_back(flag ? 1 : 0);
    } else {
      return fail(std::string("tree '") + key + "' holds a non-number");
    }
  }
  return out;
}

// An index or count held as a double: a whole number in [0, limit). False for NaN.
bool whole_below(double value, double limit) {
  return value >= 0 && value < limit && value == std::floor(value);
}

// Thresholds and leaf values beyond float's range saturate instead of converting undefined.
float to_float(double value) {
  constexpr double kMax = std::numeric_limits<float>::max();
  if (value > kMax) return std::numeric_limits<float>::infinity();
  if (value < -kMax) return -std::numeric_limits<float>::infinity();
  return static_cast<float>(value);
}

struct ObjectiveSpec {
  const char* name;
  Transform transform;
  enum class Base { kIdentity, kLogit, kLog } base;
};

constexpr ObjectiveSpec kObjectives[] = {
    {"reg:squarederror", Transform::kIdentity, ObjectiveSpec::Base::kIdentity},
    {"reg:squaredlogerror", Transform::kIdentity, ObjectiveSpec::Base::kIdentity},
    {"reg:pseudohubererror", Transform::kIdentity, ObjectiveSpec::Base::kIdentity},
    {"reg:absoluteerror", Transform::kIdentity, ObjectiveSpec::Base::kIdentity},
    {"reg:logistic", Transform::kSigmoid, ObjectiveSpec::Base::kLogit},
    {"binary:logistic", Transform::kSigmoid, ObjectiveSpec::Base::kLogit},
    {"binary:logitraw", Transform::kIdentity, ObjectiveSpec::Base::kIdentity},
    {"multi:softmax", Transform::kSoftmax, ObjectiveSpec::Base::kIdentity},
    {"multi:softprob", Transform::kSoftprob, ObjectiveSpec::Base::kIdentity},
    {"count:poisson", Transform::kExp, ObjectiveSpec::Base::kLog},
    {"reg:gamma", Transform::kExp, ObjectiveSpec::Base::kLog},
    {"reg:tweedie", Transform::kExp, ObjectiveSpec::Base::kLog},
};

}  // namespace

std::size_t Forest::num_outputs() const {
  return transform_ == Transform::kSoftprob ? num_groups_ : 1;
}

Result<Forest> Forest::from_xgboost_json(std::string text, const std::string& name) {
  const auto bad = [&name](const std::string& why) {
    return fail(name + ": " + why + " (the xgboost backend serves any model libxgboost loads)");
  };
  if (xgb::model_format(text) != xgb::ModelFormat::kJson)
    return bad("the trees backend reads XGBoost JSON models only");
  simdjson::dom::parser parser;
  element document;
  if (parser.parse(text).get(document) != simdjson::SUCCESS) {
    const auto where = json_syntax_error(text);
    return fail(name + ": not valid JSON" + (where ? " (" + *where + ")" : std::string()));
  }
  object learner;
  if (document["learner"].get_object().get(learner) != simdjson::SUCCESS) {
    return bad("not an XGBoost JSON model (no 'learner')");
  }
  Forest forest;
  std::string_view booster_name;
  object booster;
  if (learner["gradient_booster"].get_object().get(booster) != simdjson::SUCCESS ||
      booster["name"].get_string().get(booster_name) != simdjson::SUCCESS) {
    return bad("no gradient_booster");
  }
  if (booster_name != "gbtree") {
    return bad("booster '" + std::string(booster_name) + "' is not supported by the trees backend");
  }
  std::string_view objective;
  if (learner["objective"]["name"].get_string().get(objective) != simdjson::SUCCESS) {
    return bad("no objective");
  }
  forest.objective_ = std::string(objective);
  const ObjectiveSpec* spec = nullptr;
  for (const auto& candidate : kObjectives) {
    if (objective == candidate.name) spec = &candidate;
  }
  if (spec == nullptr)
    return bad("objective '" + forest.objective_ + "' is not supported by the trees backend");
  forest.transform_ = spec->transform;

  object params;
  if (learner["learner_model_param"].get_object().get(params) != simdjson::SUCCESS) {
    return bad("no learner_model_param");
  }
  auto base_score = number_param(params, "base_score");
  auto num_feature = number_param(params, "num_feature");
  auto num_class = number_param(params, "num_class");
  if (!base_score || !num_feature || !num_class) return bad("bad learner_model_param");
  if (auto targets = number_param(params, "num_target"); targets && *targets > 1) {
    return bad("multi-target models are not supported by the trees backend");
  }
  if (!whole_below(*num_feature, static_cast<double>(xgb::kMaxFeatures) + 1))
    return bad("bad num_feature");
  if (!whole_below(*num_class, static_cast<double>(xgb::kMaxClasses) + 1))
    return bad("bad num_class");
  forest.num_features_ = static_cast<std::size_t>(*num_feature);
  forest.num_groups_ = std::max<std::size_t>(1, static_cast<std::size_t>(*num_class));
  if (forest.num_features_ == 0) return bad("the model has no features");
  const double base_value = *base_score;
  const bool base_ok = spec->base == ObjectiveSpec::Base::kLogit ? base_value > 0 && base_value < 1
                       : spec->base == ObjectiveSpec::Base::kLog
                           ? base_value > 0 && std::isfinite(base_value)
                           : std::isfinite(base_value);
  if (!base_ok) return bad("base_score out of range for objective '" + forest.objective_ + "'");
  const auto base = to_float(base_value);
  switch (spec->base) {
    case ObjectiveSpec::Base::kIdentity:
      forest.base_margin_ = base;
      break;
    case ObjectiveSpec::Base::kLogit:
      forest.base_margin_ = -std::log(1.0F / base - 1.0F);
      break;
    case ObjectiveSpec::Base::kLog:
      forest.base_margin_ = std::log(base);
      break;
  }
  array names;
  if (learner["feature_names"].get_array().get(names) == simdjson::SUCCESS) {
    for (const element item : names) {
      std::string_view feature;
      if (item.get_string().get(feature) == simdjson::SUCCESS)
        forest.feature_names_.emplace_back(feature);
    }
  }

  object model;
  array trees;
  array tree_info;
  if (booster["model"].get_object().get(model) != simdjson::SUCCESS ||
      model["trees"].get_array().get(trees) != simdjson::SUCCESS ||
      model["tree_info"].get_array().get(tree_info) != simdjson::SUCCESS ||
      trees.size() != tree_info.size()) {
    return bad("no trees");
  }
  for (const element group : tree_info) {
    std::int64_t value = 0;
    if (group.get_int64().get(value) != simdjson::SUCCESS || value < 0 ||
        static_cast<std::size_t>(value) >= forest.num_groups_) {
      return bad("bad tree_info");
    }
    forest.groups_.push_back(static_cast<std::uint32_t>(value));
  }
  std::size_t tree_index = 0;
  for (const element tree_element : trees) {
    object tree;
    if (tree_element.get_object().get(tree) != simdjson::SUCCESS) return bad("bad tree");
    const std::string where = "tree " + std::to_string(tree_index++) + ": ";
    auto left = numbers(tree, "left_children");
    auto right = numbers(tree, "right_children");
    auto conditions = numbers(tree, "split_conditions");
    auto indices = numbers(tree, "split_indices");
    auto default_left = numbers(tree, "default_left");
    auto split_type = numbers(tree, "split_type");
    if (!left || !right || !conditions || !indices || !default_left)
      return bad(where + "missing arrays");
    const std::size_t count = left->size();
    if (count == 0 || right->size() != count || conditions->size() != count ||
        indices->size() != count || default_left->size() != count) {
      return bad(where + "arrays of different lengths");
    }
    if (split_type) {
      for (const double type : *split_type) {
        if (type != 0)
          return bad(where + "categorical splits are not supported by the trees backend");
      }
    }
    // Lay the tree out breadth-first with each pair of children side by side.
    const auto root = static_cast<std::uint32_t>(forest.nodes_.size());
    forest.roots_.push_back(root);
    forest.nodes_.push_back({});
    std::deque<std::pair<std::size_t, std::uint32_t>> queue{{0, root}};  // (source, target)
    std::size_t visited = 0;
    while (!queue.empty()) {
      const auto [source, target] = queue.front();
      queue.pop_front();
      if (++visited > count) return bad(where + "nodes form a cycle");
      const double l = (*left)[source];
      const double r = (*right)[source];
      Node& node = forest.nodes_[target];
      node.value = to_float((*conditions)[source]);
      if (l == -1) {  // a leaf: XGBoost keeps its value in split_conditions
        node.split = 0;
        node.left = 0;
        continue;
      }
      if (!whole_below(l, static_cast<double>(count)) ||
          !whole_below(r, static_cast<double>(count))) {
        return bad(where + "child index out of range");
      }
      const double feature = (*indices)[source];
      if (!whole_below(feature, static_cast<double>(forest.num_features_))) {
        char shown[32];
        std::snprintf(shown, sizeof shown, "%.17g", feature);
        return bad(where + "split on feature " + shown + " of a " +
                   std::to_string(forest.num_features_) + "-feature model");
      }
      const auto children = static_cast<std::uint32_t>(forest.nodes_.size());
      node.split =
          static_cast<std::uint32_t>(feature) | ((*default_left)[source] != 0 ? kDefaultLeft : 0);
      node.left = children;
      forest.nodes_.push_back({});
      forest.nodes_.push_back({});
      queue.emplace_back(static_cast<std::size_t>(l), children);
      queue.emplace_back(static_cast<std::size_t>(r), children + 1);
    }
  }
  if (forest.roots_.empty()) return bad("the model has no trees");
  forest.build_complete();
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
  leaves_.assign(roots_.size() * leaves, 0);
  for (std::size_t t = 0; t < roots_.size(); ++t) {
    Split* splits = splits_.data() + t * inner;
    float* tree_leaves = leaves_.data() + t * leaves;
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
        for (std::size_t p = lo; p <= hi; ++p) tree_leaves[p - inner] = node.value;
        continue;
      }
      splits[position] = {node.value, static_cast<std::uint16_t>(node.split & ~kDefaultLeft),
                          static_cast<std::uint16_t>((node.split & kDefaultLeft) == 0 ? 1 : 0)};
      stack.emplace_back(node.left, 2 * position + 1, level + 1);
      stack.emplace_back(node.left + 1, 2 * position + 2, level + 1);
    }
  }
}

inline float Forest::tree_value(std::uint32_t root, const float* row) const {
  const Node* node = &nodes_[root];
  while (node->left != 0) {
    const float x = row[node->split & ~kDefaultLeft];
    // Missing values follow the default direction; otherwise left when x < threshold.
    const bool right = std::isnan(x) ? (node->split & kDefaultLeft) == 0 : !(x < node->value);
    node = &nodes_[node->left + (right ? 1 : 0)];
  }
  return node->value;
}

void Forest::margins_nodes(const float* row, float* margin) const {
  for (std::size_t t = 0; t < roots_.size(); ++t) margin[groups_[t]] += tree_value(roots_[t], row);
}

// Walks kLanes trees at once: their loads are independent, so the CPU overlaps them. The depth
// is a template argument so that both loops unroll and the positions stay in registers. A row
// with no missing value takes the shorter step (kMayBeMissing = false).
template <bool kMayBeMissing, int kDepth>
void Forest::margins_complete(const float* row, float* margin) const {
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
    const float* leaves = leaves_.data() + t * kLeaves - kInner;
    for (std::size_t lane = 0; lane < kLanes; ++lane) {
      margin[groups_[t + lane]] += leaves[lane * kLeaves + position[lane]];
    }
  }
  for (; t < trees; ++t) {
    std::size_t position = 0;
    for (int level = 0; level < kDepth; ++level)
      position = step(splits_[t * kInner + position], position);
    margin[groups_[t]] += leaves_[t * kLeaves + position - kInner];
  }
}

template <bool kMayBeMissing>
void Forest::margins_complete_any_depth(const float* row, float* margin) const {
  switch (depth_) {
    case 1:
      margins_complete<kMayBeMissing, 1>(row, margin);
      break;
    case 2:
      margins_complete<kMayBeMissing, 2>(row, margin);
      break;
    case 3:
      margins_complete<kMayBeMissing, 3>(row, margin);
      break;
    case 4:
      margins_complete<kMayBeMissing, 4>(row, margin);
      break;
    case 5:
      margins_complete<kMayBeMissing, 5>(row, margin);
      break;
    case 6:
      margins_complete<kMayBeMissing, 6>(row, margin);
      break;
    case 7:
      margins_complete<kMayBeMissing, 7>(row, margin);
      break;
    case 8:
      margins_complete<kMayBeMissing, 8>(row, margin);
      break;
    case 9:
      margins_complete<kMayBeMissing, 9>(row, margin);
      break;
    default:
      margins_complete<kMayBeMissing, 10>(row, margin);
      break;
  }
}

void Forest::predict(std::span<const float> rows, std::size_t row_count,
                     std::span<float> out) const {
  const std::size_t outputs = num_outputs();
  float margins[64];
  std::vector<float> wide;  // more than 64 classes: rare, allocate
  float* margin = margins;
  if (num_groups_ > 64) {
    wide.resize(num_groups_);
    margin = wide.data();
  }
  for (std::size_t r = 0; r < row_count; ++r) {
    const float* row = rows.data() + r * num_features_;
    std::fill(margin, margin + num_groups_, base_margin_);
    if (depth_ > 0) {
      const bool missing = std::any_of(row, row + num_features_, [](float x) { return x != x; });
      if (missing) {
        margins_complete_any_depth<true>(row, margin);
      } else {
        margins_complete_any_depth<false>(row, margin);
      }
    } else {
      margins_nodes(row, margin);
    }
    float* target = out.data() + r * outputs;
    switch (transform_) {
      case Transform::kIdentity:
        target[0] = margin[0];
        break;
      case Transform::kSigmoid:
        target[0] = 1.0F / (1.0F + std::exp(-margin[0]));
        break;
      case Transform::kExp:
        target[0] = std::exp(margin[0]);
        break;
      case Transform::kSoftprob:
      case Transform::kSoftmax: {
        float top = margin[0];
        std::size_t best = 0;
        for (std::size_t k = 1; k < num_groups_; ++k) {
          if (margin[k] > top) {
            top = margin[k];
            best = k;
          }
        }
        if (transform_ == Transform::kSoftmax) {
          target[0] = static_cast<float>(best);
          break;
        }
        float sum = 0;
        for (std::size_t k = 0; k < num_groups_; ++k) {
          target[k] = std::exp(margin[k] - top);
          sum += target[k];
        }
        for (std::size_t k = 0; k < num_groups_; ++k) target[k] /= sum;
        break;
      }
    }
  }
}

}  // namespace hone::model::trees
