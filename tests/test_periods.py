"""Time in report prose and in questions (text/periods.py), and report metadata (ingest/metadata.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from cppcc_qa.errors import IngestError
from cppcc_qa.ingest.metadata import infer_metadata
from cppcc_qa.ingest.readers import read_document
from cppcc_qa.text.periods import Period, parse_date, parse_period, question_time, resolve, strip_time, years_in

REPORTS = Path(__file__).resolve().parents[2] / "shared" / "eval" / "reports"


@pytest.mark.parametrize(("text", "year", "want"), [
    ("过去一年，城镇新增就业1361万人", 2019, Period(2018, 2018)),
    ("一年来，我们深入贯彻党中央决策部署", 2021, Period(2020, 2020)),
    ("今年拟安排地方政府专项债券2.15万亿元，比去年增加8000亿元", 2019, Period(2019, 2019)),
    ("去年一些地区发生严重洪涝等灾害", 2022, Period(2021, 2021)),
    ("过去五年，我国经济社会发展取得新的历史性成就", 2021, Period(2016, 2020)),
    ("五年来，委员工作室建设全面铺开", 2024, Period(2019, 2023)),
    ("2024年以来，共开展协商活动12场", 2025, Period(2024, 2025)),
    ("全年国内生产总值增长2.3%，2020年底全部脱贫", 2021, Period(2020, 2020)),
    ("“十四五”时期主要目标任务", None, Period(2021, 2025)),
    ("二〇二四年，市政协共收到提案300件", None, Period(2024, 2024)),
])
def test_a_sentence_knows_its_period(text: str, year: int | None, want: Period) -> None:
    assert resolve(text, year) == want


def test_relative_words_need_the_report_year() -> None:
    assert resolve("过去一年，城镇新增就业1361万人", None) is None
    assert resolve("深入推进书香政协建设", 2024) is None


def test_a_report_named_by_its_year_is_not_a_period() -> None:
    t = question_time("2019年政府工作报告中，今年拟安排地方政府专项债券多少？")
    assert t.report_year == 2019 and t.years == () and t.period_years(2019) == (2019,)
    t = question_time("2019年政府工作报告回顾2018年时，列举了哪些主场外交活动？")
    assert (t.report_year, t.years) == (2019, (2018,))
    t = question_time("2018年全国城镇新增就业多少人？")
    assert (t.report_year, t.years) == (None, (2018,))
    t = question_time("过去一年农村贫困人口减少了多少？")
    assert t.years == () and t.period_years(2019) == (2018,)
    assert not question_time("武威市建成了多少个委员工作室？").named


def test_time_words_are_taken_out_of_the_topic() -> None:
    assert strip_time("2018年全国城镇新增就业多少人") == "全国城镇新增就业多少人"
    assert strip_time("过去一年农村贫困人口减少了多少") == "农村贫困人口减少了多少"


def test_dates_and_periods_parse() -> None:
    assert parse_date("2024年3月5日") == "2024-03-05"
    assert parse_date("2024-3") == "2024-03"
    assert parse_date("2024-13-01") is None and parse_date("三月") is None
    assert parse_period("2020—2021") == Period(2020, 2021) and parse_period("") is None
    assert years_in("比2012年增长，2018年达到") == (2012, 2018)


def test_metadata_of_a_plain_text_government_report() -> None:
    doc = read_document(REPORTS / "2021年政府工作报告.txt")
    assert (doc.body, doc.kind, doc.date, doc.title) == ("国务院", "政府工作报告", "2021-03-05", "2021年政府工作报告")
    assert parse_period(doc.period) == Period(2020, 2021)
    assert doc.year == 2021 and doc.committee == ""


def test_metadata_given_wins_and_bad_values_are_refused() -> None:
    text = "## 工作报告\n\n一年来，市政协共收到提案300件。\n"
    meta = infer_metadata(text, "report", "", {"body": "云岭县政协", "date": "2023-01-10"}, "r.txt")
    assert (meta.body, meta.date, meta.title) == ("云岭县政协", "2023-01-10", "2023年工作报告")
    with pytest.raises(IngestError, match="not a date"):
        infer_metadata(text, "report", "", {"date": "2023-14-01"}, "r.txt")
    with pytest.raises(IngestError, match="body is empty"):
        infer_metadata(text, "report", "", {"body": " "}, "r.txt")


def test_a_five_year_span_does_not_answer_a_single_year() -> None:
    assert not Period(2016, 2020).fits((2020,))
    assert Period(2024, 2025).fits((2024,)) and Period(2020, 2020).fits((2020,))
    assert Period(2016, 2020).fits(tuple(range(2016, 2021)))


def test_a_heading_naming_two_periods_gives_none() -> None:
    from cppcc_qa.text.periods import section_period

    assert section_period("一、2018年工作回顾", 2019) == Period(2018, 2018)
    assert section_period("二、“十三五”时期发展成就和“十四五”时期主要目标任务", 2021) is None
