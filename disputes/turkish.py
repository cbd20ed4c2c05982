"""Turkish text rules the domain compares by."""

import unicodedata


def turkish_casefold(text: str) -> str:
    """Lower case by Turkish rules: dotted ``İ`` becomes ``i`` and dotless ``I`` becomes ``ı``."""
    composed = unicodedata.normalize("NFC", text)
    return composed.replace("İ", "i").replace("I", "ı").casefold()
