"""The FastAPI + uvicorn peer for bench/serve_vs_peers.sh: the same XGBoost model behind the same
KServe v2 infer route, written the way a Python team would (xgboost's inplace_predict, one
booster, one worker). Run: MODEL=path/model.json uvicorn fastapi_app:app --app-dir bench/peers
"""
import os

import numpy as np
import xgboost as xgb
from fastapi import FastAPI, Request

MODEL_PATH = os.environ["MODEL"]
booster = xgb.Booster()
booster.load_model(MODEL_PATH)
booster.set_param({"nthread": 1})
app = FastAPI()


@app.post("/v2/models/{name}/infer")
async def infer(name: str, request: Request):
    body = await request.json()
    tensor = body["inputs"][0]
    rows = np.asarray(tensor["data"], dtype=np.float32).reshape(tensor["shape"])
    predictions = booster.inplace_predict(rows)
    return {
        "model_name": name,
        "outputs": [{"name": "prediction", "datatype": "FP32",
                     "shape": [len(predictions), 1], "data": predictions.tolist()}],
    }
