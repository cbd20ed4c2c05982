"""PTT's movement codes (a movement's ``IKODU``, PTT's ``gonderi_durum_id``) and what each says.

Source: PTT's status table (``gonderi_durum_id``, its words, and the group ``ust_durum`` it belongs to), as
published in ``ahmeti/ptt-kargo-api`` (``03_PTT_Durum_Kodlari.md``; a copy is the fixture
``tests/fixtures/carriers/ptt/durum-kodlari.md``). A code takes its group's status, except the codes listed
in ``_EXCEPTIONS``, whose own words say otherwise. A group or code whose status is None records something
beside the parcel's state (a fee paid, an instruction given, a note made): it never decides the state.

The one judgement beyond the table: PTT's TESLİM group also holds the ways a legal notice (tebligat) is
*deemed* served without a hand-over (left with the muhtar, the village council or the police under the
Notification Law's article 21, "21.MAD. GORE", with a notice on the door; posted on a notice board; stuck on
the door; left before a refusing addressee). For a parcel none of them is a delivery, so they are exceptions,
never ``delivered``.
"""

from types import MappingProxyType

from schemas.proof import ProofStatus as S
from schemas.proof import RecipientRelation as R

# (PTT's group: ust_durum_id and name, the group's status, the group's codes)
_GROUPS: tuple[tuple[str, S | None, str], ...] = (
    ("999 TASFİYE", S.EXCEPTION, "831"),
    ("1000 KABUL", S.IN_TRANSIT, "1 701"),
    ("1106 GUNCELLEME", None, "159"),
    ("1500 (yurtdışı kabul)", S.IN_TRANSIT, "16"),
    ("2000 SEVK", S.IN_TRANSIT, "3 4 5 6 8 9 11 13 14 77 78 91 92 148 149 302 303 320 999"),
    ("3000 DAĞITIM", S.IN_TRANSIT, "7 12"),
    ("3500 ODEME", None, "399"),
    ("4000 İADE", S.RETURNED, "99 133 134 135 136 137 151 152 153 154 155 156 158 160 161 162 163 164 166 167 "
                              "168 169 198 260 261 830 832 849 854 855 856"),
    ("4500 İADE İPTAL", S.IN_TRANSIT, "165"),
    ("5000 TESLİM", S.DELIVERED, "100 157 202 220 221 222 223 224 225 226 227 228 229 230 231 232 252 807 812 813 "
                                 "814 815 816 818 824 825 826 827 828 829"),
    ("5500 GÖNDERİCİSİNE TESLİM", S.RETURNED, "120 141"),
    ("5501 TESLİM (banka şubesi)", S.DELIVERED, "106"),
    ("5502 TESLİM (alma haber kartı)", None, "121"),
    ("5503 TESLİM (sözleşme)", S.DELIVERED, "138"),
    ("5600 TESLİM İPTAL", S.EXCEPTION, "15"),
    ("5700 İMHA İPTAL", S.EXCEPTION, "501"),
    ("6000 TESLİM EDİLEMEDİ", S.FAILED_ATTEMPT, "101 105 107 108 109 110 111 112 113 114 115 116 117 118 124 125 "
                                                "126 127 128 129 130 131 132 139 140 142 143 144 145 146 147 150 "
                                                "194 195 196 197 199 211 262 380 381 388 389 709 710 711 712 713 "
                                                "714 715 716 717 718 719 720"),
    ("7000 KABUL İPTAL", S.EXCEPTION, "2"),
    ("7500 GERİ ZİMMET", S.FAILED_ATTEMPT, "170 171 172 173 174 175 176 177 178"),
    ("8000 EL TERMİNALİ", S.FAILED_ATTEMPT, "527 528 529 530 531 532 545 546 547 556 557 560 565 566 567 568 569 "
                                            "578 583 585 600 601"),
    ("8500 DEPO", S.IN_TRANSIT, "650 651 652 653 654 655 656 657 699"),
    ("9000 SİSTEMDEN ÇIKARTILDI", S.EXCEPTION, "21"),
    ("9999 DİĞER", None, "10 44 45 102 103 104 119 180 181 182 183 184 185 186 187 188 189 190 191 192 201 203 204 "
                         "210 240 241 290 291 300 301 304 305 306 307 308 309 310 400 401 402 403 404 405 406 407 "
                         "408 409 410 411 412 413 414 415 416 417 418 420 421 422 423 424 425 426 427 428 429 430 "
                         "431 432 433 434 435 436 437 438 440 441 442 443 444 450 460 461 462 463 464 470 471 472 "
                         "473 474 700 950 951 952 953 954 955 997 998"),
)

