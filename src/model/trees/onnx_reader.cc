#include "model/trees/onnx_reader.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

namespace hone::model::trees {
namespace {

constexpr std::string_view kMlDomain = "ai.onnx.ml";
constexpr std::int64_t kNewestMlOpset = 5;

// A comparison with a double threshold as "x >= T" on float x: the least float T with
// (x >= T) == (x >= t) for every float x that is not NaN ...
float at_least(double t) {
  if (std::isnan(t)) return std::numeric_limits<float>::quiet_NaN();  // never
  if (t > std::numeric_limits<float>::max()) return std::numeric_limits<float>::infinity();
  if (t < std::numeric_limits<float>::lowest()) return -std::numeric_limits<float>::infinity();
  auto f = static_cast<float>(t);
  if (static_cast<double>(f) < t) f = std::nextafter(f, std::numeric_limits<float>::infinity());
  return f;
}

// ... and the one with (x >= T) == (x > t).
float above(double t) {
  if (std::isnan(t) || t == std::numeric_limits<double>::infinity())
    return std::numeric_limits<float>::quiet_NaN();  // never
  float f = at_least(t);
  if (static_cast<double>(f) == t) f = std::nextafter(f, std::numeric_limits<float>::infinity());
  return f;
}

enum class Mode { kLeq, kLt, kGte, kGt, kEq, kNeq, kMember, kLeaf };

std::optional<Mode> mode_named(const std::string& name) {
  static const std::map<std::string, Mode, std::less<>> kModes = {
      {"BRANCH_LEQ", Mode::kLeq}, {"BRANCH_LT", Mode::kLt}, {"BRANCH_GTE", Mode::kGte},
      {"BRANCH_GT", Mode::kGt},   {"BRANCH_EQ", Mode::kEq}, {"BRANCH_NEQ", Mode::kNeq},
      {"LEAF", Mode::kLeaf}};
  const auto found = kModes.find(name);
  if (found == kModes.end()) return std::nullopt;
  return found->second;
}

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

// How the ensemble's outputs are made, apart from its trees.
struct Outputs {
  std::size_t count = 1;  // targets or classes
  Aggregate aggregate = Aggregate::kSum;
  bool average = false;
  std::vector<double> base;
  std::string post = "NONE";
  bool classifier = false;
};

Result<Aggregate> aggregate_named(const std::string& name, bool* average,
                                  const std::string& where) {
  *average = name == "AVERAGE";
  if (name == "SUM" || name == "AVERAGE") return Aggregate::kSum;
  if (name == "MIN") return Aggregate::kMin;
  if (name == "MAX") return Aggregate::kMax;
  return fail(where + ": unknown aggregate_function '" + name + "'");
}

class Reader {
 public:
  explicit Reader(std::string name) : name_(std::move(name)) {}

  Result<Ensemble> read(const std::string& bytes);

 private:
  Status read_legacy(const onnx::NodeProto& node, const std::string& where);
  Status read_v5(const onnx::NodeProto& node, const std::string& where);
  Status add_tree(const FileTree& tree, const std::string& where);
  Status finish(const std::string& where);
  Error bad(const std::string& why) const { return fail(name_ + ": " + why); }

