"""Text files from bureau staff: UTF-8, or GBK as Excel on a Chinese Windows saves a CSV.

`decode_text` reads the bytes as UTF-8 (a leading byte-order mark dropped) and, when they are not
UTF-8, as GB18030 (the superset of GBK and GB2312); bytes that are neither give None, so the
caller can ask for the file to be saved as UTF-8.
"""

from __future__ import annotations

from typing import Final

#: (Python codec, the name shown to staff), tried in order.
ENCODINGS: Final = (("utf-8-sig", "UTF-8"), ("gb18030", "GBK"))


def decode_text(data: bytes) -> tuple[str, str] | None:
    """The text of `data` and the name of its encoding, or None when it is neither."""
    for codec, name in ENCODINGS:
        try:
            return data.decode(codec), name
        except UnicodeDecodeError:
            continue
    return None
