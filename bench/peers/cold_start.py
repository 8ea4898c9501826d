"""Cold start of a prediction server: time from exec to the first successful prediction, and
the idle resident memory once it is up; the median of five starts. The first request goes as
soon as the server prints its first line (hone serve: "listening on ..."), then again until 200.
Usage: cold_start.py PORT BODY_FILE PATH -- COMMAND..."""
import http.client
import subprocess
import sys
import time

port, body_file, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
command = sys.argv[sys.argv.index("--") + 1:]
body = open(body_file, "rb").read()


def one_start():
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        # hone serve prints its "listening" line once ready; asking before that only steals the
        # CPU the server is starting on (this machine has two cores).
        process.stdout.readline()
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("POST", path, body, {"Content-Type": "application/json"})
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.perf_counter() - start > 30:
                sys.exit("server did not answer within 30 s")
        first = time.perf_counter() - start
        time.sleep(1.0)  # idle, then read the resident set
        rss_kb = next(int(line.split()[1]) for line in open(f"/proc/{process.pid}/status")
                      if line.startswith("VmRSS:"))
        return first * 1000, rss_kb / 1024
    finally:
        process.terminate()
        process.wait()


runs = sorted(one_start() for _ in range(5))
first_ms, rss_mb = runs[len(runs) // 2]
print(f"{first_ms:.1f} {rss_mb:.1f}")