  std::string name_;
  Ensemble ensemble_;
  Outputs outputs_;
  std::vector<std::vector<float>> members_;  // the file's member sets
  std::size_t file_trees_ = 0;
  std::size_t file_nodes_ = 0;      // nodes the file's trees hold
  std::size_t laid_out_nodes_ = 0;  // nodes of the Trees made from them
  std::size_t max_feature_ = 0;
  bool any_feature_ = false;
  bool positive_weights_ = true;
  std::set<std::uint32_t> weight_targets_;
};

bool is_tree_op(const onnx::NodeProto& node) {
  return node.domain() == kMlDomain &&
         (node.op_type() == "TreeEnsembleRegressor" || node.op_type() == "TreeEnsembleClassifier" ||
          node.op_type() == "TreeEnsemble");
}

std::string node_label(const onnx::NodeProto& node) {
  std::string label = node.op_type();
  if (!node.domain().empty()) label = node.domain() + "." + label;
  if (!node.name().empty()) label = "'" + node.name() + "' (" + label + ")";
  return label;
}

Result<Ensemble> Reader::read(const std::string& bytes) {
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes)) return bad("not a readable ONNX model (protobuf)");
  if (!model.has_graph()) return bad("the ONNX model has no graph");
  std::int64_t ml_opset = 0;
  for (const auto& opset : model.opset_import()) {
    if (opset.domain() == kMlDomain) ml_opset = opset.version();
  }
  const onnx::GraphProto& graph = model.graph();
  const onnx::NodeProto* trees = nullptr;
  for (const auto& node : graph.node()) {
    if (is_tree_op(node)) {
      if (trees != nullptr) return bad("the graph holds two tree ensembles; hone reads one");
      trees = &node;
    } else if (!(node.op_type() == "ZipMap" && node.domain() == kMlDomain) &&
               !(node.op_type() == "Identity" && node.domain().empty())) {
      return bad("node " + node_label(node) +
                 " is not a tree ensemble: hone runs graphs of one ai.onnx.ml tree ensemble "
                 "(ZipMap and Identity after it aside)");
    }
  }
  if (trees == nullptr) return bad("the graph holds no ai.onnx.ml tree ensemble");
  if (ml_opset < 1) return bad("the model imports no ai.onnx.ml opset");
  if (ml_opset > kNewestMlOpset) {
    return bad("ai.onnx.ml opset " + std::to_string(ml_opset) + " is newer than hone reads (" +
               std::to_string(kNewestMlOpset) + ")");
  }
  const std::string where = name_ + ": " + node_label(*trees);
  const bool v5 = trees->op_type() == "TreeEnsemble";
  if (v5 && ml_opset < 5) return bad("TreeEnsemble needs ai.onnx.ml opset 5");
  if (!v5 && ml_opset >= 5) return bad(trees->op_type() + " is gone from ai.onnx.ml opset 5");
  if (trees->input_size() != 1) return fail(where + ": expected one input");

  // The graph's input: [N, F] floats or doubles.
  const onnx::ValueInfoProto* input = nullptr;
  for (const auto& value : graph.input()) {
    if (value.name() == trees->input(0)) input = &value;
  }
  if (input == nullptr) return fail(where + ": its input is not the graph's input");
  ensemble_.input_name = input->name();
  std::int64_t declared_features = 0;
  if (input->type().has_tensor_type()) {
    const auto& tensor = input->type().tensor_type();
    if (tensor.elem_type() != onnx::TensorProto::FLOAT &&
        tensor.elem_type() != onnx::TensorProto::DOUBLE) {
      return fail(where + ": hone reads float or double inputs");
    }
    if (tensor.elem_type() == onnx::TensorProto::DOUBLE) ensemble_.wide = true;
    if (tensor.has_shape()) {
      if (tensor.shape().dim_size() != 2)
        return fail(where + ": the input is not [rows, features]");
      if (tensor.shape().dim(1).has_dim_value())
        declared_features = tensor.shape().dim(1).dim_value();
    }
  }
  if (Status read = v5 ? read_v5(*trees, where) : read_legacy(*trees, where); !read)
    return read.error();
  if (declared_features > 0) {
    if (any_feature_ && max_feature_ >= static_cast<std::size_t>(declared_features))
      return fail(where + ": a split reads feature " + std::to_string(max_feature_) + " of a " +
                  std::to_string(declared_features) + "-feature input");
    ensemble_.num_features = static_cast<std::size_t>(declared_features);
  } else {
    ensemble_.num_features = any_feature_ ? max_feature_ + 1 : 1;
  }
  ensemble_.objective = trees->op_type() + " (" + outputs_.post + ")";
  const int output = outputs_.classifier ? 1 : 0;
  if (trees->output_size() > output) ensemble_.output_name = trees->output(output);
  if (Status done = finish(where); !done) return done.error();
  return std::move(ensemble_);
}

