"""Place names and the bodies named after them: the one home of administrative suffixes, of the
bare place of a body's name and of the ways a text may name a body.

"武威市政协" is the body of the place 武威 at the level 市; "临夏回族自治州政协" is 临夏 at 自治州
(the ethnic name is part of the level, not of the place); "政协平凉市委员会", "平凉市", "平凉" all
name the first. No place is known here: the corpus says which bodies exist (`answer.bodies`).
"""
from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["NATIONALITIES", "LEVELS", "LEVEL_PATTERN", "LOCAL_SUFFIXES", "GENERIC_PLACE_WORDS", "split_place", "place_of",
           "level_of", "body_aliases", "strip_level"]

#: Administrative levels a place name ends with, longest first.
LEVELS: tuple[str, ...] = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "省", "市", "县", "区", "州",
                           "盟", "旗")
LEVEL_PATTERN = "(?:" + "|".join(LEVELS) + ")"
#: Suffixes of places below a county (and the administrative ones): a word ending so is a place.
LOCAL_SUFFIXES: tuple[str, ...] = ("省", "市", "县", "区", "州", "盟", "旗", "镇", "乡", "村", "社区", "街道")
#: Words that look like a place before 政协 but are not one ("全市政协委员").
GENERIC_PLACE_WORDS = frozenset(
    "全市 全省 全县 全区 各级 各地 本市 本县 该市 我市 我省 市级 县级 市县 县区 市县区 地方 基层 人民 全国".split())
#: Words of a body's formal name that are not its place.
_BODY_WORDS = ("中国人民政治协商会议", "人民代表大会常务委员会", "人大常委会", "人民政府", "委员会", "政协", "政府", "人大")
#: The 55 minority nationalities, named before an autonomous level ("临夏回族自治州").
NATIONALITIES: tuple[str, ...] = tuple(
    """蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西
    景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂
    保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺""".split())
_ETHNIC_LEVEL = re.compile("(?:(?:" + "|".join(sorted(NATIONALITIES, key=len, reverse=True)) + ")族)+(?=自治(?:区|州|县|旗)$)")
_LEVEL_END = re.compile(LEVEL_PATTERN + "$")


def _bare(name: str) -> str:
    """A body's name without the words that name the body ("政协武威市委员会" → "武威市")."""
    for w in _BODY_WORDS:
        name = name.replace(w, "")
    return name


def split_place(name: str) -> tuple[str, str]:
    """(place, level) of a place or body name: "武威市政协" → ("武威", "市"), "临夏回族自治州" →
    ("临夏", "自治州"), "武威" → ("武威", "")."""
    bare = _bare(name)
    m = _LEVEL_END.search(bare)
    if m is None or m.start() == 0:
        return bare or name, ""
    place, level = bare[: m.start()], m.group(0)
    place = _ETHNIC_LEVEL.sub("", place + level)[: -len(level)] if level.startswith("自治") else place
    return place or bare, level


def place_of(name: str) -> str:
    """The bare place of a body's or place's name: "武威市政协" → "武威"."""
    return split_place(name)[0]


def level_of(name: str) -> str:
    """The administrative level of a body's or place's name ("" when it has none)."""
    return split_place(name)[1]


def strip_level(place: str) -> str:
    """A place name without its level suffix ("酒泉市" → "酒泉")."""
    m = _LEVEL_END.search(place)
    return place[: m.start()] if m and m.start() > 0 else place


@lru_cache(maxsize=1024)
def body_aliases(body: str) -> tuple[str, ...]:
    """The ways a text may name a CPPCC committee, longest and most formal first: "武威市政协" →
    武威市政协, 政协武威市委员会, 政协武威委员会, 武威政协, 武威市, 武威 (cached: it runs for every
    question and claim)."""
    place = split_place(body)[0]
    full = _bare(body) or place  # 临夏回族自治州: the ethnic name belongs to the full name
    names = [body, f"中国人民政治协商会议{full}委员会", f"政协{full}委员会", f"政协{place}委员会", f"{full}政协",
             f"{place}政协", full, place]
    return tuple(n for n in dict.fromkeys(names) if n)
