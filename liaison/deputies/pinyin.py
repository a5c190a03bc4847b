"""Pinyin of Chinese names for sorting and for search by initials (张三丰 → zhangsanfeng, zsf)."""

from pypinyin import Style, lazy_pinyin

# Surnames whose reading differs from the character's most common one.
SURNAME_READINGS = {
    "尉迟": ["yu", "chi"],
    "万俟": ["mo", "qi"],
    "单": ["shan"],
    "解": ["xie"],
    "区": ["ou"],
    "仇": ["qiu"],
    "查": ["zha"],
    "曾": ["zeng"],
    "朴": ["piao"],
    "覃": ["qin"],
    "乐": ["yue"],
}


def name_pinyin(name: str) -> tuple[str, str]:
    """(full pinyin without tones or spaces, initials), both lower-case ASCII."""
    name = (name or "").strip()
    syllables: list[str] = []
    rest = name
    for surname, reading in SURNAME_READINGS.items():  # two-character surnames are listed first
        if name.startswith(surname):
            syllables, rest = list(reading), name[len(surname) :]
            break
    syllables += lazy_pinyin(rest, style=Style.NORMAL, errors=lambda chars: list(chars))
    syllables = [s.strip().lower() for s in syllables if s and s.strip()]
    full = "".join(syllables)
    initials = "".join(s[0] for s in syllables if s[0].isalnum())
    return full[:200], initials[:20]
