#include "model/trees/xgboost_reader.h"

#include <simdjson.h>

#include <cmath>
#include <cstdlib>
#include <limits>

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

// One tree's arrays into nodes indexed as the file indexes them.
Result<Tree> read_tree(object tree) {
  auto left = numbers(tree, "left_children");
  auto right = numbers(tree, "right_children");
  auto conditions = numbers(tree, "split_conditions");
  auto indices = numbers(tree, "split_indices");
  auto default_left = numbers(tree, "default_left");
  auto split_type = numbers(tree, "split_type");
  auto covers = numbers(tree, "sum_hessian");
  if (!left || !right || !conditions || !indices || !default_left) return fail("missing arrays");
  const std::size_t count = left->size();
  if (count == 0 || right->size() != count || conditions->size() != count ||
      indices->size() != count || default_left->size() != count) {
    return fail("arrays of different lengths");
  }
  if (split_type) {
    for (const double type : *split_type) {
      if (type != 0) return fail("categorical splits are not supported by the trees backend");
    }
  }
  const auto limit = static_cast<double>(count);
  Tree out;
  out.nodes.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    TreeNode& node = out.nodes[i];
    if (covers && covers->size() == count) node.cover = (*covers)[i];
    if ((*left)[i] == -1) {  // a leaf: XGBoost keeps its value in split_conditions
      node.value = to_float((*conditions)[i]);
      continue;
    }
    if (!whole_below((*left)[i], limit) || !whole_below((*right)[i], limit)) {
      return fail("child index out of range");
    }
    const double feature = (*indices)[i];
    if (!whole_below(feature, static_cast<double>(xgb::kMaxFeatures))) {
      return fail("bad split feature");
    }
    node.left = static_cast<std::int32_t>((*left)[i]);
    node.right = static_cast<std::int32_t>((*right)[i]);
    node.feature = static_cast<std::uint32_t>(feature);
    node.threshold = to_float((*conditions)[i]);  // left when x < threshold
    node.default_left = (*default_left)[i] != 0;
  }
  return out;
}

}  // namespace

Result<Ensemble> read_xgboost_json(const std::string& text, const std::string& name) {
  const auto bad = [&name](const std::string& why) {
    return fail(name + ": " + why + " (the xgboost backend serves any model libxgboost loads)");
  };
  if (xgb::model_format(text) != xgb::ModelFormat::kJson)
    return bad("the trees backend reads XGBoost JSON and LightGBM text models only");
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
  Ensemble ensemble;
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
  ensemble.objective = std::string(objective);
  const ObjectiveSpec* spec = nullptr;
  for (const auto& candidate : kObjectives) {
    if (objective == candidate.name) spec = &candidate;
  }
  if (spec == nullptr)
    return bad("objective '" + ensemble.objective + "' is not supported by the trees backend");
  ensemble.transform = spec->transform;

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
  ensemble.num_features = static_cast<std::size_t>(*num_feature);
  ensemble.num_groups = std::max<std::size_t>(1, static_cast<std::size_t>(*num_class));
  if (ensemble.num_features == 0) return bad("the model has no features");
  const double base_value = *base_score;
  const bool base_ok = spec->base == ObjectiveSpec::Base::kLogit ? base_value > 0 && base_value < 1
                       : spec->base == ObjectiveSpec::Base::kLog
                           ? base_value > 0 && std::isfinite(base_value)
                           : std::isfinite(base_value);
  if (!base_ok) return bad("base_score out of range for objective '" + ensemble.objective + "'");
  // The margin libxgboost starts from, computed in float as it does.
  const auto base = to_float(base_value);
  float margin = base;
  if (spec->base == ObjectiveSpec::Base::kLogit) margin = -std::log(1.0F / base - 1.0F);
  if (spec->base == ObjectiveSpec::Base::kLog) margin = std::log(base);
  ensemble.base_margin = margin;
  array names;
  if (learner["feature_names"].get_array().get(names) == simdjson::SUCCESS) {
    for (const element item : names) {
      std::string_view feature;
      if (item.get_string().get(feature) == simdjson::SUCCESS)
        ensemble.feature_names.emplace_back(feature);
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
  std::vector<std::uint32_t> groups;
  for (const element group : tree_info) {
    std::int64_t value = 0;
    if (group.get_int64().get(value) != simdjson::SUCCESS || value < 0 ||
        static_cast<std::size_t>(value) >= ensemble.num_groups) {
      return bad("bad tree_info");
    }
    groups.push_back(static_cast<std::uint32_t>(value));
  }
  for (const element tree_element : trees) {
    object tree_object;
    if (tree_element.get_object().get(tree_object) != simdjson::SUCCESS) return bad("bad tree");
    auto tree = read_tree(tree_object);
    const std::size_t index = ensemble.trees.size();
    if (!tree) return bad("tree " + std::to_string(index) + ": " + tree.error().message);
    tree->group = groups[index];
    ensemble.trees.push_back(std::move(*tree));
  }
  if (ensemble.trees.empty()) return bad("the model has no trees");
  return ensemble;
}

}  // namespace hone::model::trees
