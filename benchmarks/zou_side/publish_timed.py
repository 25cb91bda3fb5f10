"""Publish events on the bench Zou's message queue as Zou's API does (`publisher_store.publish`: Flask-SocketIO
over Redis, namespace /events), one batch per stdin line, and say when: the moment Zou emits, for the
live-update latency figures (benchmarks/live_probe.py). Run with Zou's venv and the server's env.

stdin: one JSON list of [name, payload] per line. stdout: one JSON line per batch,
{"t": wall-clock seconds just before the first emit, "t_end": after the last}.
"""

import json
import sys
import time

from flask_socketio import SocketIO
from zou.app import config
from zou.app.utils.redis import get_redis_url

socketio = SocketIO(message_queue=get_redis_url(config.KV_EVENTS_DB_INDEX))
socketio.emit("slate-bench:warm-up", {}, namespace="/events")  # the Redis connection is made now, not timed
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    batch = json.loads(line)
    t = time.time()
    for name, payload in batch:
        socketio.emit(name, payload, namespace="/events")
    print(json.dumps({"t": t, "t_end": time.time()}), flush=True)