# Codes whose own words say something other than their group.
_EXCEPTIONS: dict[str, S] = {
    "701": S.PRE_TRANSIT,  # Kayıt Edildi: registered, not yet handed to PTT
    # TESLİM, but no hand-over: a legal notice deemed served
    "813": S.EXCEPTION, "829": S.EXCEPTION,  # 21.MAD. GORE MUHTARA TESLiM, 21/2. Maddeye Göre Muhtara Teslim
    "814": S.EXCEPTION,  # 21.MAD. GORE iHTiYAR HEYETi/AZAYA TESLiM (the village council)
    "815": S.EXCEPTION,  # 21.MAD. GORE ZABITA AMiRi/MEMURA TESLiM (the police)
    "816": S.EXCEPTION,  # 35.MAD. GORE MUHATAP ADRESi KAPISINA YAPISTIRMA (stuck on the door)
    "825": S.EXCEPTION,  # BAĞIMSIZ BÖLÜMDE OTURANA TEBLİĞ, PANOYA ASILDI (posted on the board)
    "826": S.EXCEPTION,  # BAĞIMSIZ BÖLÜMDE OTURAN YOK, PANOYA ASILDI
    "827": S.EXCEPTION,  # 21.MADDE VE EK.1 E GÖRE TEBLİĞ, PANOYA ASILDI
    "828": S.EXCEPTION,  # Muhatap imtina ettiğinden şahitle önüne bırakılmıştır (refused, left before them)
    # TESLİM EDİLEMEDİ / GERİ ZİMMET, but the parcel is gone: destroyed, seized, lost
    "109": S.EXCEPTION, "142": S.EXCEPTION, "143": S.EXCEPTION, "144": S.EXCEPTION, "145": S.EXCEPTION,  # İmha
    "147": S.EXCEPTION, "176": S.EXCEPTION,  # El Koyma
    "716": S.EXCEPTION, "717": S.EXCEPTION, "718": S.EXCEPTION,  # akıbeti araştırılıyor / belirlenemedi, kayıp
    # DEPO: waiting at the branch, but for the way back or held indefinitely
    "654": S.RETURNED, "655": S.RETURNED,  # (İADE) / (BANKA İADE) PTT İşyerinde Bekliyor
    "656": S.EXCEPTION,  # (MEVKUF) Elde Kalmış Gönderi
    # DİĞER: the parcel's state, not a note
    "10": S.EXCEPTION,  # Problemli Gönderi
    "102": S.EXCEPTION, "103": S.EXCEPTION, "240": S.EXCEPTION, "241": S.EXCEPTION,  # terk, elde kalmış, satıldı
    "104": S.IN_TRANSIT,  # Alıcının Talebi ile PTT İşyerine Teslim (held at the branch for the addressee)
    "119": S.RETURNED, "190": S.RETURNED, "203": S.RETURNED,  # taken back for the sender
    "180": S.EXCEPTION, "181": S.EXCEPTION, "183": S.EXCEPTION, "185": S.EXCEPTION,  # kayıp, hasar, tazminat
    "191": S.EXCEPTION, "192": S.EXCEPTION,  # tasfiye
    "184": S.FAILED_ATTEMPT,  # Süresinde Aranılmadı (not collected in time)
    "201": S.IN_TRANSIT,  # İhb-Kargomatiğe Bırakıldı (in a parcel locker, not collected yet)
    "304": S.IN_TRANSIT,  # Gümrükten Çıktı
    "310": S.EXCEPTION,  # Gönderinin İthaline Gümrükçe İzin Verilmedi
}


def _codes() -> dict[str, S | None]:
    table = {code: status for _, status, codes in _GROUPS for code in codes.split()}
    return table | _EXCEPTIONS


CODES: MappingProxyType[str, S | None] = MappingProxyType(_codes())
"""Every published movement code → the parcel's state it reports (None: it reports none)."""

STATES: dict[str, S] = {code: status for code, status in CODES.items() if status is not None}
NOTES: frozenset[str] = frozenset(code for code, status in CODES.items() if status is None)

# Who took the parcel, where the delivering code says; for the codes that do not (the plain "Teslim Edildi"),
# the addressee's name against ``TESALAN`` decides.
RELATIONS: dict[str, R] = {
    "807": R.RECIPIENT,  # MUHATABA BİZZAT TESLİM
    **dict.fromkeys(("220", "221", "222", "223"), R.RECIPIENT),  # ... Adreste Kendisine Teslim
    "812": R.HOUSEHOLD_MEMBER,  # AYNI KONUTTA YAKINA TESLİM
    **dict.fromkeys(("224", "225", "226", "227"), R.HOUSEHOLD_MEMBER),  # ... Adreste Aile Bireyine Teslim
    "157": R.DOORMAN,  # Evrak Memuruna Teslim (the mailroom)
    "202": R.PARCEL_LOCKER,  # Kargomatikten Teslim Alındı
    # someone at the addressee's workplace: not the addressee
    **dict.fromkeys(("228", "229", "230", "231", "818", "824"), R.UNKNOWN),
}
