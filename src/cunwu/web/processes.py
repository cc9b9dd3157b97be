"""Several worker processes behind one port: gunicorn's pre-fork master with threads in each worker (`cunwu serve
--workers N`). The application (and jieba's dictionary) is loaded once in the master and shared by the forked
workers; each worker opens its own database connections.

What every process must agree on lives outside them: sessions, rate counters and sign-in throttles in the
database, the cache in the database's cache table (or Redis), background tasks in the task queue."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication


class Server(BaseApplication):
    def __init__(self, bind: str, workers: int, threads: int):
        self.options = {
            "bind": bind, "workers": workers, "threads": threads, "worker_class": "gthread",
            "preload_app": True, "timeout": 60, "graceful_timeout": 20, "keepalive": 5,
            # The client's address and scheme are taken from X-Forwarded-* by TrustedProxyMiddleware alone, from
            # the proxies CUNWU_TRUSTED_PROXIES lists.
            "secure_scheme_headers": {}, "forwarded_allow_ips": "", "control_socket_disable": True,
            "accesslog": None, "errorlog": "-", "loglevel": "warning", "proc_name": "cunwu",
        }
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from django.db import connections

        from cunwu.wsgi import application

        connections.close_all()  # nothing opened in the master is inherited by a worker
        return application
