"""Make text from data safe to show: terminal control codes and bidi overrides, escaped.

Data files may carry characters a terminal obeys instead of showing (ESC sequences that
set the window title or clear the screen, other C0 and C1 controls) and characters that
reorder the text around them (bidi embeddings, overrides, isolates and marks). Every
human-readable line the command line prints or writes goes through :func:`escape_terminal`;
JSON goes through :func:`escape_json`. Ordinary text -- any script, emoji -- is untouched.
"""

from __future__ import annotations

import re

__all__ = ["UNSAFE_CHARS", "escape_json", "escape_terminal", "unescape_terminal"]

#: A regex character class of everything escaped: C0 controls, DEL, C1 controls, the
#: Arabic letter mark, LRM/RLM, the line and paragraph separators, the bidi embeddings
#: and overrides (U+202A-U+202E), the bidi isolates and the deprecated format controls
#: (U+2066-U+206F), the interlinear annotation controls and lone surrogates (which
#: cannot be printed at all).
_ABOVE_ASCII = "\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u206f\ufff9-\ufffb\ud800-\udfff"
UNSAFE_CHARS = "\x00-\x1f" + _ABOVE_ASCII
_UNSAFE = f"[{UNSAFE_CHARS}]"
_UNSAFE_BUT_NEWLINE = f"[\x00-\x09\x0b-\x1f{_ABOVE_ASCII}]"
# A backslash is doubled only where it would otherwise read as the start of an escape:
# before a backslash, an escape letter, or a character that is itself escaped.
_TERMINAL = {
    True: re.compile(rf"\\(?=[\\xutrn]|{_UNSAFE_BUT_NEWLINE})|{_UNSAFE_BUT_NEWLINE}"),
    False: re.compile(rf"\\(?=[\\xutrn]|{_UNSAFE})|{_UNSAFE}"),
}
_SHORT = {"\t": "\\t", "\r": "\\r", "\n": "\\n", "\\": "\\\\"}
_UNESCAPE = re.compile(r"\\(\\|x[0-9a-f]{2}|u[0-9a-f]{4}|[trn])")
_LONG = {"\\": "\\", "t": "\t", "r": "\r", "n": "\n"}
_JSON = re.compile(f"[{_ABOVE_ASCII}]")


def _escape_char(m: re.Match[str]) -> str:
    ch = m.group()
    if ch in _SHORT:
        return _SHORT[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape_terminal(text: str, *, newlines: bool = True) -> str:
    r"""Return ``text`` with control, bidi and other unsafe characters shown as escapes.

    Controls become ``\t``, ``\r``, ``\n`` (unless ``newlines`` keeps line breaks),
    ``\xHH`` or ``\uHHHH``; a backslash is doubled where it would otherwise read as an
    escape, so :func:`unescape_terminal` gives the original text back.

    Examples
    --------
    >>> escape_terminal("Xankəndi \x1b]0;pwned\x07 \u202eevil")
    'Xankəndi \\x1b]0;pwned\\x07 \\u202eevil'
    >>> escape_terminal("Ստեփանակերտ 🚚\nline two")
    'Ստեփանակերտ 🚚\nline two'
    >>> escape_terminal("a\nb", newlines=False)
    'a\\nb'
    """
    pattern = _TERMINAL[newlines]
    if pattern.search(text) is None:
        return text
    return pattern.sub(_escape_char, text)


def unescape_terminal(text: str) -> str:
    r"""Invert :func:`escape_terminal`.

    Examples
    --------
    >>> unescape_terminal(escape_terminal("C:\\new \x1b[2J \u2066x\u2069"))
    'C:\\new \x1b[2J \u2066x\u2069'
    """

    def one(m: re.Match[str]) -> str:
        body = m.group(1)
        return _LONG[body] if body in _LONG else chr(int(body[1:], 16))

    return _UNESCAPE.sub(one, text)


def escape_json(text: str) -> str:
    r"""Escape, as ``\uXXXX``, what ``json.dumps(..., ensure_ascii=False)`` leaves raw.

    ``json.dumps`` escapes C0 controls but not DEL, C1 controls, bidi controls, line
    separators or lone surrogates. In JSON text these can only occur inside strings, so
    replacing them is lossless and the result is valid JSON with the same value.

    Examples
    --------
    >>> import json
    >>> escape_json(json.dumps(["Şərq\u202e\x85"], ensure_ascii=False))
    '["Şərq\\u202e\\u0085"]'
    """
    return _JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
