"""Publish events on the local Zou's message queue exactly as Zou's API does (`publisher_store.publish`:
Flask-SocketIO over Redis, namespace /events), so the real event server fans them out. Tests and
benchmarks use it for floods and for payloads Zou itself would never send (garbage, unknown names).
Run with Zou's venv and the server's env; reads a JSON list of [name, payload] on stdin.
"""

import json
import sys

from flask_socketio import SocketIO
from zou.app import config
from zou.app.utils.redis import get_redis_url

socketio = SocketIO(message_queue=get_redis_url(config.KV_EVENTS_DB_INDEX))
for name, payload in json.load(sys.stdin):
    socketio.emit(name, payload, namespace="/events")
