"""What `make bench-web` reads from each answer (rootmap.web.bench_settings only).

X-Rootmap-Queries: the SQL statements the request ran, on every answer.
X-Rootmap-Peak-KiB: the request's peak Python allocation (tracemalloc), when the request
asks with `X-Rootmap-Measure-Memory: 1`. tracemalloc sees the whole process, so the
benchmark asks only while it sends one request at a time.
"""

from __future__ import annotations

import threading
import tracemalloc
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.http import HttpRequest, HttpResponse

_memory = threading.Lock()


class MeasureMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = [0]

        def counted(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
            count[0] += 1
            return execute(sql, params, many, context)

        if request.headers.get("X-Rootmap-Measure-Memory") == "1":
            with _memory:
                tracemalloc.start()
                try:
                    response = self._counted(request, counted)
                    peak = tracemalloc.get_traced_memory()[1]
                finally:
                    tracemalloc.stop()
            response["X-Rootmap-Peak-KiB"] = str(peak // 1024)
        else:
            response = self._counted(request, counted)
        response["X-Rootmap-Queries"] = str(count[0])
        return response

    def _counted(self, request: HttpRequest, counted: Callable[..., Any]) -> HttpResponse:
        with connections["default"].execute_wrapper(counted):
            return self.get_response(request)