Status Reader::read_legacy(const onnx::NodeProto& node, const std::string& where) {
  const Attributes a(node, where);
  outputs_.classifier = node.op_type() == "TreeEnsembleClassifier";
  const std::string weights = outputs_.classifier ? "class" : "target";
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
  if (wide) ensemble_.wide = true;
  const std::size_t n = tree_ids->size();
  if (n == 0) return fail(where + ": no nodes");
  if (node_ids->size() != n || features->size() != n || modes->size() != n || trues->size() != n ||
      falses->size() != n || values->size() != n || (!missing->empty() && missing->size() != n)) {
    return fail(where + ": the nodes_* attributes have different lengths");
  }
  const std::size_t w = w_trees->size();
  if (w_nodes->size() != w || w_ids->size() != w || w_values->size() != w)
    return fail(where + ": the " + weights + "_* attributes have different lengths");
  outputs_.base = std::move(*base);
  outputs_.post = *post;
  if (outputs_.classifier) {
    auto strings = a.texts("classlabels_strings");
    auto ints = a.ints("classlabels_int64s", false);
    if (!strings) return strings.error();
    if (!ints) return ints.error();
    if (strings->empty() == ints->empty())
      return fail(where + ": needs exactly one of classlabels_strings and classlabels_int64s");
    ensemble_.integer_labels = !ints->empty();
    if (ensemble_.integer_labels) {
      for (const auto label : *ints) ensemble_.class_labels.push_back(std::to_string(label));
    } else {
      ensemble_.class_labels = std::move(*strings);
    }
    outputs_.count = ensemble_.class_labels.size();
    if (outputs_.count < 2) return fail(where + ": a classifier needs two classes or more");
  } else {
    auto targets = a.integer("n_targets", 1);
    auto aggregate = a.text("aggregate_function", "SUM");
    if (!targets) return targets.error();
    if (!aggregate) return aggregate.error();
    if (*targets < 1 || *targets > 65536) return fail(where + ": bad n_targets");
    outputs_.count = static_cast<std::size_t>(*targets);
    auto kind = aggregate_named(*aggregate, &outputs_.average, where);
    if (!kind) return kind.error();
    outputs_.aggregate = *kind;
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
    if ((*w_ids)[i] < 0 || static_cast<std::size_t>((*w_ids)[i]) >= outputs_.count)
      return fail(where + ": a weight names output " + std::to_string((*w_ids)[i]) + " of " +
                  std::to_string(outputs_.count));
    leaf.weights.emplace_back(static_cast<std::uint32_t>((*w_ids)[i]), (*w_values)[i]);
  }
  for (const FileTree& tree : trees) {
    if (Status added = add_tree(tree, where); !added) return added;
  }
  return {};
}

