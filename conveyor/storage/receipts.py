"""Receipt handles: opaque to clients, but they name the exact delivery they came from.

A handle packs (queue id, message key, delivery nonce). Every receive draws a new nonce, so a
handle from an earlier delivery no longer matches once the message was received again: it
cannot delete or hide a message someone else now holds.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import struct

from conveyor.errors import ReceiptHandleIsInvalid

_MAGIC = b"CVR1"
_LAYOUT = struct.Struct(">4sQQQ")


def new_nonce() -> int:
    return secrets.randbits(63)


def encode_receipt(queue_id: int, key: int, nonce: int) -> str:
    return base64.urlsafe_b64encode(_LAYOUT.pack(_MAGIC, queue_id, key, nonce)).decode("ascii")


def decode_receipt(handle: str, queue_id: int) -> tuple[int, int]:
    """Return (message key, nonce), or raise ReceiptHandleIsInvalid for anything not ours."""
    try:
        raw = base64.urlsafe_b64decode(handle.encode("ascii"))
        magic, owner, key, nonce = _LAYOUT.unpack(raw)
    except (UnicodeEncodeError, binascii.Error, struct.error, ValueError):
        raise invalid_receipt(handle) from None
    if magic != _MAGIC or owner != queue_id:
        raise invalid_receipt(handle)
    return key, nonce


def invalid_receipt(handle: str) -> ReceiptHandleIsInvalid:
    return ReceiptHandleIsInvalid(f'The input receipt handle "{handle}" is not a valid receipt handle.')
