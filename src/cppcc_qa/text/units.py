"""Units and classifiers, and the families of units that count the same kind of thing: the one
table the quantity parser, the question parser, the answer scorer and the claim checker share.

A number in report prose carries a unit or a classifier ("35件", "124名", "2.1万场次", "6.6%");
money is kept in yuan whatever its magnitude ("91.69亿元" is 元). Two units are compatible when
they are the same, or when some family holds both ("多少人" is answered by "124名"; "3个" may be
compared with "3项", at `RELATED_FACTOR`).
"""
from __future__ import annotations

import re

__all__ = ["UNITS", "UNIT_ALIASES", "FAMILIES", "ANY_COUNT", "MONEY", "PERCENT", "RELATED_FACTOR",
           "QUESTION_ONLY_UNITS", "compatibility", "compatible", "asked_unit", "is_unit_word"]

#: Units and classifiers a number may carry (longest first when matched); a Chinese numeral in
#: running text needs one of them to count as a quantity.
UNITS: tuple[str, ...] = (
    "人次", "场次", "批次", "件次", "户次", "家次", "个月", "小时", "分钟",
    "平方公里", "平方米", "立方米", "千瓦时", "千瓦", "公里", "千米", "公顷", "公斤", "美元", "欧元", "港元",
    "次", "件", "个", "名", "人", "位", "篇", "条", "项", "户", "期", "所", "处", "年", "天",
    "元", "%", "场", "家", "份", "部", "本", "册", "台", "辆", "座", "套", "张", "类", "轮",
    "组", "支", "批", "倍", "岁", "亩", "吨", "斤", "米", "大",
)
#: Units a question may ask for that the parser does not take from prose: reports write 届 as an
#: ordinal ("五届市政协"), not a count.
QUESTION_ONLY_UNITS: tuple[str, ...] = ("届",)
#: Ways of writing a unit that stand for a canonical one.
UNIT_ALIASES: dict[str, str] = {"人（次）": "人次", "人(次)": "人次"}
MONEY = "元"
PERCENT = "%"
#: "How many …" without a unit (English "how many"): any counted unit, but not money or a share.
ANY_COUNT = "#"
#: Units that count the same kind of thing. A unit may sit in two families (人次 counts people
#: and occasions).
FAMILIES: dict[str, frozenset[str]] = {
    "persons": frozenset("人 人次 名 位".split()),
    "occasions": frozenset("次 场次 场 批次 期 轮 件次 户次 家次 人次".split()),
    "items": frozenset("个 项 件 条 篇 处 所 家 户 份 部 座 套 张 类 支 组 本 册 台 辆 批 届".split()),
    "money": frozenset({MONEY}),  # other currencies are units of their own: 美元 never answers 元
    "dollars": frozenset({"美元"}),
    "euros": frozenset({"欧元"}),
    "hk_dollars": frozenset({"港元"}),
    "share": frozenset({PERCENT}),
    "time": frozenset("年 天 个月 小时 分钟 岁".split()),
    "area": frozenset("平方公里 平方米 公顷 亩".split()),
    "length": frozenset("公里 千米 米".split()),
    "weight": frozenset("吨 斤 公斤".split()),
    "energy": frozenset("千瓦 千瓦时".split()),
}
#: A figure in a related unit (same family, other unit) is worth this share of one in the same unit.
RELATED_FACTOR = 0.85
#: Magnitude words a question may put before its unit ("多少万元", "多少亿").
_MAGNITUDE = "(?:万亿|千万|百万|亿|万|千)"
_UNIT_ALT = "|".join(re.escape(u) for u in sorted((*UNITS, *QUESTION_ONLY_UNITS), key=len, reverse=True))
_ASK = re.compile(rf"(?:多少|几)(?P<mag>{_MAGNITUDE})?(?P<unit>{_UNIT_ALT})?")
_UNIT_WORDS = frozenset(UNITS) | frozenset(QUESTION_ONLY_UNITS) | {"万元", "亿元", "万", "亿"}


def compatibility(asked: str, found: str) -> float:
    """1 for the same unit (or nothing asked), `RELATED_FACTOR` for units of one family, 0
    otherwise. `ANY_COUNT` accepts every unit but money and shares."""
    if not asked or asked == found:
        return 1.0
    if asked == ANY_COUNT:
        return 1.0 if found not in (MONEY, PERCENT) else 0.0
    if any(asked in fam and found in fam for fam in FAMILIES.values()):
        return RELATED_FACTOR
    return 0.0


def compatible(asked: str, found: str) -> bool:
    """Whether a figure in unit `found` can answer a question asking for unit `asked`."""
    return compatibility(asked, found) > 0


def asked_unit(question: str) -> str:
    """The unit a question asks for after 多少/几: "多少件" → 件, "多少万元" → 元 (money is in yuan),
    "多少万"/"多少亿" → "" (a magnitude names no unit), none → ""."""
    if re.search(r"多少(?:钱|资金|经费|费用)|几(?:块)?钱", question):
        return MONEY  # "花了多少钱": money, whatever magnitude the answer takes
    m = _ASK.search(question)
    if m is None:
        return ""
    return m.group("unit") or ""


def is_unit_word(token: str) -> bool:
    """Whether a token is only a unit or classifier (no topic in it)."""
    return token in _UNIT_WORDS
