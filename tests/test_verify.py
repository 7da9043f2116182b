"""Claim checking against the two built-in reports, with exact asserts.

The checker uses no embeddings, so most tests run on an index built with the deterministic
`hash` embedder; the dev-set score is also checked once with the default model (marked).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cppcc_qa.cli.facts import register
from cppcc_qa.errors import InputError
from cppcc_qa.factcheck.claims import claim_quantities, compare, interval
from cppcc_qa.factcheck.textcheck import Sentence, align
from cppcc_qa.factcheck.verify import Verifier
from cppcc_qa.records import Figure
from cppcc_qa.service import build_service
from cppcc_qa.settings import Settings

SHARED_EVAL = Path("/work/shared/eval")
DEV_CLAIMS = SHARED_EVAL / "dev_claims.jsonl"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("verify")
    return Settings(index_dir=root / "index", data_dir=root / "data", embedder="hash", lexicon_embedder="")


@pytest.fixture(scope="module")
def verifier(settings: Settings) -> Verifier:
    svc = build_service(settings)
    svc.build()
    return Verifier(svc)


def check(verifier: Verifier, claim: str) -> dict:
    return verifier.verify(claim).to_dict()


def figure(value: float, qualifier: str = "", unit: str = "元") -> Figure:
    return Figure("d:0", "平凉市政协", "帮扶资金", value, unit, qualifier, "", "x", "d:p0", "d", 0, 1)


# -- values ------------------------------------------------------------------------------------
def test_intervals_of_approximate_figures() -> None:
    assert interval(2_600_000, "余") == (2_600_000, 2_700_000)
    assert interval(400, "近") == (350, 400)
    assert interval(300, "约") == (250, 350)
    assert interval(35, "") == (35, 35)


@pytest.mark.parametrize(("value", "qualifier", "kind"), [
    (2_600_000, "约", "same"),  # 约260万元 vs 260余万元
    (2_600_000, "", "same"),  # 260万元
    (2_650_000, "", "undecided"),  # 265万元: inside 260余万, the report cannot confirm it
    (3_000_000, "", "differs"),  # 300万元
    (3_000_000, "近", "undecided"),  # 近300万元 is 250万–300万, which overlaps 260万–270万
    (2_000_000, "约", "differs"),  # 约200万元
])
def test_compare_with_260_odd_wan(value: float, qualifier: str, kind: str) -> None:
    assert compare(value, qualifier, figure(2_600_000, "余")).kind == kind


def test_an_approximate_claim_holds_for_an_exact_figure() -> None:
    assert compare(300, "近", figure(298, unit="次")).kind == "consistent"
    assert compare(1000, "余", figure(1186, unit="次")).kind == "consistent"


def test_claim_quantities_skip_years_and_dates() -> None:
    found = [m.surface for m in claim_quantities("2024年以来调结案件35件，2002年11月成立")]
    assert found == ["35件"]
    # a bare number counts only when no number with a unit does
    assert [m.surface for m in claim_quantities("委员工作室共149")] == ["149"]
    assert [m.surface for m in claim_quantities("修订制度51项（附件1）")] == ["51项"]


# -- words -------------------------------------------------------------------------------------
def sentence(text: str) -> Sentence:
    return Sentence("武威市政协", "d", "d:p0", 0, len(text), text)


def test_align_supports_a_claim_in_other_words_order() -> None:
    a = align("与乌鲁木齐市政协建立友好政协", sentence("同乌鲁木齐市政协建立友好政协，与内蒙古阿拉善盟等四地政协建立联动联谊联席机制"))
    assert a.supports and a.gaps == ()


def test_align_finds_the_other_entity_in_the_slot() -> None:
    a = align("与兰州市政协建立友好政协", sentence("同乌鲁木齐市政协建立友好政协"))
    assert (a.slot, a.counterpart) == ("兰州", "乌鲁木齐")
    b = align("主席是张三", sentence("▲平凉市政协主席宋全科带领委员深入社区"))
    assert (b.slot, b.counterpart) == ("张三", "宋全科")
    c = align("发出《集智集策助力乡村振兴倡议书》", sentence("发出《集智集策助力招商引资倡议书》"))
    assert (c.slot, c.counterpart) == ("乡村振兴", "招商引资")


def test_align_never_matches_inside_a_number_and_needs_a_number_against_a_number() -> None:
    a = align("成立于2005年11月", sentence("政协平凉市委员会成立于2002年11月"))
    assert (a.slot, a.counterpart) == ("2005", "2002")
    b = align("组织委员植树3000棵", sentence("全市政协组织共建立委员工作室131个"))
    assert not b.contradicts and not b.supports


def test_align_reads_a_name_after_a_role_word_only_where_one_is() -> None:
    a = align("主席是王小明", sentence("▲武威市政协主席李宏伟带领视察组开展视察"))
    assert (a.slot, a.counterpart, a.by_role) == ("王小明", "李宏伟", True)
    b = align("主席是王小明", sentence("落实主席会议成员联系重要代表人士等制度"))  # "会议成" is no name
    assert not b.contradicts


# -- figures -----------------------------------------------------------------------------------
def test_right_figure_is_supported_with_the_figure_quoted(verifier: Verifier) -> None:
    v = check(verifier, "武威市政协委员调结案件35件。")
    assert v["verdict"] == "supported"
    assert [c["quote"] for c in v["evidence"]] == ["调结案件35件"]
    c = v["evidence"][0]
    assert c["text"][c["start"] - c["passage_start"] : c["end"] - c["passage_start"]] == c["quote"]


def test_wrong_figure_is_refuted_with_the_report_figure(verifier: Verifier) -> None:
    v = check(verifier, "武威市政协调解成功35件。")
    assert v["verdict"] == "refuted"
    assert v["expected"] == "27件"
    assert "报告为27件，而非35件" in v["explanation"]
    assert [c["quote"] for c in v["evidence"]] == ["调解成功27件"]


def test_figure_of_the_other_committee_is_refuted_and_attributed(verifier: Verifier) -> None:
    v = check(verifier, "平凉市政协建立委员工作室149个。")
    assert v["verdict"] == "refuted"
    assert "报告为131个，而非149个" in v["explanation"]
    assert "149个是武威市政协的数字" in v["explanation"]
    assert [c["committee"] for c in v["evidence"]] == ["平凉市政协", "武威市政协"]
    assert v["evidence"][0]["quote"] == "全市政协组织共建立委员工作室131个"


def test_a_misattributed_figure_is_refuted_with_the_named_committees_own_figure(verifier: Verifier) -> None:
    # "建成" is 武威's word, so the claim reads more like 武威's sentence than 平凉's; the 149 is
    # 武威's 委员工作室 count, and 平凉's count of the same measure (131) is what it should say
    v = check(verifier, "平凉市建成委员工作室149个")
    assert v["verdict"] == "refuted"
    assert v["expected"] == "131个"
    assert v["explanation"] == ("报告为131个，而非149个（平凉市政协·委员工作室131个）。"
                                "149个是武威市政协的数字（武威市政协·委员工作室149个）。")
    assert [c["quote"] for c in v["evidence"]] == ["全市政协组织共建立委员工作室131个", "建成“委员工作室”149个（市级"]


def test_a_part_is_not_the_same_measure_as_the_whole(verifier: Verifier) -> None:
    # 19 is 武威's 市级 share of its 委员工作室; 平凉's 131 counts all of its own, not a 市级 share
    v = check(verifier, "平凉市级委员工作室19个。")
    assert (v["verdict"], v.get("expected")) == ("refuted", None)
    assert v["explanation"] == "19个是武威市政协的数字（武威市政协·委员工作室 (市级)19个），平凉市政协的报告中没有这一项。"


@pytest.mark.parametrize(("claim", "explanation"), [
    ("武威市政协开展监督性调研视察活动20次。",  # 武威 "持续开展监督性调研视察活动", without a count
     "20次是平凉市政协的数字（平凉市政协·监督性调研视察活动20次）；武威市政协的报告提到“监督性调研视察活动”，"
     "但没有给出对应的数字，无法核对“20次”。"),
    ("平凉市政协报送社情民意信息28条。",  # 平凉 counts "会议发言及社情民意信息" together
     "28条是武威市政协的数字（武威市政协·社情民意信息28条）；平凉市政协的报告中相关的数字是75篇"
     "（平凉市政协·会议发言及社情民意信息75篇），统计的不是同一事项，无法核对“28条”。"),
])
def test_another_committees_figure_for_work_the_named_one_reports_without_a_count_is_not_found(
        verifier: Verifier, claim: str, explanation: str) -> None:
    v = check(verifier, claim)
    assert (v["verdict"], v["evidence"], v["explanation"]) == ("not_found", [], explanation)


def test_figure_the_named_committee_does_not_report_is_a_wrong_attribution(verifier: Verifier) -> None:
    v = check(verifier, "武威市政协开展招商考察21批次。")
    assert v["verdict"] == "refuted"
    assert v["evidence"][0]["committee"] == "平凉市政协"
    assert "21批次是平凉市政协的数字" in v["explanation"]


@pytest.mark.parametrize(("claim", "expected"), [
    ("平凉市政协现场督办提案452件。", "24件"),  # "协调办理提案452件、现场督办24件": neighbours in a list
    ("武威市政协设置党小组4个。", "9个"),  # "设置党支部4个、党小组9个"
    ("武威县区委员工作室19个。", "130个"),  # "149个（市级19个、县区130个）": the breakdown's own words
    ("武威市级委员工作室130个。", "19个"),
])
def test_a_figure_swapped_with_its_neighbour_is_refuted(verifier: Verifier, claim: str, expected: str) -> None:
    v = check(verifier, claim)
    assert (v["verdict"], v["expected"]) == ("refuted", expected)


@pytest.mark.parametrize(("claim", "verdict", "expected"), [
    ("平凉市政協建成委員工作室131個。", "supported", None),  # Traditional characters
    ("平凉市政协培训委员５０５人次。", "supported", None),  # full-width digits
    ("武威市政协委员调结案件三十五件。", "supported", None),  # Chinese numerals
    ("平凉市政协联系界别群众一万九千余人次。", "supported", None),
    ("武威市政协开展协商议事活动2万余场次。", "supported", None),  # 2.1万 is more than 2万
    ("武威市签约引进项目总投资超过90亿元。", "supported", None),
    ("政协平凉市委员会履职历程已有二十二年。", "supported", None),
    ("平凉市政協建成委員工作室一百四十九個。", "refuted", "131个"),
    ("平凉市政协履职历程已有二十年。", "refuted", "22年"),
    ("平凉市政协开展学习交流活动500次。", "refuted", "近400次"),
    ("武威市县区政协签约项目总投资100亿元。", "refuted", "91.69亿元"),
    ("平凉市政協開展招商考察12批次。", "refuted", "21批次"),
])
def test_claims_in_other_scripts_numerals_and_approximations(verifier: Verifier, claim: str, verdict: str,
                                                             expected: str | None) -> None:
    v = check(verifier, claim)
    assert (v["verdict"], v.get("expected")) == (verdict, expected)
    assert v["claim"] == claim


@pytest.mark.parametrize("claim", [
    "武威市政协委员人数为350名。",  # 124名 are the members who took part in mediation, not all members
    "武威市政协组织委员开展送医活动50次。",  # 298次 counts 送医、送教、送文化… together
])
def test_a_figure_that_counts_something_else_does_not_refute(verifier: Verifier, claim: str) -> None:
    v = check(verifier, claim)
    assert (v["verdict"], v["evidence"]) == ("not_found", [])


@pytest.mark.parametrize(("claim", "verdict"), [
    ("平凉市政协协调落实乡村振兴帮扶资金260余万元。", "supported"),
    ("平凉市政协协调落实乡村振兴帮扶资金约260万元。", "supported"),
    ("平凉市政协协调落实乡村振兴帮扶资金260万元。", "supported"),
    ("平凉市政协协调落实乡村振兴帮扶资金265万元。", "not_found"),
    ("平凉市政协协调落实乡村振兴帮扶资金300万元。", "refuted"),
])
def test_approximate_figures(verifier: Verifier, claim: str, verdict: str) -> None:
    v = check(verifier, claim)
    assert v["verdict"] == verdict
    if verdict != "not_found":
        assert v["evidence"][0]["quote"] == "协调落实乡村振兴帮扶资金260余万元"
    else:
        assert v["evidence"] == []
    assert "260余万元" in v["explanation"]


@pytest.mark.parametrize("claim", [
    "酒泉市政协建立委员工作室50个。",  # a committee the corpus does not hold
    "甘肃省政协主席是李宏伟。",  # a place the corpus mentions, but not as a committee of its own
    "武威市政协2025年财政预算为500万元。",  # something the reports do not count
    "武威市政协举办了国际马拉松比赛。",  # something the reports do not mention
])
def test_what_the_reports_do_not_cover_is_not_found(verifier: Verifier, claim: str) -> None:
    v = check(verifier, claim)
    assert (v["verdict"], v["evidence"]) == ("not_found", [])


def test_an_unknown_committee_is_named_in_the_explanation(verifier: Verifier) -> None:
    v = check(verifier, "嘉峪关市政协报送社情民意信息28条。")
    assert v["explanation"] == "已收录的报告中没有关于嘉峪关的工作报告，无法核对这一说法。"


@pytest.mark.parametrize(("claim", "verdict", "quote"), [
    ("武威市政协主席是李宏伟。", "supported", "▲武威市政协主席李宏伟带领视察组围绕“推进源头治理工作”开展视察"),
    ("平凉市政协主席是张三。", "refuted", "▲平凉市政协主席宋全科带领委员深入平凉市崆峒区西郊街道甘沟路社区"),
    ("武威市政协与乌鲁木齐市政协建立友好政协。", "supported", "同乌鲁木齐市政协建立友好政协"),
    ("武威市政协与兰州市政协建立友好政协。", "refuted", "同乌鲁木齐市政协建立友好政协"),
    ("武威市政协发出《集智集策助力招商引资倡议书》。", "supported", "发出《集智集策助力招商引资倡议书》"),
    ("平凉市政协完成《庄浪苹果产业链建设资料辑录》出版。", "refuted",
     "完成《静宁苹果产业链建设资料辑录》出版和《史志平凉资料辑录》编辑工作"),
])
def test_claims_without_figures(verifier: Verifier, claim: str, verdict: str, quote: str) -> None:
    v = check(verifier, claim)
    assert v["verdict"] == verdict
    assert v["evidence"][0]["quote"] == quote


@pytest.mark.parametrize(("claim", "expected", "explanation_end"), [
    ("武威市政协主席是王小明。", "李宏伟", "开展视察”。"),  # a three-character name
    ("平凉市政协主席是李宏伟。", "宋全科", "“李宏伟”出自武威市政协的报告。"),
    ("政协平凉市委员会成立于2003年。", "2002年11月", "“政协平凉市委员会成立于2002年11月”。"),  # another year
])
def test_wrong_names_and_dates_say_what_the_report_has(verifier: Verifier, claim: str, expected: str,
                                                       explanation_end: str) -> None:
    v = check(verifier, claim)
    assert (v["verdict"], v["expected"]) == ("refuted", expected)
    assert v["explanation"].startswith(f"报告为“{expected}”，而非")
    assert v["explanation"].endswith(explanation_end)


def test_words_next_to_a_quote_are_not_a_quoted_entity(verifier: Verifier) -> None:
    # "建成“委员工作室”": 建成 is outside the quote, so "组织" in the claim is not a wrong title
    v = check(verifier, "武威市政协组织委员开展联系服务界别群众活动298次，帮办实事397件。")
    assert v["verdict"] == "supported"
    assert [c["quote"] for c in v["evidence"]] == ["开展送医、送教、送文化、法律咨询等联系服务界别群众活动298次", "帮办实事397件"]


def test_refuted_words_say_what_the_report_has(verifier: Verifier) -> None:
    v = check(verifier, "武威市政协与兰州市政协建立友好政协。")
    assert v["expected"] == "乌鲁木齐"
    assert "报告为“乌鲁木齐”，而非“兰州”" in v["explanation"]


def test_a_name_inside_a_title_is_not_the_committee_of_the_claim(verifier: Verifier) -> None:
    v = check(verifier, "平凉市政协编辑出版《人文武威》。")
    assert v["verdict"] == "refuted"
    assert "“人文武威”出自武威市政协的报告" in v["explanation"]
    assert v["evidence"][-1]["quote"] == "编辑出版《人文武威》《武威文史》"


def test_every_verdict_carries_the_index_version(verifier: Verifier) -> None:
    version = verifier.engine.index_version
    for claim in ("武威市政协委员调结案件35件。", "酒泉市政协建立委员工作室50个。", "武威市政协举办了国际马拉松比赛。"):
        assert check(verifier, claim)["index_version"] == version


def test_empty_claim_is_an_input_error(verifier: Verifier) -> None:
    with pytest.raises(InputError, match="claim is empty"):
        verifier.verify("  ")


# -- the table of figures ----------------------------------------------------------------------
def test_figures_are_extracted_once_per_index_version(verifier: Verifier) -> None:
    facts = verifier.facts()
    assert verifier.facts() is facts
    assert facts.version == verifier.engine.index_version
    assert len(facts.figures) == 55
    assert [f.surface for f in verifier.figures("武威", "委员工作室")] == ["149个", "19个", "130个"]


# -- the command line --------------------------------------------------------------------------
def cli_app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def run_cli(settings: Settings, *args: str, stdin: str | None = None):
    """Run a command of the app against `settings`' index (the CLI reads its other settings from
    the environment, so the lexicon embedder is passed that way)."""
    env = {"CPPCC_QA_LEXICON_EMBEDDER": settings.lexicon_embedder}
    return CliRunner().invoke(cli_app(), [*args, "--embedder", settings.embedder, "--index-dir",
                                          str(settings.index_dir)], input=stdin, env=env)


def test_cli_verify_json_and_jsonl(settings: Settings, verifier: Verifier) -> None:
    one = run_cli(settings, "verify", "武威市政协累计形成协商成果14篇。", "--json")
    assert one.exit_code == 0, one.output
    assert json.loads(one.stdout)["verdict"] == "refuted"
    lines = "\n".join(json.dumps({"claim": c}, ensure_ascii=False)
                      for c in ("平凉市政协招引项目22项。", "酒泉市政协建立委员工作室50个。"))
    batch = run_cli(settings, "verify", "--jsonl", stdin=lines + "\n")
    assert batch.exit_code == 0, batch.output
    assert [json.loads(x)["verdict"] for x in batch.stdout.splitlines()] == ["supported", "not_found"]


def test_cli_figures_csv_and_json(settings: Settings, verifier: Verifier) -> None:
    out = run_cli(settings, "figures", "--committee", "平凉", "--text", "委员工作室", "--csv")
    assert out.exit_code == 0, out.output
    assert out.stdout.splitlines()[1].split(",")[1:4] == ["平凉市政协", "委员工作室", "131"]
    data = json.loads(run_cli(settings, "figures", "--committee", "武威", "--json").stdout)
    assert data["count"] == 23


def score_dev_claims(settings: Settings, tmp_path: Path) -> str:
    lines = DEV_CLAIMS.read_text(encoding="utf-8")
    out = run_cli(settings, "verify", "--jsonl", stdin=lines)
    assert out.exit_code == 0, out.output
    verdicts = tmp_path / "verdicts.jsonl"
    verdicts.write_text(out.stdout, encoding="utf-8")
    scored = subprocess.run([sys.executable, str(SHARED_EVAL / "score.py"), "claims", str(DEV_CLAIMS), str(verdicts),
                             "--min-accuracy", "0.9"], capture_output=True, text=True)
    assert scored.returncode == 0, scored.stdout
    return scored.stdout.strip().splitlines()[-1]


@pytest.mark.skipif(not DEV_CLAIMS.exists(), reason="shared eval data not present")
def test_dev_claims_score(settings: Settings, verifier: Verifier, tmp_path: Path) -> None:
    assert score_dev_claims(settings, tmp_path).startswith("claims: accuracy 1.000 (8/8), evidence 7/7, false support 0")


@pytest.mark.model
@pytest.mark.skipif(not DEV_CLAIMS.exists(), reason="shared eval data not present")
def test_dev_claims_score_with_the_default_model(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data")
    build_service(settings).build()
    assert score_dev_claims(settings, tmp_path).startswith("claims: accuracy 1.000 (8/8), evidence 7/7, false support 0")


def test_generic_amount_and_time_words_name_no_measure() -> None:
    from cppcc_qa.factcheck.claims import claim_terms

    text = "预计当年退税减税规模约2.5万亿元"
    terms = [t for t, _ in claim_terms(text, claim_quantities(text), 0, lambda t: 1.0)]
    assert "退税" in terms and "规模" not in terms and "当年" not in terms


def test_a_change_claim_in_other_words_meets_the_report_figure() -> None:
    from cppcc_qa.factcheck.claims import FigureContext, score_figure
    from cppcc_qa.records import Figure

    report = "今年拟安排地方政府专项债券2.15万亿元，比去年增加8000亿元"
    fig = Figure(figure_id="r:1", committee="", measure="比去年增加", value=8e11, unit="元", qualifier="", period="",
                 surface="8000亿元", passage_id="", doc_id="r", start=report.index("8000"), end=len(report))
    ctx = FigureContext(fig, "比去年增加8000亿元", report, report, report.index("比"), len(report))
    claim = "拟安排地方政府专项债券2.15万亿元，较上年多8000亿元"
    qs = claim_quantities(claim)
    from cppcc_qa.factcheck.claims import claim_terms

    terms = claim_terms(claim, qs, 1, lambda t: 1.0)
    assert "万亿" not in [t for t, _ in terms]  # the figure before is no word of this one
    match = score_figure(terms, claim, "元", ctx, lambda t: 1.0)
    assert match.cover == pytest.approx(0.5)  # 上年 stands for 去年; 多 is too short to count
