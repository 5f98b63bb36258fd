"""Template filters of people's names."""

import unicodedata

from django import template

register = template.Library()

_ZWJ = "\u200d"
_REGIONAL_INDICATORS = range(0x1F1E6, 0x1F200)
_EMOJI_MODIFIERS = range(0x1F3FB, 0x1F400)


def _joins(char: str) -> bool:
    """Whether `char` belongs to the character before it: a combining mark, a variation selector
    or an emoji skin-tone modifier."""
    return (unicodedata.category(char) in ("Mn", "Me", "Mc") or 0xFE00 <= ord(char) <= 0xFE0F
            or ord(char) in _EMOJI_MODIFIERS)  # fmt: skip


@register.filter
def initial(name) -> str:
    """The first character of `name` as a reader sees it, upper-cased: "é" with its accent, a flag
    (two regional indicators), an emoji with its skin tone or ZWJ sequence. slice:":1" cut "🇫🇷" to
    a lone "🇫" and put a combining accent at the start on its own (a dotted circle). Marks before
    the first letter are skipped."""
    text = str(name or "").strip()
    start = 0
    while start < len(text) and _joins(text[start]):
        start += 1
    if start >= len(text):
        return ""
    end = start + 1
    if ord(text[start]) in _REGIONAL_INDICATORS and end < len(text) and ord(text[end]) in _REGIONAL_INDICATORS:
        end += 1
    while end < len(text):
        if _joins(text[end]):
            end += 1
        elif text[end] == _ZWJ and end + 1 < len(text):
            end += 2
        else:
            break
    return unicodedata.normalize("NFC", text[start:end]).upper()
