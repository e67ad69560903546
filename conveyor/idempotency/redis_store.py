"""An idempotency store in Redis, shared by any number of machines.

A record is a hash (status, token, result, expires_at). Each operation is one Lua script, so the
check and the write happen atomically on the server. ``expires_at`` is the caller's clock, compared
inside the script; the key also gets a Redis expiry (``PEXPIRE``) of the same length so that dead
records do not pile up.
"""

from __future__ import annotations

from typing import Any

from conveyor.idempotency.store import Record, Status

_CLAIM = """
local rec = redis.call('HMGET', KEYS[1], 'status', 'token', 'result', 'expires_at')
if rec[1] and tonumber(rec[4]) > tonumber(ARGV[2]) then
    return rec
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'status', 'in_progress', 'token', ARGV[1], 'expires_at', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return false
"""

# Every script below acts only on our own in-progress record: KEYS[1], ARGV[1] = token.
_OURS = """
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] or redis.call('HGET', KEYS[1], 'status') ~= 'in_progress' then
    return 0
end
"""

_COMPLETE = _OURS + """
redis.call('HSET', KEYS[1], 'status', 'completed', 'result', ARGV[2], 'expires_at', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
"""

_RENEW = _OURS + """
redis.call('HSET', KEYS[1], 'expires_at', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
"""

_RELEASE = _OURS + """
redis.call('DEL', KEYS[1])
return 1
"""


def _text(value: Any) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def _px(now: int, expires_at: int) -> int:
    return max(1, expires_at - now)


class RedisStore:
    """``client`` is a ``redis.Redis`` (``decode_responses`` either way); keys get ``prefix``."""

    def __init__(self, client: Any, *, prefix: str = "conveyor:idempotency:") -> None:
        self.client = client
        self.prefix = prefix
        self._claim = client.register_script(_CLAIM)
        self._complete = client.register_script(_COMPLETE)
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> RedisStore:
        import redis

        return cls(redis.Redis.from_url(url), **kwargs)

    @staticmethod
    def _record(fields: list[Any] | None) -> Record | None:
        if not fields or fields[0] is None:
            return None
        status, token, result, expires_at = (_text(field) for field in fields)
        return Record(Status(status), token or "", result, int(expires_at or 0))

    def claim(self, key: str, token: str, now: int, expires_at: int) -> Record | None:
        found = self._claim(keys=[self.prefix + key], args=[token, now, expires_at, _px(now, expires_at)])
        return self._record(found)

    def get(self, key: str, now: int) -> Record | None:
        record = self._record(self.client.hmget(self.prefix + key, "status", "token", "result", "expires_at"))
        return record if record is not None and record.expires_at > now else None

    def complete(self, key: str, token: str, result: str, now: int, expires_at: int) -> bool:
        return self._complete(keys=[self.prefix + key], args=[token, result, expires_at, _px(now, expires_at)]) == 1

    def renew(self, key: str, token: str, now: int, expires_at: int) -> bool:
        return self._renew(keys=[self.prefix + key], args=[token, expires_at, _px(now, expires_at)]) == 1

    def release(self, key: str, token: str) -> bool:
        return self._release(keys=[self.prefix + key], args=[token]) == 1
