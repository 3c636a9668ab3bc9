"""The agent's introspection endpoint: http://localhost:51678/v1/metadata."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def serve_metadata(port: int, metadata: dict) -> ThreadingHTTPServer:
    """Serve on loopback in a daemon thread; returns the server (its port when 0 was asked)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.rstrip("/") != "/v1/metadata":
                self.send_error(404)
                return
            body = json.dumps(metadata).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    return server
