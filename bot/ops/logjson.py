"""BOT_LOG_FORMAT=json: every log line one JSON object, for log shippers.

    {"time": "2026-12-07T09:30:00.123+00:00", "level": "WARNING", "logger": "bot.feeds.poller",
     "message": "feed … failed", "exception": "Traceback …"}

`exception` (and `stack`) only when the record has one. The line is still masked: the
handler's MaskingFormatter (bot/redact.py) wraps this formatter and masks what it returns,
so a token in a message or a traceback never reaches the JSON either.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, str] = {
            # the log's own wall time (when it was written), not the core's clock
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False)
