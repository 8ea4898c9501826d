#include "model/trees/onnx_file.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <unordered_map>

namespace hone::model::trees::onnx_file {
namespace {

std::optional<Mode> mode_named(const std::string& name) {
  static const std::map<std::string, Mode, std::less<>> kModes = {
      {"BRANCH_LEQ", Mode::kLeq}, {"BRANCH_LT", Mode::kLt}, {"BRANCH_GTE", Mode::kGte},
      {"BRANCH_GT", Mode::kGt},   {"BRANCH_EQ", Mode::kEq}, {"BRANCH_NEQ", Mode::kNeq},
      {"LEAF", Mode::kLeaf}};
  const auto found = kModes.find(name);
  if (found == kModes.end()) return std::nullopt;
  return found->second;
}

class Attributes {
 public:
  Attributes(const onnx::NodeProto& node, std::string where) : where_(std::move(where)) {
    for (const auto& attribute : node.attribute()) by_name_[attribute.name()] = &attribute;
  }
  bool has(const std::string& name) const { return by_name_.contains(name); }
  const std::string& where() const { return where_; }

  Result<std::vector<std::int64_t>> ints(const std::string& name, bool required = true) const {
    const auto* a = find(name);
    if (a == nullptr) return missing(name, required, std::vector<std::int64_t>{});
    if (a->type() != onnx::AttributeProto::INTS) return wrong(name, "a list of integers");
    return std::vector<std::int64_t>(a->ints().begin(), a->ints().end());
  }
  Result<std::int64_t> integer(const std::string& name, std::int64_t fallback) const {
    const auto* a = find(name);
    if (a == nullptr) return fallback;
    if (a->type() != onnx::AttributeProto::INT) return wrong(name, "an integer");
    return a->i();
  }
  Result<std::string> text(const std::string& name, const std::string& fallback) const {
    const auto* a = find(name);
    if (a == nullptr) return fallback;
    if (a->type() != onnx::AttributeProto::STRING) return wrong(name, "a string");
    return a->s();
  }
  Result<std::vector<std::string>> texts(const std::string& name) const {
    const auto* a = find(name);
    if (a == nullptr) return std::vector<std::string>{};
    if (a->type() != onnx::AttributeProto::STRINGS) return wrong(name, "a list of strings");
    return std::vector<std::string>(a->strings().begin(), a->strings().end());
  }
  // A list of numbers given as `name` (floats) or `name`_as_tensor (a float or double tensor);
  // `wide` is set when it was doubles.
  Result<std::vector<double>> numbers(const std::string& name, bool required, bool* wide) const {
    if (const auto* t = find(name + "_as_tensor")) {
      if (has(name)) return fail(where_ + ": both " + name + " and " + name + "_as_tensor");
      if (t->type() != onnx::AttributeProto::TENSOR) return wrong(name + "_as_tensor", "a tensor");
      if (wide != nullptr && t->t().data_type() == onnx::TensorProto::DOUBLE) *wide = true;
      return tensor(name + "_as_tensor", t->t());
    }
    const auto* a = find(name);
    if (a == nullptr) return missing(name, required, std::vector<double>{});
    if (a->type() == onnx::AttributeProto::TENSOR) {  // opset 5 gives tensors under plain names
      if (wide != nullptr && a->t().data_type() == onnx::TensorProto::DOUBLE) *wide = true;
      return tensor(name, a->t());
    }
    if (a->type() != onnx::AttributeProto::FLOATS) return wrong(name, "a list of floats");
    return std::vector<double>(a->floats().begin(), a->floats().end());
  }

 private:
  const onnx::AttributeProto* find(const std::string& name) const {
    const auto found = by_name_.find(name);
    return found == by_name_.end() ? nullptr : found->second;
  }
  template <typename T>
  Result<T> missing(const std::string& name, bool required, T empty) const {
    if (required) return fail(where_ + ": attribute '" + name + "' is missing");
    return empty;
  }
  Error wrong(const std::string& name, const std::string& what) const {
    return fail(where_ + ": attribute '" + name + "' is not " + what);
  }
  Result<std::vector<double>> tensor(const std::string& name, const onnx::TensorProto& t) const {
    if (t.has_data_location() && t.data_location() == onnx::TensorProto::EXTERNAL)
      return fail(where_ + ": attribute '" + name + "' is stored outside the file");
    std::vector<double> values;
    const std::string& raw = t.raw_data();
    switch (t.data_type()) {
      case onnx::TensorProto::FLOAT:
        if (!raw.empty()) {
          if (raw.size() % 4 != 0) return wrong(name, "whole floats");
          values.resize(raw.size() / 4);
          for (std::size_t i = 0; i < values.size(); ++i) {
            float v;
            std::memcpy(&v, raw.data() + 4 * i, 4);
            values[i] = v;
          }
        } else {
          values.assign(t.float_data().begin(), t.float_data().end());
        }
        break;
      case onnx::TensorProto::DOUBLE:
        if (!raw.empty()) {
          if (raw.size() % 8 != 0) return wrong(name, "whole doubles");
          values.resize(raw.size() / 8);
          std::memcpy(values.data(), raw.data(), raw.size());
        } else {
          values.assign(t.double_data().begin(), t.double_data().end());
        }
        break;
      case onnx::TensorProto::UINT8:
        if (!raw.empty()) {
          for (const char c : raw) values.push_back(static_cast<unsigned char>(c));
        } else {
          values.assign(t.int32_data().begin(), t.int32_data().end());
        }
        break;
      default:
        return wrong(name, "a float, double or uint8 tensor");
    }
    return values;
  }

