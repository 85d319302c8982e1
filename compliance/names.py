"""How the names of legal entities compare: the organization, system operators, recipients.

The manifest contract compares names after Unicode NFC and whitespace trimming (:func:`entity_key`):
letter case, inner spacing and punctuation count, so two spellings are never silently one
entity. Spellings that differ only in those (:func:`entity_fold`), or that mix look-alike
Cyrillic or Greek letters among Latin ones in one word (:func:`mixed_script_word`), are refused as
input instead: whether they name one entity or two decides which flows are transfers.
"""

from __future__ import annotations

import re
import unicodedata


def entity_key(name: str) -> str:
    """A legal entity's name as compared (manifest contract: Unicode NFC, whitespace trimmed;
    inner spacing and letter case count, so two spellings are never silently one entity)."""
    return unicodedata.normalize("NFC", name).strip()


def entity_fold(key: str) -> str:
    """``key`` (an :func:`entity_key`) reduced to its letters, digits, ``&`` and ``+``,
    compatibility-normalised (NFKD: full-width ``Ｈ`` and ``（`` are ``H`` and ``(``,
    mathematical ``𝐀`` is ``A``),
    case-folded, Cyrillic and Greek letters drawn like Latin ones read as those (``АВС``,
    ``ABC``), and without the accents of Latin and Greek letters (``Müller``, ``Muller``):
    two names of equal folds but different keys (``Acme Co., Ltd.``, ``ACME Co.,Ltd.``,
    ``Acme Co Ltd``) are spelled alike yet compare as different entities. The marks of other
    scripts tell letters apart (Cyrillic ``й`` and ``и``, Japanese ``バ`` and ``ハ``, Thai tone
    marks) and are kept. A name with no letter or digit folds to itself."""
    if key.isascii():  # most names
        return "".join(ch for ch in key.casefold() if ch.isalnum() or ch in _SIGNS) or key
    folded = unicodedata.normalize("NFKD", key).casefold().translate(_UNACCENTED).translate(_AS_LATIN)
    decomposed = unicodedata.normalize("NFKD", folded)
    kept: list[str] = []
    for ch in decomposed:
        if unicodedata.combining(ch):
            if kept and not _accented_alphabet(kept[-1]):
                kept.append(ch)
        elif ch.isalnum() or ch in _SIGNS:
            kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)) or key


#: Signs that are part of what a name says (``A&B`` is not ``AB``, ``C+`` not ``C``), kept
#: where other punctuation and spacing fold away
_SIGNS = "&+"
#: Latin letters with a stroke or ligature that Unicode does not decompose into a base letter and
#: a mark, written as their plain letters (``Ørsted``, ``Orsted``; ``Łódź``, ``Lodz``)
_UNACCENTED = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "ħ": "h", "ŧ": "t", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"}
)


def _accented_alphabet(letter: str) -> bool:
    """Whether ``letter`` is Latin or Greek, whose accents :func:`entity_fold` drops (the blocks
    before Cyrillic, and Latin and Greek Extended)."""
    code = ord(letter)
    return code < 0x0400 or 0x1E00 <= code <= 0x1FFF


#: Cyrillic and Greek letters drawn like Latin ones (after Unicode's confusables, UTS #39)
_LOOK_ALIKES = frozenset("АВЕКМНОРСТХЅІЈаеорсухѕіјԁԛԝΑΒΕΖΗΙΚΜΝΟΡΤΥΧοικνρτυχ")
#: Those letters, case-folded, as the Latin letters they are drawn like: a name written in them
#: (``АВС Ltd`` in Cyrillic) folds as the Latin name it passes for
_AS_LATIN = str.maketrans(
    dict(zip("авекмнорстхѕіјуԁԛԝαβεζηικμνορτυχ", "abekmhopctxsijydqwabezhikmnoptyx", strict=True))
)
_WORD = re.compile(r"[^\W\d_]+")


def mixed_script_word(name: str) -> tuple[str, str] | None:
    """The first word of ``name`` that mixes Latin letters with a Cyrillic or Greek letter drawn
    like a Latin one, and that letter (``("Hаngzhou", "U+0430 CYRILLIC SMALL LETTER A")``);
    ``None`` otherwise. Words in different scripts (``ООО Ромашка Ltd``) are fine, and so is a
    letter no Latin one looks like (``ЮMoney``, ``μSystems``)."""
    if name.isascii():  # most names: Latin letters only
        return None
    for word in _WORD.findall(name):
        alike = next((ch for ch in word if ch in _LOOK_ALIKES), None)
        if alike is not None and any("LATIN" in unicodedata.name(ch, "") for ch in word):
            return word, f"U+{ord(alike):04X} {unicodedata.name(alike)}"
    return None
