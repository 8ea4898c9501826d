"""A small KServe v2 model server for hone's gateway tests (standard library only): model NAME
sums each row of WIDTH features (null counts as 0) and answers [rows, 1]. It counts what reaches
it, so tests can prove what hone sent upstream:
  GET  /calls                      -> {"calls": N, "rows": N, "batches": [rows of each call],
                                       "max_in_flight": most infer calls at once}
  POST /admin/ready?value=0|1      -> makes /v2/health/ready answer 503 or 200
  POST /admin/status?value=CODE    -> infer answers CODE (0 = normal answers)
  GET  /big?bytes=N                -> {"pad": "xxx..."}, an answer of about N bytes
Options: --port P --name NAME --width W --delay-ms D. Prints "listening P" once it accepts.
"""
import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

state = {"calls": 0, "rows": 0, "batches": [], "ready": True, "status": 0, "in_flight": 0,
         "max_in_flight": 0}
lock = threading.Lock()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--name", default="sum")
    parser.add_argument("--width", type=int, default=4)
    parser.add_argument("--delay-ms", type=float, default=0)
    args = parser.parse_args()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            path = urlparse(self.path).path
            if path == "/calls":
                with lock:
                    self.answer(200, {k: state[k] for k in
                                      ("calls", "rows", "batches", "max_in_flight")})
            elif path == "/big":  # an answer of about ?bytes=N bytes
                size = int(parse_qs(urlparse(self.path).query)["bytes"][0])
                self.answer(200, {"pad": "x" * size})
            elif path == "/v2/health/ready":
                self.answer(200 if state["ready"] else 503, {"ready": state["ready"]})
            elif path == "/v2/models/" + args.name:
                self.answer(200, {
                    "name": args.name, "platform": "python",
                    "inputs": [{"name": "x", "datatype": "FP32", "shape": [-1, args.width]}],
                    "outputs": [{"name": "y", "datatype": "FP32", "shape": [-1, 1]}]})
            else:
                self.answer(404, {"error": "no route " + path})

        def do_POST(self):
            url = urlparse(self.path)
            length = int(self.headers.get("Content-Length", 0))
            raw = self.rfile.read(length)
            if url.path.startswith("/admin/"):
                value = int(parse_qs(url.query)["value"][0])
                with lock:
                    state["ready" if url.path == "/admin/ready" else "status"] = \
                        bool(value) if url.path == "/admin/ready" else value
                self.answer(200, {"ok": True})
                return
            if url.path != "/v2/models/%s/infer" % args.name:
                self.answer(404, {"error": "unknown model path " + url.path})
                return
            try:
                tensor = json.loads(raw)["inputs"][0]
                rows, width = tensor["shape"]
                data = [0.0 if v is None else float(v) for v in tensor["data"]]
                if width != args.width or len(data) != rows * width:
                    raise ValueError("shape %s does not match %d values" % (tensor["shape"], len(data)))
            except (ValueError, KeyError, TypeError, IndexError) as error:
                self.answer(400, {"error": "bad request: %s" % error})
                return
            with lock:
                state["calls"] += 1
                state["rows"] += rows
                state["batches"].append(rows)
                state["in_flight"] += 1
                state["max_in_flight"] = max(state["max_in_flight"], state["in_flight"])
                forced = state["status"]
            if args.delay_ms:
                time.sleep(args.delay_ms / 1000)
            with lock:
                state["in_flight"] -= 1
            if forced:
                self.answer(forced, {"error": "forced failure %d" % forced})
                return
            sums = [sum(data[r * width:(r + 1) * width]) for r in range(rows)]
            self.answer(200, {"model_name": args.name, "outputs": [
                {"name": "y", "datatype": "FP32", "shape": [rows, 1], "data": sums}]})

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print("listening %d" % args.port, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