Status Reader::read_v5(const onnx::NodeProto& node, const std::string& where) {
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
  if (wide) ensemble_.wide = true;
  const std::size_t n = features->size();
  if (splits->size() != n || modes->size() != n || trues->size() != n || true_leafs->size() != n ||
      falses->size() != n || false_leafs->size() != n ||
      (!missing->empty() && missing->size() != n))
    return fail(where + ": the nodes_* attributes have different lengths");
  if (leaf_targets->size() != leaf_weights->size())
    return fail(where + ": the leaf_* attributes have different lengths");
  if (*targets < 1 || *targets > 65536) return fail(where + ": bad n_targets");
  outputs_.count = static_cast<std::size_t>(*targets);
  static const char* const kAggregates[] = {"AVERAGE", "SUM", "MIN", "MAX"};
  static const char* const kPosts[] = {"NONE", "SOFTMAX", "LOGISTIC", "SOFTMAX_ZERO", "PROBIT"};
  if (*aggregate < 0 || *aggregate > 3) return fail(where + ": unknown aggregate_function");
  if (*post < 0 || *post > 4) return fail(where + ": unknown post_transform");
  auto kind = aggregate_named(kAggregates[*aggregate], &outputs_.average, where);
  if (!kind) return kind.error();
  outputs_.aggregate = *kind;
  outputs_.post = kPosts[*post];

  // Member sets, in the order BRANCH_MEMBER nodes appear, separated by NaN.
  std::vector<float> set;
  for (const double value : *members) {
    if (std::isnan(value)) {
      members_.push_back(std::move(set));
      set.clear();
      continue;
    }
    if (value != std::trunc(value) || value < -2147483648.0 || value > 2147483647.0)
      return fail(where + ": a member value is not a 32-bit integer (as ONNX Runtime requires)");
    set.push_back(static_cast<float>(value));
  }
  if (!set.empty()) members_.push_back(std::move(set));
  std::size_t next_set = 0;
  std::vector<std::int64_t> set_of(n, -1);
  for (std::size_t i = 0; i < n; ++i) {
    if ((*modes)[i] == 6) {
      if (next_set >= members_.size()) return fail(where + ": a member node has no member set");
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
        if (target < 0 || static_cast<std::size_t>(target) >= outputs_.count)
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
    if (Status added = add_tree(tree, where); !added) return added;
  }
  return {};
}

// Adds one tree of the file as one Tree per output it gives values to.
Status Reader::add_tree(const FileTree& tree, const std::string& where) {
  ++file_trees_;
  std::set<std::uint32_t> targets;
  for (const Split& node : tree) {
    if (node.mode != Mode::kLeaf) {
      max_feature_ = std::max<std::size_t>(max_feature_, node.feature);
      any_feature_ = true;
    }
    for (const auto& [target, weight] : node.weights) {
      targets.insert(target);
      weight_targets_.insert(target);
      if (weight < 0) positive_weights_ = false;
    }
  }
  // Number the nodes from the root (the one no node points at), breadth first.
  std::vector<bool> pointed(tree.size(), false);
  for (const Split& node : tree) {
    if (node.mode == Mode::kLeaf) continue;
    pointed[static_cast<std::size_t>(node.if_true)] = true;
    pointed[static_cast<std::size_t>(node.if_false)] = true;
  }
  const auto roots = static_cast<std::size_t>(std::count(pointed.begin(), pointed.end(), false));
  if (roots != 1) return fail(where + ": a tree has " + std::to_string(roots) + " roots");
  const auto root =
      static_cast<std::size_t>(std::find(pointed.begin(), pointed.end(), false) - pointed.begin());
  std::vector<std::int64_t> renumbered(tree.size(), -1);
  std::vector<std::size_t> order{root};
  renumbered[root] = 0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const Split& node = tree[order[k]];
    if (node.mode == Mode::kLeaf) continue;
    for (const std::int64_t child : {node.if_true, node.if_false}) {
      auto& number = renumbered[static_cast<std::size_t>(child)];
      if (number >= 0) return fail(where + ": a node is reached twice (the trees are not trees)");
      number = static_cast<std::int64_t>(order.size());
      order.push_back(static_cast<std::size_t>(child));
    }
  }
  // One copy of the tree per output it gives values to: bound what a small file can make.
  file_nodes_ += order.size();
  laid_out_nodes_ += order.size() * targets.size();
  if (laid_out_nodes_ > std::max<std::size_t>(64 * file_nodes_, std::size_t{1} << 22)) {
    return fail(where + ": trees whose leaves give values to " + std::to_string(targets.size()) +
                " outputs each are too large to lay out");
  }
  const double absent =
      outputs_.aggregate == Aggregate::kSum ? 0.0 : std::numeric_limits<double>::quiet_NaN();
  // Each leaf's weights by target, summed, sorted: looked up once per target below.
  std::vector<std::vector<std::pair<std::uint32_t, double>>> sums(tree.size());
  for (std::size_t i = 0; i < tree.size(); ++i) {
    auto weights = tree[i].weights;
    std::stable_sort(weights.begin(), weights.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [target, weight] : weights) {
      if (!sums[i].empty() && sums[i].back().first == target) {
        sums[i].back().second += weight;
      } else {
        sums[i].emplace_back(target, weight);
      }
    }
  }
  for (const std::uint32_t target : targets) {
    Tree out;
    out.group = target;
    out.nodes.resize(order.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
      const Split& from = tree[order[i]];
      TreeNode& node = out.nodes[i];
      if (from.mode == Mode::kLeaf) {
        const auto& leaf = sums[order[i]];
        const auto found = std::lower_bound(
            leaf.begin(), leaf.end(), target,
            [](const auto& entry, std::uint32_t wanted) { return entry.first < wanted; });
        node.value = found != leaf.end() && found->first == target ? found->second : absent;
        continue;
      }
      node.feature = from.feature;
      // true/false children as left/right, the split as "right when x >= threshold" (or an
      // equality or membership test that sends a match left), and where NaN goes.
      bool true_right = false;
      bool nan_true = from.missing_true;
      const double t = from.threshold;
      switch (from.mode) {
        case Mode::kLeq:  // true when x <= t: right (false) when x > t
          node.threshold = std::isnan(t) ? -std::numeric_limits<float>::infinity() : above(t);
          break;
        case Mode::kLt:  // true when x < t: right (false) when x >= t
          node.threshold = std::isnan(t) ? -std::numeric_limits<float>::infinity() : at_least(t);
          break;
        case Mode::kGte:
          node.threshold = at_least(t);
          true_right = true;
          break;
        case Mode::kGt:
          node.threshold = above(t);
          true_right = true;
          break;
        case Mode::kEq:
        case Mode::kNeq: {
          node.equal = true;
          const auto f = static_cast<float>(t);
          node.threshold =
              static_cast<double>(f) == t ? f : std::numeric_limits<float>::quiet_NaN();
          if (from.mode == Mode::kNeq) {
            true_right = true;  // not equal: the true branch
            nan_true = true;    // NaN != t
          }
          break;
        }
        case Mode::kMember:
          if (from.members < 0) return fail(where + ": a member node has no member set");
          node.members = static_cast<std::int32_t>(ensemble_.member_sets.size());
          ensemble_.member_sets.push_back(members_[static_cast<std::size_t>(from.members)]);
          break;
        case Mode::kLeaf:
          break;
      }
      const auto if_true = renumbered[static_cast<std::size_t>(from.if_true)];
      const auto if_false = renumbered[static_cast<std::size_t>(from.if_false)];
      node.left = static_cast<std::int32_t>(true_right ? if_false : if_true);
      node.right = static_cast<std::int32_t>(true_right ? if_true : if_false);
      node.default_left = nan_true != true_right;
    }
    ensemble_.trees.push_back(std::move(out));
  }
  return {};
}

