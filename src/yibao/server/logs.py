"""Structured logs: one JSON object per line on standard error."""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any, Final

#: Attributes a log call may add with `extra=`; they are written as JSON fields.
FIELDS: Final = ("request_id", "method", "path", "status", "duration_ms", "client", "infno")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name,
            "message": record.getMessage()}
        for name in FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(level: str = "info") -> dict[str, Any]:
    """Install the JSON formatter on the root, yibao and uvicorn loggers; the dictConfig used
    (uvicorn's access log is replaced by the application's own request log)."""
    config: dict[str, Any] = {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json",
                                "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {"uvicorn": {"handlers": ["stderr"], "level": level.upper(),
                                "propagate": False},
                    "uvicorn.error": {"handlers": ["stderr"], "level": level.upper(),
                                      "propagate": False},
                    "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False}},
    }
    logging.config.dictConfig(config)
    return config