  std::string where_;
  std::unordered_map<std::string, const onnx::AttributeProto*> by_name_;
};

// The first error among several results, or success.
template <typename... R>
Status first_error(const R&... results) {
  Status status;
  const auto check = [&status](const auto& result) {
    if (status && !result) status = result.error();
  };
  (check(results), ...);
  return status;
}

Result<Aggregate> aggregate_named(const std::string& name, bool* average,
                                  const std::string& where) {
  *average = name == "AVERAGE";
  if (name == "SUM" || name == "AVERAGE") return Aggregate::kSum;
  if (name == "MIN") return Aggregate::kMin;
  if (name == "MAX") return Aggregate::kMax;
  return fail(where + ": unknown aggregate_function '" + name + "'");
}

Status read_legacy(const onnx::NodeProto& node, const std::string& where, FileModel& file) {
  const Attributes a(node, where);
  file.outputs.classifier = node.op_type() == "TreeEnsembleClassifier";
  const std::string weights = file.outputs.classifier ? "class" : "target";
  bool wide = false;
  auto tree_ids = a.ints("nodes_treeids");
  auto node_ids = a.ints("nodes_nodeids");
  auto features = a.ints("nodes_featureids");
  auto modes = a.texts("nodes_modes");
  auto trues = a.ints("nodes_truenodeids");
  auto falses = a.ints("nodes_falsenodeids");
  auto missing = a.ints("nodes_missing_value_tracks_true", false);
  auto values = a.numbers("nodes_values", true, &wide);
  auto w_trees = a.ints(weights + "_treeids");
  auto w_nodes = a.ints(weights + "_nodeids");
  auto w_ids = a.ints(weights + "_ids");
  auto w_values = a.numbers(weights + "_weights", true, &wide);
  auto base = a.numbers("base_values", false, &wide);
  auto post = a.text("post_transform", "NONE");
  if (Status s = first_error(tree_ids, node_ids, features, modes, trues, falses, missing, values,
                             w_trees, w_nodes, w_ids, w_values, base, post);
      !s)
    return s;
  if (wide) file.wide = true;
  const std::size_t n = tree_ids->size();
  if (n == 0) return fail(where + ": no nodes");
  if (node_ids->size() != n || features->size() != n || modes->size() != n || trues->size() != n ||
      falses->size() != n || values->size() != n || (!missing->empty() && missing->size() != n)) {
    return fail(where + ": the nodes_* attributes have different lengths");
  }
  const std::size_t w = w_trees->size();
  if (w_nodes->size() != w || w_ids->size() != w || w_values->size() != w)
    return fail(where + ": the " + weights + "_* attributes have different lengths");
  file.outputs.base = std::move(*base);
  file.outputs.post = *post;
  if (file.outputs.classifier) {
    auto strings = a.texts("classlabels_strings");
    auto ints = a.ints("classlabels_int64s", false);
    if (!strings) return strings.error();
    if (!ints) return ints.error();
    if (strings->empty() == ints->empty())
      return fail(where + ": needs exactly one of classlabels_strings and classlabels_int64s");
    file.integer_labels = !ints->empty();
    if (file.integer_labels) {
      for (const auto label : *ints) file.class_labels.push_back(std::to_string(label));
    } else {
      file.class_labels = std::move(*strings);
    }
    file.outputs.count = file.class_labels.size();
    if (file.outputs.count < 2) return fail(where + ": a classifier needs two classes or more");
  } else {
    auto targets = a.integer("n_targets", 1);
    auto aggregate = a.text("aggregate_function", "SUM");
    if (!targets) return targets.error();
    if (!aggregate) return aggregate.error();
    if (*targets < 1 || *targets > 65536) return fail(where + ": bad n_targets");
    file.outputs.count = static_cast<std::size_t>(*targets);
    auto kind = aggregate_named(*aggregate, &file.outputs.average, where);
    if (!kind) return kind.error();
    file.outputs.aggregate = *kind;
  }

  // Trees in the order their ids first appear; nodes by (tree, node id).
  std::map<std::int64_t, std::size_t> tree_of;
  std::vector<FileTree> trees;
  std::vector<std::map<std::int64_t, std::size_t>> position;
  for (std::size_t i = 0; i < n; ++i) {
    const auto [it, added] = tree_of.try_emplace((*tree_ids)[i], trees.size());
    if (added) {
      trees.emplace_back();
      position.emplace_back();
    }
    const std::size_t t = it->second;
    if (!position[t].try_emplace((*node_ids)[i], trees[t].size()).second) {
      return fail(where + ": tree " + std::to_string((*tree_ids)[i]) + " has two nodes " +
                  std::to_string((*node_ids)[i]));
    }
    Split split;
    const auto mode = mode_named((*modes)[i]);
    if (!mode) return fail(where + ": unknown node mode '" + (*modes)[i] + "'");
    split.mode = *mode;
    trees[t].push_back(split);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t t = tree_of[(*tree_ids)[i]];
    Split& split = trees[t][position[t][(*node_ids)[i]]];
    if (split.mode == Mode::kLeaf) continue;
    if ((*features)[i] < 0 || (*features)[i] >= (std::int64_t{1} << 24))
      return fail(where + ": bad feature id " + std::to_string((*features)[i]));
    split.feature = static_cast<std::uint32_t>((*features)[i]);
    split.threshold = (*values)[i];
    split.missing_true = !missing->empty() && (*missing)[i] != 0;
    const auto child = [&](std::int64_t id) -> std::int64_t {
      const auto found = position[t].find(id);
      return found == position[t].end() ? -1 : static_cast<std::int64_t>(found->second);
    };
    split.if_true = child((*trues)[i]);
    split.if_false = child((*falses)[i]);
    if (split.if_true < 0 || split.if_false < 0)
      return fail(where + ": a node's child is not in its tree");
  }
  for (std::size_t i = 0; i < w; ++i) {
    const auto found = tree_of.find((*w_trees)[i]);
    if (found == tree_of.end()) return fail(where + ": a weight names a missing tree");
    const auto at = position[found->second].find((*w_nodes)[i]);
    if (at == position[found->second].end()) return fail(where + ": a weight names a missing node");
    Split& leaf = trees[found->second][at->second];
    if (leaf.mode != Mode::kLeaf) return fail(where + ": a weight on a node that is not a leaf");
    if ((*w_ids)[i] < 0 || static_cast<std::size_t>((*w_ids)[i]) >= file.outputs.count)
      return fail(where + ": a weight names output " + std::to_string((*w_ids)[i]) + " of " +
                  std::to_string(file.outputs.count));
    leaf.weights.emplace_back(static_cast<std::uint32_t>((*w_ids)[i]), (*w_values)[i]);
  }
  file.trees = std::move(trees);
  return {};
}

Status read_v5(const onnx::NodeProto& node, const std::string& where, FileModel& file) {
  const Attributes a(node, where);
  bool wide = false;
  auto roots = a.ints("tree_roots");
  auto features = a.ints("nodes_featureids");
  auto splits = a.numbers("nodes_splits", true, &wide);
  auto modes = a.numbers("nodes_modes", true, nullptr);
  auto trues = a.ints("nodes_truenodeids");
  auto true_leafs = a.ints("nodes_trueleafs");
  auto falses = a.ints("nodes_falsenodeids");
  auto false_leafs = a.ints("nodes_falseleafs");
  auto missing = a.ints("nodes_missing_value_tracks_true", false);
  auto members = a.numbers("membership_values", false, nullptr);
  auto leaf_targets = a.ints("leaf_targetids");
  auto leaf_weights = a.numbers("leaf_weights", true, &wide);
  auto targets = a.integer("n_targets", 1);
  auto aggregate = a.integer("aggregate_function", 1);
  auto post = a.integer("post_transform", 0);
  if (Status s =
          first_error(roots, features, splits, modes, trues, true_leafs, falses, false_leafs,
                      missing, members, leaf_targets, leaf_weights, targets, aggregate, post);
      !s)
    return s;
  if (wide) file.wide = true;
  const std::size_t n = features->size();
  if (splits->size() != n || modes->size() != n || trues->size() != n || true_leafs->size() != n ||
      falses->size() != n || false_leafs->size() != n ||
      (!missing->empty() && missing->size() != n))
    return fail(where + ": the nodes_* attributes have different lengths");
  if (leaf_targets->size() != leaf_weights->size())
    return fail(where + ": the leaf_* attributes have different lengths");
  if (*targets < 1 || *targets > 65536) return fail(where + ": bad n_targets");
  file.outputs.count = static_cast<std::size_t>(*targets);
  static const char* const kAggregates[] = {"AVERAGE", "SUM", "MIN", "MAX"};
  static const char* const kPosts[] = {"NONE", "SOFTMAX", "LOGISTIC", "SOFTMAX_ZERO", "PROBIT"};
  if (*aggregate < 0 || *aggregate > 3) return fail(where + ": unknown aggregate_function");
  if (*post < 0 || *post > 4) return fail(where + ": unknown post_transform");
  auto kind = aggregate_named(kAggregates[*aggregate], &file.outputs.average, where);
  if (!kind) return kind.error();
  file.outputs.aggregate = *kind;
  file.outputs.post = kPosts[*post];

  // Member sets, in the order BRANCH_MEMBER nodes appear, separated by NaN.
  std::vector<float> set;
  for (const double value : *members) {
    if (std::isnan(value)) {
      file.member_sets.push_back(std::move(set));
      set.clear();
      continue;
    }
    if (value != std::trunc(value) || value < -2147483648.0 || value > 2147483647.0)
      return fail(where + ": a member value is not a 32-bit integer (as ONNX Runtime requires)");
    set.push_back(static_cast<float>(value));
  }
  if (!set.empty()) file.member_sets.push_back(std::move(set));
  std::size_t next_set = 0;
  std::vector<std::int64_t> set_of(n, -1);
  for (std::size_t i = 0; i < n; ++i) {
    if ((*modes)[i] == 6) {
      if (next_set >= file.member_sets.size())
        return fail(where + ": a member node has no member set");
      set_of[i] = static_cast<std::int64_t>(next_set++);
    }
  }
  // Each tree: its splits reached from the root, then its leaves.
  for (const std::int64_t root : *roots) {
    if (root < 0 || static_cast<std::size_t>(root) >= n) return fail(where + ": bad tree root");
    FileTree tree;
    std::map<std::pair<bool, std::int64_t>, std::size_t> placed;  // (leaf?, index) -> position
    std::vector<std::pair<std::size_t, std::int64_t>> pending;    // (position, node index)
    const auto place = [&](bool leaf, std::int64_t index) -> Result<std::int64_t> {
      const auto found = placed.find({leaf, index});
      if (found != placed.end()) {
        if (!leaf) return fail(where + ": a node is reached twice (the trees are not trees)");
        return static_cast<std::int64_t>(found->second);
      }
      if (index < 0 || static_cast<std::size_t>(index) >= (leaf ? leaf_targets->size() : n))
        return fail(where + ": a child index is out of range");
      const std::size_t at = tree.size();
      placed[{leaf, index}] = at;
      Split split;
      if (leaf) {
        const std::int64_t target = (*leaf_targets)[static_cast<std::size_t>(index)];
        if (target < 0 || static_cast<std::size_t>(target) >= file.outputs.count)
          return fail(where + ": a leaf names target " + std::to_string(target));
        split.weights.emplace_back(static_cast<std::uint32_t>(target),
                                   (*leaf_weights)[static_cast<std::size_t>(index)]);
      } else {
        pending.emplace_back(at, index);
      }
      tree.push_back(std::move(split));
      return static_cast<std::int64_t>(at);
    };
    if (auto r = place(false, root); !r) return r.error();
    while (!pending.empty()) {
      const auto [at, index] = pending.back();
      pending.pop_back();
      const auto i = static_cast<std::size_t>(index);
      const double mode = (*modes)[i];
      if (mode < 0 || mode > 6 || mode != std::trunc(mode))
        return fail(where + ": unknown node mode " + std::to_string(mode));
      Split split;
      split.mode = mode == 6 ? Mode::kMember : static_cast<Mode>(static_cast<int>(mode));
      if ((*features)[i] < 0 || (*features)[i] >= (std::int64_t{1} << 24))
        return fail(where + ": bad feature id " + std::to_string((*features)[i]));
      split.feature = static_cast<std::uint32_t>((*features)[i]);
      split.threshold = (*splits)[i];
      split.members = set_of[i];
      split.missing_true = !missing->empty() && (*missing)[i] != 0;
      auto if_true = place((*true_leafs)[i] != 0, (*trues)[i]);
      if (!if_true) return if_true.error();
      auto if_false = place((*false_leafs)[i] != 0, (*falses)[i]);
      if (!if_false) return if_false.error();
      split.if_true = *if_true;
      split.if_false = *if_false;
      tree[at] = std::move(split);
    }
    file.trees.push_back(std::move(tree));
  }
  return {};
}

}  // namespace

Result<FileModel> read_node(const onnx::NodeProto& node, const std::string& where) {
  FileModel file;
  const Status read = node.op_type() == "TreeEnsemble" ? read_v5(node, where, file)
                                                       : read_legacy(node, where, file);
  if (!read) return read.error();
  return file;
}

}  // namespace hone::model::trees::onnx_file
