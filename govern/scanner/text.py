"""Turning bytes from a file share into text: BOMs, UTF-16, legacy code pages, binaries."""

from __future__ import annotations

import codecs

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_TEXT_CONTROL = set(b"\t\n\r\f\b\x1b")


def looks_utf16(head: bytes) -> str | None:
    """UTF-16 without a BOM shows as every other byte being NUL in ASCII text."""
    if len(head) < 8:
        return None
    sample = head[:512]
    even_nul = sample[0::2].count(0)
    odd_nul = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nul > half * 0.7 and even_nul < half * 0.1:
        return "utf-16-le"
    if even_nul > half * 0.7 and odd_nul < half * 0.1:
        return "utf-16-be"
    return None


def is_binary(head: bytes) -> bool:
    """True for content that is not text in any encoding we decode."""
    if not head:
        return False
    if any(head.startswith(bom) for bom, _ in _BOMS) or looks_utf16(head):
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head[:4096] if b < 32 and b not in _TEXT_CONTROL)
    return controls > len(head[:4096]) * 0.1


def decode(data: bytes) -> tuple[str, str]:
    """Decode to text; returns (text, encoding). Never raises."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                break
    guessed = looks_utf16(data[:512])
    if guessed:
        return data.decode(guessed, errors="replace"), guessed
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:65536]).best()
        if best is not None and best.encoding:
            return data.decode(best.encoding, errors="replace"), best.encoding
    except (LookupError, ValueError):  # pragma: no cover - library edge cases
        pass
    return data.decode("cp1252", errors="replace"), "cp1252"
