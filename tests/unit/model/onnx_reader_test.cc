// What the ONNX-ML reader refuses, and how `auto` and a model folder pick an .onnx file.
#include "model/trees/onnx_reader.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <fstream>

#include "model/backend_factory.h"
#include "model/model_config.h"
#include "model/trees/trees_backend.h"
#include "support/fixture_files.h"
#include "support/temp_dir.h"

namespace hone::model {
namespace {

const std::string kFixtures = std::string(HONE_SOURCE_DIR) + "/tests/fixtures/onnx/";

onnx::ModelProto fixture_model(const std::string& name) {
  onnx::ModelProto model;
  EXPECT_TRUE(model.ParseFromString(test::read_whole_file(kFixtures + name + "/model.onnx")));
  return model;
}

std::string refusal(const onnx::ModelProto& model) {
  auto forest = read_forest(model.SerializeAsString(), "m.onnx");
  return forest ? "" : forest.error().message;
}

onnx::AttributeProto* attribute(onnx::ModelProto& model, const std::string& name) {
  for (auto& a : *model.mutable_graph()->mutable_node(0)->mutable_attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

TEST(OnnxReader, NamesTheInputOutputAndLabels) {
  auto backend = load_trees_backend(kFixtures + "rf_classifier/model.onnx");
  ASSERT_TRUE(backend) << backend.error().message;
  const BackendInfo& info = (*backend)->info();
  EXPECT_EQ(info.input_name, "input");
  EXPECT_EQ(info.output_name, "probabilities");
  EXPECT_EQ(info.class_labels, (std::vector<std::string>{"low", "mid", "high"}));
  EXPECT_FALSE(info.integer_labels);
  EXPECT_EQ(info.num_features, 6U);
  auto binary = load_trees_backend(kFixtures + "gbc_binary/model.onnx");
  ASSERT_TRUE(binary);
  EXPECT_EQ((*binary)->info().num_outputs, 2U);
  EXPECT_TRUE((*binary)->info().integer_labels);
}

TEST(OnnxReader, RefusesAnyOtherNodeNamingIt) {
  auto model = fixture_model("gbr");
  auto* node = model.mutable_graph()->add_node();
  node->set_op_type("Add");
  node->set_name("offset");
  EXPECT_NE(refusal(model).find("node 'offset' (Add) is not a tree ensemble"), std::string::npos)
      << refusal(model);
  // ZipMap and Identity after the ensemble are read past.
  auto zipped = fixture_model("rf_classifier");
  auto* zip = zipped.mutable_graph()->add_node();
  zip->set_op_type("ZipMap");
  zip->set_domain("ai.onnx.ml");
  zip->add_input("probabilities");
  EXPECT_EQ(refusal(zipped), "");
  auto renamed = fixture_model("gbr");
  auto* identity = renamed.mutable_graph()->add_node();
  identity->set_op_type("Identity");
  identity->add_input("variable");
  EXPECT_EQ(refusal(renamed), "");
  // Two ensembles: hone reads one.
  auto twice = fixture_model("gbr");
  *twice.mutable_graph()->add_node() = twice.graph().node(0);
  EXPECT_NE(refusal(twice).find("two tree ensembles"), std::string::npos) << refusal(twice);
}

TEST(OnnxReader, RefusesDamageWithItsReason) {
  const auto expect = [](onnx::ModelProto model, const std::string& why) {
    EXPECT_NE(refusal(model).find(why), std::string::npos) << why << ": " << refusal(model);
  };
  {
    auto model = fixture_model("gbr");
    model.mutable_graph()->mutable_node(0)->set_op_type("TreeEnsemble");
    expect(model, "needs ai.onnx.ml opset 5");
  }
  {
    auto model = fixture_model("gbr");
    for (auto& opset : *model.mutable_opset_import()) {
      if (opset.domain() == "ai.onnx.ml") opset.set_version(6);
    }
    expect(model, "ai.onnx.ml opset 6 is newer than hone reads");
  }
  {
    auto model = fixture_model("rf_classifier");
    for (auto& opset : *model.mutable_opset_import()) {
      if (opset.domain() == "ai.onnx.ml") opset.set_version(5);
    }
    expect(model, "TreeEnsembleClassifier is gone from ai.onnx.ml opset 5");
  }
  {
    auto model = fixture_model("gbr");
    model.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(
        onnx::TensorProto::INT64);
    expect(model, "hone reads float or double inputs");
  }
  {
    auto model = fixture_model("gbr");
    attribute(model, "nodes_falsenodeids")->set_ints(0, 999);
    expect(model, "a node's child is not in its tree");
  }
  {
    auto model = fixture_model("gbr");
    attribute(model, "target_nodeids")->set_ints(0, 0);  // node 0 is the root, a split
    expect(model, "a weight on a node that is not a leaf");
  }
  {
    auto model = fixture_model("gbr");
    attribute(model, "nodes_modes")->set_strings(0, "BRANCH_SOMETIMES");
    expect(model, "unknown node mode 'BRANCH_SOMETIMES'");
  }
  {
    auto model = fixture_model("gbr");
    attribute(model, "nodes_featureids")->mutable_ints()->RemoveLast();
    expect(model, "the nodes_* attributes have different lengths");
  }
  {
    auto model = fixture_model("gbr");
    // Both branches of the root lead to the same node.
    attribute(model, "nodes_truenodeids")
        ->set_ints(0, attribute(model, "nodes_falsenodeids")->ints(0));
    expect(model, "a tree has 2 roots");
  }
  {
    auto model = fixture_model("gbr");
    attribute(model, "target_ids")->set_ints(0, 3);
    expect(model, "a weight names output 3 of 1");
  }
  {
    auto model = fixture_model("gbr");
    attribute(model, "aggregate_function")->set_s("MEDIAN");
    expect(model, "unknown aggregate_function 'MEDIAN'");
  }
  {
    auto model = fixture_model("rf_average");
    attribute(model, "n_targets")->set_i(1);
    expect(model, "a weight names output 1 of 1");
  }
  {
    auto model = fixture_model("gbc_binary");
    attribute(model, "post_transform")->set_s("NONE");
    expect(model, "does not give probabilities");
  }
  {
    auto model = fixture_model("v5_member");
    attribute(model, "membership_values")->mutable_t()->set_double_data(0, 1.5);
    expect(model, "not a 32-bit integer");
  }
  EXPECT_NE(refusal(onnx::ModelProto()), "");
  auto truncated =
      read_forest(test::read_whole_file(kFixtures + "gbr/model.onnx").substr(0, 300), "m.onnx");
  EXPECT_FALSE(truncated);
}

// BRANCH_NEQ sends a missing value to the true branch whatever missing_value_tracks_true says
// (NaN != t), the other modes to the false one unless it says true.
TEST(OnnxReader, MissingValuesAtEachMode) {
  for (const std::string mode : {"BRANCH_NEQ", "BRANCH_LEQ", "BRANCH_GT", "BRANCH_EQ"}) {
    for (const int tracks_true : {0, 1}) {
      auto model = fixture_model("gbr");
      auto* modes = attribute(model, "nodes_modes");
      auto* missing = model.mutable_graph()->mutable_node(0)->add_attribute();
      missing->set_name("nodes_missing_value_tracks_true");
      missing->set_type(onnx::AttributeProto::INTS);
      for (int i = 0; i < modes->strings_size(); ++i) {
        if (modes->strings(i) != "LEAF") modes->set_strings(i, mode);
        missing->add_ints(tracks_true);
      }
      const bool goes_true = mode == "BRANCH_NEQ" || tracks_true == 1;
      // Expected: follow that branch from each tree's node 0 to its leaf, sum the weights.
      const auto& tree_ids = attribute(model, "nodes_treeids")->ints();
      const auto& node_ids = attribute(model, "nodes_nodeids")->ints();
      const auto& next =
          attribute(model, goes_true ? "nodes_truenodeids" : "nodes_falsenodeids")->ints();
      const auto* w = attribute(model, "target_weights");
      double expected = attribute(model, "base_values")->floats(0);
      for (int i = 0; i < tree_ids.size(); ++i) {
        if (node_ids[i] != 0) continue;
        int at = i;
        while (modes->strings(at) != "LEAF") {
          for (int j = 0; j < tree_ids.size(); ++j) {
            if (tree_ids[j] == tree_ids[at] && node_ids[j] == next[at]) {
              at = j;
              break;
            }
          }
        }
        for (int k = 0; k < w->floats_size(); ++k) {
          if (attribute(model, "target_treeids")->ints(k) == tree_ids[at] &&
              attribute(model, "target_nodeids")->ints(k) == node_ids[at])
            expected += w->floats(k);
        }
      }
      auto forest = read_forest(model.SerializeAsString(), "m.onnx");
      ASSERT_TRUE(forest) << forest.error().message;
      const std::vector<float> row(6, std::nanf(""));
      float out = 0;
      forest->predict(row, 1, {&out, 1});
      EXPECT_NEAR(out, expected, 1e-4) << mode << " tracks_true=" << tracks_true;
    }
  }
}

// A leaf may give values to every output; each such tree is laid out once per output, so a small
// file could ask for billions of nodes: refused past 64 times the file's nodes (and 2^22).
TEST(OnnxReader, BoundsTheTreesCopiedPerOutput) {
  auto model = fixture_model("gbr");
  attribute(model, "n_targets")->set_i(65536);
  auto* trees = attribute(model, "target_treeids");
  auto* nodes = attribute(model, "target_nodeids");
  auto* ids = attribute(model, "target_ids");
  auto* weights = attribute(model, "target_weights");
  const int leaves = trees->ints_size();
  int used = 0;  // the first leaf of 8 trees of 15 nodes: 8 x 15 x 65536 nodes
  for (int w = 0; w < leaves && used < 8; ++w) {
    if (w > 0 && trees->ints(w) == trees->ints(w - 1)) continue;
    ++used;
    for (int target = 1; target < 65536; ++target) {
      trees->add_ints(trees->ints(w));
      nodes->add_ints(nodes->ints(w));
      ids->add_ints(target);
      weights->add_floats(1);
    }
  }
  EXPECT_NE(refusal(model).find("too large to lay out"), std::string::npos) << refusal(model);
}

TEST(OnnxReader, AutoPicksTheNativeEngineAndAFolderServesModelOnnx) {
  test::TempDir dir;
  std::filesystem::create_directories(dir.path() / "forest");
  std::filesystem::copy_file(kFixtures + "rf_classifier/model.onnx",
                             dir.path() / "forest" / "model.onnx");
  EXPECT_EQ(default_artifact((dir.path() / "forest").string()),
            (dir.path() / "forest" / "model.onnx").string());
  std::string why;
  auto backend = create_backend("auto", (dir.path() / "forest" / "model.onnx").string(), {}, &why);
  ASSERT_TRUE(backend) << backend.error().message;
  EXPECT_EQ((*backend)->info().backend, "trees");
  // A broken .onnx file gets the native reason, not libxgboost's.
  auto model = fixture_model("gbr");
  model.mutable_graph()->mutable_node(0)->set_op_type("Gemm");
  model.mutable_graph()->mutable_node(0)->set_domain("");
  std::ofstream(dir.path() / "broken.onnx", std::ios::binary) << model.SerializeAsString();
  auto broken = create_backend("auto", (dir.path() / "broken.onnx").string(), {}, nullptr);
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message.find("node Gemm is not a tree ensemble"), std::string::npos)
      << broken.error().message;
}

}  // namespace
}  // namespace hone::model
