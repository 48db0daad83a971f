"""Text from bureau staff is read as UTF-8 (a byte-order mark dropped), else as GBK (GB18030, as
Excel writes a CSV on a Chinese Windows); bytes that are neither give None."""

from __future__ import annotations

import pytest

from yibao.core.text import decode_text


@pytest.mark.parametrize(("data", "expected"), [
    ("code,name\nH1,邻水县人民医院\n".encode(), ("code,name\nH1,邻水县人民医院\n", "UTF-8")),
    ("\ufeffcode\n李四\n".encode(), ("code\n李四\n", "UTF-8")),
    ("code\n李四\n".encode("gbk"), ("code\n李四\n", "GBK")),
    ("𠮷".encode("gb18030"), ("𠮷", "GBK")),  # outside GBK, inside GB18030
    (b"ascii only\n", ("ascii only\n", "UTF-8")),
    (b"\xff\xfe\x80", None),
])
def test_decode_text(data: bytes, expected: tuple[str, str] | None) -> None:
    assert decode_text(data) == expected
