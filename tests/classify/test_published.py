"""Items as feeds publish them: the mission article with its furniture, long bodies, and
traditional Chinese. The headline and lead decide; credits, pitches and bios do not."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bot.classify import Classifier
from bot.feeds.text import html_to_text
from bot.models import Category, Flag
from bot.summarize import summarize

from .conftest import DATA

MISSION: dict[str, Any] = json.loads((DATA / "published" / "mission.json").read_text("utf-8"))
BODY_HTML = "".join(MISSION["body"])
BODY_PLAIN = "\n\n".join(re.sub(r"<[^>]+>", " ", p).strip() for p in MISSION["body"])
# The bio in the middle of the furniture, not last: related links follow it.
BODY_BIO_NOT_LAST = BODY_PLAIN + "\n\nÀ lire aussi : le bitcoin au plus haut depuis mars"


def _assert_mission(flag: Flag) -> None:
    assert flag.category is Category.BAN
    assert "WeChat" in flag.entities.platforms
    assert flag.entities.jurisdictions[0] == "CN"
    assert "US" not in flag.entities.jurisdictions
    assert "EU" not in flag.entities.jurisdictions  # from a background sentence only
    assert "CAC" in flag.entities.regulators
    assert any("banni" in e or "interdit" in e for e in flag.evidence), flag.evidence


@pytest.mark.parametrize(
    "text",
    [MISSION["lead"], BODY_HTML, BODY_PLAIN, BODY_BIO_NOT_LAST],
    ids=["headline-and-lead", "whole-html-body", "whole-plain-body", "bio-not-last"],
)
@pytest.mark.parametrize("lang", ["fr", None], ids=["feed-says-fr", "detected"])
def test_mission_article_as_published_is_a_wechat_ban_in_china(
    classifier: Classifier, text: str, lang: str | None
) -> None:
    flag = classifier.classify(MISSION["title"], text, lang)
    _assert_mission(flag)
    assert flag.lang == "fr"


def test_mission_headline_alone_is_a_ban_in_french(classifier: Classifier) -> None:
    flag = classifier.classify(MISSION["title"], "")
    assert flag.category is Category.BAN
    assert flag.lang == "fr"  # half English, half French: not a third language


def test_mission_summary_has_no_furniture() -> None:
    for body in (MISSION["lead"], html_to_text(BODY_HTML), BODY_PLAIN):
        for limit in (300, 900):
            summary = summarize(MISSION["title"], body, limit, "fr")
            assert summary.startswith("Les comptes publics WeChat")
            for furniture in ("Shutterstock", "imagevia", "Brooklyn", "newsletter", "conseil"):
                assert furniture not in summary, (furniture, summary)


def test_background_in_the_body_creates_no_category(classifier: Classifier) -> None:
    """A market story whose closing paragraphs recall old bans and lawsuits stays none."""
    lead = (
        "Le bitcoin a gagné 4 % sur la semaine, porté par les achats des fonds indiciels "
        "cotés, tandis que l'ether reste sous les 3 000 dollars. Les volumes au comptant "
        "ont progressé de 12 % selon les données de plusieurs plateformes d'échange."
    )
    background = (
        "Pour rappel, la Chine avait interdit le minage en 2021 et la SEC avait poursuivi "
        "plusieurs plateformes en 2023 ; la Banque centrale du Nigeria avait ordonné aux "
        "banques de fermer les comptes des plateformes d'échange."
    )
    flag = classifier.classify("Le bitcoin grimpe de 4 % en une semaine", f"{lead}\n\n{background}")
    assert flag.category is Category.NONE
    # The same background as the news itself is a flag: the lead decides.
    flag = classifier.classify("Rappel des interdictions", background)
    assert flag.category is not Category.NONE


def test_the_body_confirms_the_lead_with_entities_it_lacks(classifier: Classifier) -> None:
    lead = (
        "Un géant des paiements a cessé de traiter les virements vers les plateformes "
        "d'échange de cryptomonnaies dans le pays, sur instruction de la banque centrale, "
        "selon un communiqué publié mardi et consulté par notre rédaction ce matin."
    )
    body = "La mesure vise Binance et OKX. Selon la Banque centrale du Nigeria, elle est durable."
    flag = classifier.classify(
        "Les virements vers les plateformes crypto bloqués", f"{lead}\n\n{body}"
    )
    assert flag.category is Category.BAN
    assert {"Binance", "OKX"} <= set(flag.entities.platforms)


@pytest.mark.parametrize(
    ("title", "text", "category"),
    [
        (
            "菲律賓證交會下令封鎖幣安網站",
            "監管機構要求電信業者封鎖幣安的網站與應用程式。",
            Category.BAN,
        ),
        ("金管會發布虛擬資產服務商管理條例草案", "業者須完成登記才能營運。", Category.REGULATION),
        ("比特幣重返十萬美元", "現貨ETF連續五日淨流入，市場情緒回暖。", Category.NONE),
    ],
)
def test_traditional_chinese_reads_like_simplified(
    classifier: Classifier, title: str, text: str, category: Category
) -> None:
    flag = classifier.classify(title, text)
    assert flag.category is category
    assert flag.lang == "zh"
