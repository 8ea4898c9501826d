#include "model/xgboost/json_check.h"

#include <simdjson.h>

#include <cmath>
#include <cstdlib>
#include <vector>

#include "core/json_syntax.h"

namespace hone::model::xgb {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

constexpr std::int64_t kMaxCount = std::int64_t{1} << 31;  // node, feature and tree counts
constexpr std::int64_t kNoParent = 2147483647;             // the root's parent in XGBoost JSON

// XGBoost writes counts as strings ("59"); a missing or malformed one is -1.
std::int64_t count_param(object params, const char* key) {
  element value;
  if (params[key].get(value) != simdjson::SUCCESS) return -1;
  std::string_view text;
  double number = -1;
  if (value.get_string().get(text) == simdjson::SUCCESS) {
    const std::string copy(text);
    char* end = nullptr;
    number = std::strtod(copy.c_str(), &end);
    if (end == copy.c_str() || *end != '\0') return -1;
  } else if (value.get_double().get(number) != simdjson::SUCCESS) {
    std::int64_t whole = 0;
    if (value.get_int64().get(whole) != simdjson::SUCCESS) return -1;
    number = static_cast<double>(whole);
  }
  if (!(number >= 0 && number < static_cast<double>(kMaxCount)) || number != std::floor(number))
    return -1;
  return static_cast<std::int64_t>(number);
}

// An array of whole numbers (booleans count as 0/1); false when anything else is in it.
bool integers(object tree, const char* key, std::vector<std::int64_t>& out) {
  array list;
  if (tree[key].get_array().get(list) != simdjson::SUCCESS) return false;
  out.clear();
  for (const element item : list) {
    std::int64_t value = 0;
    bool flag = false;
    if (item.get_int64().get(value) == simdjson::SUCCESS) {
      out.push_back(value);
    } else if (item.get_bool().get(flag) == simdjson::SUCCESS) {
      out.push_back(flag ? 1 : 0);
    } else {
      return false;
    }
  }
  return true;
}

std::size_t array_size(object tree, const char* key) {
  array list;
  if (tree[key].get_array().get(list) != simdjson::SUCCESS) return SIZE_MAX;
  return list.size();
}

class Checker {
 public:
  Status tree(object tree, std::int64_t num_features) {
    object params;
    if (tree["tree_param"].get_object().get(params) != simdjson::SUCCESS)
      return bad("no tree_param");
    const std::int64_t nodes = count_param(params, "num_nodes");
    if (nodes < 1) return bad("bad num_nodes");
    if (count_param(params, "size_leaf_vector") > 0) return bad("leaf vectors are not supported");
    const auto n = static_cast<std::size_t>(nodes);
    for (const char* key :
         {"loss_changes", "sum_hessian", "base_weights", "split_conditions", "default_left"}) {
      if (array_size(tree, key) != n)
        return bad(std::string(key) + " does not hold num_nodes entries");
    }
    std::vector<std::int64_t> left, right, parents, indices, split_type;
    if (!integers(tree, "left_children", left) || !integers(tree, "right_children", right) ||
        !integers(tree, "parents", parents) || !integers(tree, "split_indices", indices)) {
      return bad("a child, parent or split index array is missing or not whole numbers");
    }
    if (left.size() != n || right.size() != n || parents.size() != n || indices.size() != n)
      return bad("index arrays do not hold num_nodes entries");
    if (tree["split_type"].error() == simdjson::SUCCESS) {
      if (!integers(tree, "split_type", split_type) || split_type.size() != n)
        return bad("split_type does not hold num_nodes entries");
    }
    // Only the root has no parent (libxgboost looks every other node's parent up).
    if (parents[0] != kNoParent) return bad("the root has a parent");
    for (std::size_t i = 1; i < n; ++i) {
      if (parents[i] < 0 || parents[i] >= nodes) return bad("parent index out of range");
    }
    // Walk from the root: every split has two children in range, every node is reached once.
    std::vector<bool> seen(n, false);
    std::vector<std::size_t> stack{0};
    while (!stack.empty()) {
      const std::size_t node = stack.back();
      stack.pop_back();
      if (seen[node]) return bad("nodes form a cycle or share a child");
      seen[node] = true;
      if (left[node] == -1 && right[node] == -1) continue;
      if (left[node] <= 0 || left[node] >= nodes || right[node] <= 0 || right[node] >= nodes)
        return bad("child index out of range");
      if (indices[node] < 0 || indices[node] >= num_features)
        return bad("split on feature " + std::to_string(indices[node]) + " of a " +
                   std::to_string(num_features) + "-feature model");
      for (const std::int64_t child : {left[node], right[node]}) {
        if (parents[static_cast<std::size_t>(child)] != static_cast<std::int64_t>(node))
          return bad("a child does not name its parent");
        stack.push_back(static_cast<std::size_t>(child));
      }
    }
    return categories(tree, nodes);
  }

  void next_tree() { ++tree_index_; }

