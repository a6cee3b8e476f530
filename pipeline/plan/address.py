"""Home addresses split into administrative levels, so a teacher's evening stays in one area.

Our own small parser, not ``cpca``: cpca needs pandas and jieba (tens of MB, a dictionary load
of seconds) to map place names to codes, while grouping needs only the levels an address
already spells out with their suffixes (省/市/区县/镇乡街道/村社区 or 路街 and the estate). The
roster writes them in order, so one left-to-right pass over the suffixes reads them; a part the
address leaves out stays empty and grouping falls back to the next coarser level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Address", "parse_address"]

# One level each, in the order a Chinese address writes them; a level's name is the shortest
# run of characters ending in one of its suffixes (non-greedy, so 清源区 is not read as a 市).
_LEVELS = (
    ("province", r"[^省市]{2,7}?(?:省|自治区)|(?:北京|上海|天津|重庆)市"),
    ("city", r"[^市盟区县]{1,9}?(?:自治州|市|盟|州(?!市))"),
    ("district", r"[^区县旗市]{1,9}?(?:区|县|旗|市)"),
    ("town", r"[^镇乡道]{1,9}?(?:镇|乡|街道)"),
    ("village", r"[^村区]{1,9}?(?:村民委员会|村委会|村|社区|居委会)(?!大街|大道|路|街)"),
    ("road", r"[^路街道巷]{1,9}?(?:大道|路|街|巷)"),
)
_COMMITTEE = re.compile(r"村(?:民委员会|委会)$")  # 柳树村民委员会 is 柳树村
_ESTATE = re.compile(r"\d+号(?:院)?([^\d栋幢号]{2,10}?)(?:\d|$)")


@dataclass(frozen=True)
class Address:
    text: str
    province: str = ""
    city: str = ""
    district: str = ""
    town: str = ""  # 镇 / 乡 / 街道
    village: str = ""  # 村 / 社区
    road: str = ""
    estate: str = ""  # 小区 after the house number

    @property
    def rural(self) -> bool:
        """A village address: remote families in the sense of seed 003's 安全保障."""
        return self.village.endswith(("村", "村民委员会", "村委会"))

    @property
    def area(self) -> str:
        """The neighbourhood visits of one evening are chosen from: the village (rural) or the
        road and estate (town), under its district and town; the coarsest known part when the
        address spells out less."""
        local = self.village or "".join(p for p in (self.road, self.estate) if p)
        parts = [p for p in (self.district, self.town, local) if p]
        return "".join(parts) or self.text.strip()[: 6] or "（无地址）"


def parse_address(text: str) -> Address:
    """Split ``text`` into its levels (see the module note); never raises."""
    rest = re.sub(r"\s+", "", text)
    found: dict[str, str] = {}
    for level, pattern in _LEVELS:
        match = re.match(pattern, rest)
        if match:
            found[level] = _COMMITTEE.sub("村", match.group(0))
            rest = rest[match.end() :]
    estate = _ESTATE.search(rest)
    if estate and "village" not in found:
        found["estate"] = estate.group(1)
    return Address(text=text, **found)
