"""Two loopback ports that answer a database client the way a broken network does, held until this process is killed.

- closed: a socket bound but not listening, so the port stays ours and every connection is refused at once (RST);
- dropped SYNs: a socket listening with a backlog of 0 whose accept queue is already full (one connection made here
  and never accepted); Linux then drops every further SYN, so a client's connect waits until its own timeout.
No root privilege or firewall rule is needed. Both behaviours are checked before the ports are reported.

Usage: unanswered_ports.py <state folder> -> writes <state folder>/unanswered-ports.json, then sleeps.
"""
import json
import os
import signal
import socket
import sys
import time

state_folder = sys.argv[1]
closed = socket.socket()
closed.bind(("127.0.0.1", 0))
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(0)
filler = socket.create_connection(listener.getsockname(), timeout=2)

probe = socket.socket()
probe.settimeout(0.5)
try:
    probe.connect(closed.getsockname())
    sys.exit("The closed port accepted a connection.")
except ConnectionRefusedError:
    pass
finally:
    probe.close()
probe = socket.socket()
probe.settimeout(0.5)
started = time.monotonic()
try:
    probe.connect(listener.getsockname())
    sys.exit("The dropped-SYN port accepted a connection.")
except TimeoutError:
    pass
finally:
    probe.close()

path = os.path.join(state_folder, "unanswered-ports.json")
with open(path + ".tmp", "w") as f:
    json.dump({"closedPort": closed.getsockname()[1], "droppedSynPort": listener.getsockname()[1],
               "verifiedTimeoutSeconds": round(time.monotonic() - started, 2)}, f)
os.replace(path + ".tmp", path)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
while True:
    time.sleep(3600)