// The aggregation, base values and post transform, as ONNX Runtime applies them.
Status Reader::finish(const std::string& where) {
  if (ensemble_.trees.empty()) return fail(where + ": no tree gives any output a value");
  const std::string& post = outputs_.post;
  static const std::map<std::string, Transform, std::less<>> kTransforms = {
      {"NONE", Transform::kIdentity},
      {"LOGISTIC", Transform::kLogistic},
      {"SOFTMAX", Transform::kSoftprob},
      {"SOFTMAX_ZERO", Transform::kSoftmaxZero},
      {"PROBIT", Transform::kProbit}};
  const auto transform = kTransforms.find(post);
  if (transform == kTransforms.end())
    return fail(where + ": unknown post_transform '" + post + "'");
  ensemble_.aggregate = outputs_.aggregate;
  if (outputs_.average) ensemble_.average_over = static_cast<double>(file_trees_);
  const std::vector<double>& base = outputs_.base;
  const bool binary = outputs_.classifier && outputs_.count == 2 && weight_targets_.size() == 1 &&
                      *weight_targets_.begin() == 0 && base.size() <= 1;
  if (binary) {
    // One margin s for class 1 (ONNX Runtime's binary case): its weights are class 1's
    // probability when none is negative ([1 - s, s]), else a log-odds ([logistic(-s),
    // logistic(s)]), and ONNX Runtime's answer is a probability only with LOGISTIC.
    ensemble_.num_groups = 1;
    ensemble_.offsets = base;
    if (post == "PROBIT") return fail(where + ": a binary classifier with PROBIT is not read");
    if (positive_weights_) {
      ensemble_.transform = Transform::kBinaryShare;
    } else if (post == "LOGISTIC") {
      ensemble_.transform = Transform::kBinaryLogistic;
    } else {
      return fail(where + ": a binary classifier with negative weights and post_transform " + post +
                  " does not give probabilities; hone reads it with LOGISTIC");
    }
    return {};
  }
  ensemble_.num_groups = outputs_.count;
  if (!base.empty()) {
    if (base.size() > outputs_.count || (!outputs_.classifier && base.size() != outputs_.count)) {
      return fail(where + ": " + std::to_string(base.size()) + " base values for " +
                  std::to_string(outputs_.count) + " outputs");
    }
    ensemble_.offsets.assign(outputs_.count, 0.0);
    std::copy(base.begin(), base.end(), ensemble_.offsets.begin());
  }
  // ONNX Runtime applies only PROBIT to a single output.
  ensemble_.transform = transform->second;
  if (outputs_.count == 1 && transform->second != Transform::kProbit)
    ensemble_.transform = Transform::kIdentity;
  return {};
}

}  // namespace

bool looks_like_onnx(std::string_view bytes) {
  // ONNX writers emit field 1 (ir_version, a small varint) first, then another field's tag.
  if (bytes.size() < 3 || bytes[0] != '\x08') return false;
  const auto version = static_cast<unsigned char>(bytes[1]);
  const auto tag = static_cast<unsigned char>(bytes[2]);
  const unsigned wire = tag & 7U;
  return version >= 1 && version <= 32 && (tag >> 3U) >= 2 && (wire == 0 || wire == 2);
}

Result<Ensemble> read_onnx(const std::string& bytes, const std::string& name) {
  return Reader(name).read(bytes);
}

}  // namespace hone::model::trees
