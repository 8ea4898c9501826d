#!/usr/bin/python3
"""Writes an XGBoost JSON model (numerical splits; reg:squarederror or binary:logistic) as an
ai.onnx.ml tree ensemble, the way onnxmltools converts one, so that bench/engines_predict.sh can
time the same model on hone, libxgboost and ONNX Runtime. XGBoost sends x left when x < threshold
(BRANCH_LT, left the true branch) and a missing value to default_left.
Usage: xgboost_to_onnx.py MODEL_JSON OUT_ONNX"""
import json
import math
import sys

from onnx import TensorProto, helper

source, target = sys.argv[1:3]
learner = json.load(open(source))["learner"]
objective = learner["objective"]["name"]
features = int(learner["learner_model_param"]["num_feature"])
base = float(learner["learner_model_param"]["base_score"])
if objective == "binary:logistic":
    base = math.log(base / (1 - base))  # the margin the probability base_score stands for
elif objective != "reg:squarederror":
    sys.exit(f"xgboost_to_onnx: objective {objective} is not converted")
nodes = {k: [] for k in ("treeids", "nodeids", "featureids", "modes", "values", "truenodeids",
                         "falsenodeids", "missing_value_tracks_true")}
weights = {k: [] for k in ("treeids", "nodeids", "ids", "weights")}
for t, tree in enumerate(learner["gradient_booster"]["model"]["trees"]):
    if any(kind != 0 for kind in tree["split_type"]):
        sys.exit("xgboost_to_onnx: categorical splits are not converted")
    for i, left in enumerate(tree["left_children"]):
        leaf = left == -1
        nodes["treeids"].append(t)
        nodes["nodeids"].append(i)
        nodes["featureids"].append(0 if leaf else tree["split_indices"][i])
        nodes["modes"].append("LEAF" if leaf else "BRANCH_LT")
        nodes["values"].append(0.0 if leaf else tree["split_conditions"][i])
        nodes["truenodeids"].append(0 if leaf else left)
        nodes["falsenodeids"].append(0 if leaf else tree["right_children"][i])
        nodes["missing_value_tracks_true"].append(0 if leaf else tree["default_left"][i])
        if leaf:
            weights["treeids"].append(t)
            weights["nodeids"].append(i)
            weights["ids"].append(0)
            weights["weights"].append(tree["split_conditions"][i])
attributes = {"nodes_" + k: v for k, v in nodes.items()}
if objective == "binary:logistic":
    attributes.update({"class_" + k: v for k, v in weights.items()})
    node = helper.make_node("TreeEnsembleClassifier", ["input"], ["label", "probabilities"],
                            domain="ai.onnx.ml", classlabels_int64s=[0, 1], base_values=[base],
                            post_transform="LOGISTIC", **attributes)
    outputs = [helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
               helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 2])]
else:
    attributes.update({"target_" + k: v for k, v in weights.items()})
    node = helper.make_node("TreeEnsembleRegressor", ["input"], ["variable"], domain="ai.onnx.ml",
                            n_targets=1, base_values=[base], **attributes)
    outputs = [helper.make_tensor_value_info("variable", TensorProto.FLOAT, [None, 1])]
graph = helper.make_graph([node], "xgboost", [helper.make_tensor_value_info(
    "input", TensorProto.FLOAT, [None, features])], outputs)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                helper.make_opsetid("ai.onnx.ml", 1)])
model.ir_version = 8
open(target, "wb").write(model.SerializeToString())
