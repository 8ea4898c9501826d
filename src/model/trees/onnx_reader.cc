#include "model/trees/onnx_reader.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "model/trees/onnx_file.h"

namespace hone::model::trees {
namespace {

using onnx_file::FileTree;
using onnx_file::Mode;
using onnx_file::Split;

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
class Reader {
 public:
  explicit Reader(std::string name) : name_(std::move(name)) {}

  Result<Ensemble> read(const std::string& bytes);

 private:
  Status add_tree(const FileTree& tree, const std::string& where);
  Status finish(const std::string& where);
  Error bad(const std::string& why) const { return fail(name_ + ": " + why); }

  std::string name_;
  Ensemble ensemble_;
  onnx_file::FileModel file_;
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
  auto file = onnx_file::read_node(*trees, where);
  if (!file) return file.error();
  file_ = std::move(*file);
  if (file_.wide) ensemble_.wide = true;
  ensemble_.class_labels = file_.class_labels;
  ensemble_.integer_labels = file_.integer_labels;
  for (const onnx_file::FileTree& tree : file_.trees) {
    if (Status added = add_tree(tree, where); !added) return added.error();
  }
  if (declared_features > 0) {
    if (any_feature_ && max_feature_ >= static_cast<std::size_t>(declared_features))
      return fail(where + ": a split reads feature " + std::to_string(max_feature_) + " of a " +
                  std::to_string(declared_features) + "-feature input");
    ensemble_.num_features = static_cast<std::size_t>(declared_features);
  } else {
    ensemble_.num_features = any_feature_ ? max_feature_ + 1 : 1;
  }
  ensemble_.objective = trees->op_type() + " (" + file_.outputs.post + ")";
  const int output = file_.outputs.classifier ? 1 : 0;
  if (trees->output_size() > output) ensemble_.output_name = trees->output(output);
  if (Status done = finish(where); !done) return done.error();
  return std::move(ensemble_);
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
      file_.outputs.aggregate == Aggregate::kSum ? 0.0 : std::numeric_limits<double>::quiet_NaN();
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
          ensemble_.member_sets.push_back(
              file_.member_sets[static_cast<std::size_t>(from.members)]);
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
  const std::string& post = file_.outputs.post;
  static const std::map<std::string, Transform, std::less<>> kTransforms = {
      {"NONE", Transform::kIdentity},
      {"LOGISTIC", Transform::kLogistic},
      {"SOFTMAX", Transform::kSoftprob},
      {"SOFTMAX_ZERO", Transform::kSoftmaxZero},
      {"PROBIT", Transform::kProbit}};
  const auto transform = kTransforms.find(post);
  if (transform == kTransforms.end())
    return fail(where + ": unknown post_transform '" + post + "'");
  ensemble_.aggregate = file_.outputs.aggregate;
  if (file_.outputs.average) ensemble_.average_over = static_cast<double>(file_trees_);
  const std::vector<double>& base = file_.outputs.base;
  const bool binary = file_.outputs.classifier && file_.outputs.count == 2 &&
                      weight_targets_.size() == 1 && *weight_targets_.begin() == 0 &&
                      base.size() <= 1;
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
  ensemble_.num_groups = file_.outputs.count;
  if (!base.empty()) {
    if (base.size() > file_.outputs.count ||
        (!file_.outputs.classifier && base.size() != file_.outputs.count)) {
      return fail(where + ": " + std::to_string(base.size()) + " base values for " +
                  std::to_string(file_.outputs.count) + " outputs");
    }
    ensemble_.offsets.assign(file_.outputs.count, 0.0);
    std::copy(base.begin(), base.end(), ensemble_.offsets.begin());
  }
  // ONNX Runtime applies only PROBIT to a single output.
  ensemble_.transform = transform->second;
  if (file_.outputs.count == 1 && transform->second != Transform::kProbit)
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
