"""Memory of idle keep-alive connections in a server: starts the server, opens COUNT connections,
each sends one request (GET PATH) and reads its answer, then all stay open and idle; prints the
server's resident memory (kB) before the connections and with them, and the bytes per
connection. Usage: idle_connections.py PORT PATH COUNT -- COMMAND..."""
import resource
import select
import socket
import subprocess
import sys
import time

port, path, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
command = sys.argv[sys.argv.index("--") + 1:]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if hard < count + 100:
    sys.exit(f"open-file limit {hard} is below {count + 100}: raise it (ulimit -Hn)")
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # for this script and the server


def rss_kb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


request = f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode()
process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
try:
    process.stdout.readline()  # "listening on ..."
    deadline = time.monotonic() + 30
    while True:  # up and answering
        try:
            probe = socket.create_connection(("127.0.0.1", port), timeout=2)
            probe.sendall(request)
            if probe.recv(4096).startswith(b"HTTP/1.1 200"):
                probe.close()
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            sys.exit("server did not answer within 30 s")
        time.sleep(0.05)
    time.sleep(1.0)
    before = rss_kb(process.pid)
    sockets = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(request)
        sockets.append(s)
    # Every connection has its answer before memory is read.
    waiting = {s.fileno(): s for s in sockets}
    got = {fd: b"" for fd in waiting}
    deadline = time.monotonic() + 60
    poller = select.poll()
    for fd in waiting:
        poller.register(fd, select.POLLIN)
    while waiting and time.monotonic() < deadline:
        for fd, _ in poller.poll(1000):
            got[fd] += waiting[fd].recv(4096)
            if b"\r\n\r\n" in got[fd]:
                poller.unregister(fd)
                del waiting[fd]
    if waiting:
        sys.exit(f"{len(waiting)} of {count} connections had no answer within 60 s")
    time.sleep(1.0)
    after = rss_kb(process.pid)
    print(f"{before} {after} {(after - before) * 1024 / count:.0f}")
    for s in sockets:
        s.close()
finally:
    process.terminate()
    process.wait()
