"""The FastAPI + uvicorn peer for bench/serve_vs_peers.sh and the model API hone serve fronts in
the gateway tests and bench/gateway_vs_direct.sh: an XGBoost model behind a KServe v2 infer route
and a TF-Serving style predict route, plus the plain JSON API most teams write (POST /predict
with a pydantic body), written the way a Python team would (xgboost's inplace_predict, one
booster, one worker). GET /calls says how many predictions reached it; GET /info and
POST /predict/session (which sets a cookie) are there for gateways' tests.
Run: MODEL=path/model.json uvicorn fastapi_app:app --app-dir bench/peers
"""
import os
from typing import List, Optional

import numpy as np
import xgboost as xgb
from fastapi import FastAPI, Request, Response
from pydantic import BaseModel

MODEL_PATH = os.environ["MODEL"]
booster = xgb.Booster()
booster.load_model(MODEL_PATH)
booster.set_param({"nthread": 1})
app = FastAPI()
calls = {"calls": 0, "rows": 0}


def predict(rows):
    calls["calls"] += 1
    calls["rows"] += len(rows)
    return booster.inplace_predict(rows)


@app.get("/calls")
async def count_calls():
    return calls


@app.post("/v2/models/{name}/infer")
async def infer(name: str, request: Request):
    body = await request.json()
    tensor = body["inputs"][0]
    rows = np.asarray(tensor["data"], dtype=np.float32).reshape(tensor["shape"])
    predictions = predict(rows)
    return {
        "model_name": name,
        "outputs": [{"name": "prediction", "datatype": "FP32",
                     "shape": [len(predictions), 1], "data": predictions.tolist()}],
    }


@app.post("/v1/models/{name}:predict")
async def predict_v1(name: str, request: Request):
    body = await request.json()
    rows = np.asarray(body["instances"], dtype=np.float32)  # null -> NaN, a missing value
    return {"predictions": predict(rows).tolist()}


class Features(BaseModel):
    features: List[Optional[float]]  # null is a missing value


@app.post("/predict")
async def predict_json(item: Features, request: Request):
    rows = np.asarray([[np.nan if v is None else v for v in item.features]], dtype=np.float32)
    return {"prediction": float(predict(rows)[0]),
            "tenant": request.headers.get("x-tenant", ""),
            "query": str(request.query_params)}


@app.post("/predict/session")
async def predict_session(item: Features, response: Response):
    response.set_cookie("session", str(calls["calls"]))
    rows = np.asarray([[np.nan if v is None else v for v in item.features]], dtype=np.float32)
    return {"prediction": float(predict(rows)[0])}


@app.get("/info")
async def info(request: Request):
    return {"model": os.path.basename(MODEL_PATH), "method": request.method,
            "user_agent": request.headers.get("user-agent", "")}