 private:
  Status categories(object tree, std::int64_t nodes) {
    std::vector<std::int64_t> values, owners, segments, sizes;
    const bool present = tree["categories"].error() == simdjson::SUCCESS;
    if (!present) return {};
    if (!integers(tree, "categories", values) || !integers(tree, "categories_nodes", owners) ||
        !integers(tree, "categories_segments", segments) ||
        !integers(tree, "categories_sizes", sizes)) {
      return bad("malformed categories");
    }
    if (segments.size() != owners.size() || sizes.size() != owners.size())
      return bad("categories arrays of different lengths");
    const auto total = static_cast<std::int64_t>(values.size());
    for (std::size_t i = 0; i < owners.size(); ++i) {
      if (owners[i] < 0 || owners[i] >= nodes || segments[i] < 0 || sizes[i] < 0 ||
          segments[i] > total || sizes[i] > total - segments[i]) {
        return bad("category segment out of range");
      }
    }
    return {};
  }

  Error bad(const std::string& why) const {
    return fail("tree " + std::to_string(tree_index_) + ": " + why);
  }

  std::size_t tree_index_ = 0;
};

Status check_trees(object model, std::int64_t num_features, std::int64_t num_groups) {
  array trees;
  array tree_info;
  if (model["trees"].get_array().get(trees) != simdjson::SUCCESS ||
      model["tree_info"].get_array().get(tree_info) != simdjson::SUCCESS) {
    return fail("no trees or tree_info");
  }
  if (tree_info.size() != trees.size()) return fail("tree_info does not hold one entry per tree");
  object params;
  if (model["gbtree_model_param"].get_object().get(params) != simdjson::SUCCESS ||
      count_param(params, "num_trees") != static_cast<std::int64_t>(trees.size())) {
    return fail("num_trees does not match the trees");
  }
  for (const element group : tree_info) {
    std::int64_t value = -1;
    if (group.get_int64().get(value) != simdjson::SUCCESS || value < 0 || value >= num_groups)
      return fail("tree_info names a class the model does not have");
  }
  std::vector<bool> ids(trees.size(), false);
  Checker checker;
  for (const element item : trees) {
    object tree;
    if (item.get_object().get(tree) != simdjson::SUCCESS) return fail("a tree is not an object");
    std::int64_t id = -1;
    if (tree["id"].get_int64().get(id) != simdjson::SUCCESS || id < 0 ||
        id >= static_cast<std::int64_t>(ids.size()) || ids[static_cast<std::size_t>(id)]) {
      return fail("tree ids are not 0..num_trees-1, each once");
    }
    ids[static_cast<std::size_t>(id)] = true;
    if (Status ok = checker.tree(tree, num_features); !ok) return ok;
    checker.next_tree();
  }
  return {};
}

}  // namespace

ModelFormat model_format(const std::string& bytes) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  std::size_t at = 0;
  while (at < bytes.size() && is_space(bytes[at])) ++at;
  if (at == bytes.size() || bytes[at] != '{') return ModelFormat::kOther;
  if (at == 0 && bytes.size() > 1 &&
      std::string_view("iUIlLdD$#").find(bytes[1]) != std::string_view::npos)
    return ModelFormat::kUbjson;
  ++at;
  while (at < bytes.size() && is_space(bytes[at])) ++at;
  if (at < bytes.size() && (bytes[at] == '"' || bytes[at] == '}')) return ModelFormat::kJson;
  return ModelFormat::kOther;
}

Status check_model_json(const std::string& text) {
  simdjson::dom::parser parser;
  element document;
  if (parser.parse(text).get(document) != simdjson::SUCCESS) {
    const auto where = json_syntax_error(text);
    return fail("not valid JSON" + (where ? " (" + *where + ")" : std::string()));
  }
  object learner;
  object params;
  object booster;
  std::string_view name;
  if (document["learner"].get_object().get(learner) != simdjson::SUCCESS ||
      learner["learner_model_param"].get_object().get(params) != simdjson::SUCCESS ||
      learner["gradient_booster"].get_object().get(booster) != simdjson::SUCCESS ||
      booster["name"].get_string().get(name) != simdjson::SUCCESS) {
    return fail("not an XGBoost JSON model (no learner, learner_model_param or gradient_booster)");
  }
  const std::int64_t num_features = count_param(params, "num_feature");
  const std::int64_t num_class = count_param(params, "num_class");
  if (num_features < 0 || num_features > kMaxFeatures) return fail("bad num_feature");
  if (num_class < 0 || num_class > kMaxClasses) return fail("bad num_class");
  if (params["num_target"].error() == simdjson::SUCCESS) {
    const std::int64_t targets = count_param(params, "num_target");
    if (targets < 1 || targets > kMaxClasses) return fail("bad num_target");
  }
  const std::int64_t groups = std::max<std::int64_t>(1, num_class);
  object model;
  if (name == "gbtree" && booster["model"].get_object().get(model) == simdjson::SUCCESS)
    return check_trees(model, num_features, groups);
  if (name == "dart" && booster["gbtree"]["model"].get_object().get(model) == simdjson::SUCCESS)
    return check_trees(model, num_features, groups);
  if (name == "gblinear") {
    array weights;
    if (booster["model"]["weights"].get_array().get(weights) != simdjson::SUCCESS ||
        static_cast<std::int64_t>(weights.size()) != (num_features + 1) * groups) {
      return fail("gblinear weights do not match num_feature and num_class");
    }
    return {};
  }
  return fail("booster '" + std::string(name) + "' has no model");
}

}  // namespace hone::model::xgb
