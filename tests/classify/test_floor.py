"""Floors on the labelled sets: a change to the word lists that costs accuracy fails here.

The development set (dev.jsonl) is what the word lists were tuned on. early.jsonl was written
as a held-out set in wave 1 but its errors were later fixed: it is tuned on, not a holdout.
frozen.jsonl is the one frozen holdout: no rule is ever tuned on it (0.898 / ban P 0.915
scored once, fresh, with 63c95a7); its floor guards against losing that, not a forecast.
independent.jsonl was written by another author before reading the word lists; its errors
were then fixed by general rules. independent2.jsonl is a second set by that author (0.871
fresh), independent3.jsonl a third by another engineer (0.906 fresh), independent4.jsonl a
fourth (0.956 fresh), independent5.jsonl a fifth (0.880 fresh) and independent6.jsonl a
sixth (0.973 fresh); independent7–9 (0.927, 0.947, 0.940 fresh), independent10–12 (0.927,
0.927, 0.980), independent13–15 (0.960, 0.947, 0.947), independent16–18 (1.000, 0.967,
0.941), independent19–21 (0.993, 0.980, 0.973), independent22–24 (0.967, 0.993, 0.974) and
independent25–27 (1.000, 0.973, 0.993), independent28–30 (0.899, 0.973, 0.987),
independent31–33 (0.934, 0.925, 0.980), independent34–36 (0.922, 0.980, 0.960) and
independent37–39 (0.920, 0.895, 0.987) were written blind from the issue by three more
writers in each of eleven rounds. real2, stream2 and articles2, then real3, stream3 and
articles3, then real4, stream4 and stream5, then real5, real6, stream6 and stream7, then
real7, stream8 and articles4, then real8 and stream9, then real9, dev10, stream10, stream11
and articles5, then real10, dev11, stream12 and stream13, then dev12, stream14, stream15 and real11
(2026-12-07) likewise, and real12 and stream16 (twelfth round) and real13, real14, stream17
and stream18 (thirteenth round), whose errors were read in the thirteenth round, then real15,
dev13, stream19 and stream20 (fourteenth round), real16, articles6, stream21 and stream22
(fifteenth round), real17, real18, stream23 and stream24 (sixteenth round) and dev14, real19,
articles7 and stream25 (seventeenth round) likewise; real20, dev15 and stream26 (eighteenth
round) were scored once after every rule above, and only then read; so were real21, dev16,
articles8 and stream27 (nineteenth round, 2026-12-08).
All were then tuned on with general rules, so their floors guard those fixes, not a
forecast (docs/classifier.md).
"""

from __future__ import annotations

import io

import pytest

from bot.classify import Classifier
from bot.classify.jsonl import evaluate

from .conftest import DATA


@pytest.mark.parametrize(
    ("name", "min_items", "macro_f1", "ban_precision", "lang_f1"),
    [
        ("dev.jsonl", 300, 0.95, 0.97, 0.90),
        # Held out: the goal is macro-F1 0.92 and ban precision 0.95 on unseen items; the floor
        # leaves one item of slack below the measured 0.951 so a harmless change can pass.
        ("early.jsonl", 100, 0.92, 0.93, 0.85),
        # The frozen holdout: never tuned on. Floor a few items under its fresh score.
        ("frozen.jsonl", 190, 0.87, 0.88, 0.70),
        # Written like real feeds (wave 2), scored fresh then tuned on: real1 0.876 → 0.948,
        # articles1 (article-length, furniture) 0.900 → 0.925, stream1 (consecutive items of
        # four general feeds) 22 → 6 of 144 ordinary items flagged.
        ("real1.jsonl", 190, 0.93, 0.94, 0.85),
        # Wave 2, second round, written blind on 2026-12-07 and scored once fresh with the
        # lists of fc49e61: real2 0.881 / ban P 0.891, stream2 28 of 168 ordinary items
        # flagged, articles2 0.958. Then tuned on: real2 0.920 / 0.902, stream2 5 of 168,
        # articles2 0.979. Some slack.
        ("real2.jsonl", 290, 0.90, 0.88, 0.80),
        # Wave 2, third round, written blind on 2026-12-07 and scored once fresh (c4aa605 for
        # real3 and stream3, 8484928 for articles3): real3 0.890 / ban P 0.862, stream3 18 of
        # 205 ordinary items flagged, articles3 0.978. Then tuned on: real3 0.946 / 0.924,
        # stream3 7 of 205, articles3 1.000. Some slack.
        ("real3.jsonl", 290, 0.92, 0.89, 0.80),
        # Fourth round, written blind on 2026-12-07 and scored once fresh: real4 (en/fr/es
        # with c615c98: 0.865 / ban P 0.860; de/pt/zh with b3397b8: 0.826 / 0.854) and
        # stream4 (b3397b8: 12 of 205 ordinary items flagged). Then tuned on: real4 0.899 /
        # 0.950, stream4 7 of 205. Some slack.
        ("real4.jsonl", 290, 0.88, 0.92, 0.80),
        # Fifth round, written blind on 2026-12-07 and scored once fresh with 34f01bd: 0.954 /
        # ban P 0.936 / ban R 0.978. Left alone for a round, then its errors (non-crypto
        # platforms suspended) were among those read for ban.off-topic: tuned on since.
        ("real5.jsonl", 290, 0.93, 0.91, 0.85),
        # Sixth round, written blind on 2026-12-07 (300 items, a third none, most of them hard
        # negatives) and scored once fresh with f6e03b4: 0.883 / ban P 0.911 / ban R 0.920.
        # Then tuned on with general rules (0.930 / 0.923). Some slack.
        ("real6.jsonl", 290, 0.92, 0.90, 0.85),
        # Seventh round, written blind on 2026-12-07 (300 items, second-tier events, indirect
        # phrasing) and scored once fresh with dd188b1: 0.886 / ban P 0.897 / ban R 0.867.
        # Then tuned on with general rules (0.940 / 0.955). Some slack.
        ("real7.jsonl", 290, 0.92, 0.93, 0.82),
        # Eighth round, written blind on 2026-12-07 as a news desk saw it (famous and lesser
        # events, ordinary none items), scored once fresh with c991836 (the lists of ddba4be):
        # 0.953 / ban P 0.971 / ban R 0.971. Then tuned on (0.983 / 1.000). Some slack.
        ("real8.jsonl", 290, 0.95, 0.95, 0.88),
        # Ninth round, written blind on 2026-12-07: real9 (300 published items, second-tier
        # events, two thirds of the negatives near misses) scored once fresh with e1763c5:
        # 0.887 / ban P 0.881 / ban R 0.890; dev10 (240 short items written like dev.jsonl)
        # with bddc3e3: 0.892 / 0.961. Then tuned on (0.933 / 0.931; 0.962 / 0.974). Slack.
        ("real9.jsonl", 290, 0.91, 0.90, 0.85),
        ("dev10.jsonl", 230, 0.94, 0.95, 0.85),
        # Tenth round, written blind on 2026-12-07: real10 (300 published items as a desk
        # following crypto policy saw them, 2013–2025) scored once fresh with b43ad78: 0.940 /
        # ban P 0.988 / ban R 0.911; dev11 (240 short items, varied grammar) with 587f111:
        # 0.893 / 0.935. Then tuned on (0.967 / 1.000; 0.938 / 0.987). Slack.
        ("real10.jsonl", 290, 0.95, 0.97, 0.88),
        ("dev11.jsonl", 230, 0.92, 0.95, 0.85),
        # Eleventh round, written blind on 2026-12-07: dev12 (240 short items) scored once
        # fresh with 38504d8: 0.959 / ban P 0.987 / ban R 0.975 (errors read in round 13);
        # real11 (300 published items, every region) with bec41b7: 0.926 / 0.945 / 0.905,
        # then tuned on (0.957 / 0.989). Slack.
        ("dev12.jsonl", 230, 0.94, 0.97, 0.88),
        ("real11.jsonl", 290, 0.94, 0.97, 0.85),
        # Twelfth round, written blind on 2026-12-07 (300 published items, ordinary days of
        # 2015–2025): scored once fresh with 1cc3236, 0.950 / ban P 0.966 / ban R 0.944; its
        # errors read in the thirteenth round (0.960 / 0.966 since: fit). Some slack.
        ("real12.jsonl", 290, 0.93, 0.94, 0.85),
        # Thirteenth round, written blind on 2026-12-07: real13 (300 published items of
        # second-tier events, 70 countries) scored once fresh with 822510f, 0.890 / ban P
        # 0.903 / ban R 0.930; real14 (300 published items, weighted to 2022–2025) with
        # c4448e5, 0.936 / 0.864 / 0.989. Then tuned on (0.940 / 0.932, 0.959 / 0.890). Slack.
        ("real13.jsonl", 290, 0.92, 0.90, 0.85),
        ("real14.jsonl", 290, 0.94, 0.86, 0.88),
        # Fourteenth round, written blind on 2026-12-07: real15 (300 published items, weighted
        # to German, Portuguese and Chinese) scored once fresh with 5bdf203, 0.910 / ban P
        # 0.958 / ban R 0.910; dev13 (240 short items, varied grammar) with 7aeb30c, 0.925 /
        # 0.959 / 0.887. Then tuned on (0.947 / 0.969, 0.963 / 0.987). Slack.
        ("real15.jsonl", 290, 0.93, 0.95, 0.85),
        ("dev13.jsonl", 230, 0.94, 0.97, 0.88),
        # Fifteenth round, written blind on 2026-12-07: real16 (300 published items of ordinary
        # days in 60 countries, 2013–2025) scored once fresh with 3985f7a, 0.930 / ban P 0.913
        # / ban R 0.950. Then tuned on (0.947 / 0.915). Slack.
        ("real16.jsonl", 290, 0.93, 0.89, 0.88),
        # Sixteenth round, written blind on 2026-12-07: real17 (300 published items of
        # 2017–2020) scored once fresh with 7026e0b, 0.907 / ban P 0.902 / ban R 0.871; real18
        # (300 published items of 2022–2026) with 7026e0b, 0.940 / 0.931 / 0.953 (the
        # classifier of 8c03ace both times). Then tuned on. Slack.
        ("real17.jsonl", 290, 0.93, 0.93, 0.83),
        ("real18.jsonl", 290, 0.93, 0.91, 0.88),
        # Seventeenth round, written blind on 2026-12-07: dev14 (240 short items, varied
        # grammar) scored once fresh with 76853c8, 0.908 / ban P 0.923 / ban R 0.900; real19
        # (300 published items of less famous events in smaller countries) with 7952d92,
        # 0.940 / 0.905 / 0.989. Then tuned on. Slack.
        ("dev14.jsonl", 230, 0.92, 0.94, 0.82),
        ("real19.jsonl", 290, 0.94, 0.91, 0.92),
        # Eighteenth round, written blind on 2026-12-07 after every rule above: real20 (300
        # published items of 2015–2026) scored once fresh with 9514498, 0.920 / ban P 0.884 /
        # ban R 0.894; dev15 (240 short items) with 9514498, 0.942 / 0.938 / 0.938. Slack.
        ("real20.jsonl", 290, 0.91, 0.87, 0.86),
        ("dev15.jsonl", 230, 0.93, 0.92, 0.85),
        # Nineteenth round, written blind on 2026-12-08 after every rule above and scored
        # once fresh with the rules of 5dc1380 (at 85a3876): real21 (300 published items of
        # second-tier events, about 60 jurisdictions) 0.916 / ban P 0.868 / ban R 0.929;
        # dev16 (240 short items) 0.938 / 0.962 / 0.938. Then tuned on. Slack.
        ("real21.jsonl", 290, 0.93, 0.91, 0.88),
        ("dev16.jsonl", 230, 0.94, 0.96, 0.85),
        # Independent: written by a second engineer before reading the word lists (0.917 and
        # ban precision 0.876 before fixes, 1.000 after general fixes); a few items of slack.
        ("independent.jsonl", 200, 0.97, 0.95, 0.90),
        # Independent2: 0.871 / ban precision 0.867 fresh; 0.991 / 1.000 after the own-asset,
        # conviction, sports and opinion rules. Two items of slack.
        ("independent2.jsonl", 100, 0.96, 0.95, 0.85),
        # Independent3: 0.906 / 0.885 scored once fresh; 0.994 / 0.984 after the subject,
        # possessive and settlement rules. A few items of slack.
        ("independent3.jsonl", 150, 0.96, 0.95, 0.85),
        # Independent4: 0.956 / ban precision 0.934 scored once fresh; 1.000 after the
        # background-ban, withdrawal-freeze, cash and Spanish-infinitive rules. Some slack.
        ("independent4.jsonl", 150, 0.97, 0.95, 0.85),
        # Independent5: 0.880 / ban precision 0.747 scored once fresh; 0.966 / 0.923 after the
        # staff, business-reason, individual-bar and headline-label rules. The five ban errors
        # left are proposed bans that this set labels regulation while the word lists follow
        # the documented convention (a proposal to ban is a ban). Some slack.
        ("independent5.jsonl", 150, 0.97, 0.97, 0.90),
        # Independent6: 0.973 / ban precision 0.923 scored once fresh; 1.000 after the
        # ban-news market talk, closed-proceedings, rate-cut and "borrador" rules. Some slack.
        ("independent6.jsonl", 140, 0.97, 0.97, 0.90),
        # Independent7–9: written blind from the issue text alone, scored once fresh
        # (0.927 / ban P 0.979, 0.947 / 0.889, 0.940 / 0.940); 1.000 after the lone-ban-word,
        # DAO self-rule, clause-joint and word-family rules. Some slack.
        ("independent7.jsonl", 140, 0.97, 0.97, 0.90),
        ("independent8.jsonl", 140, 0.97, 0.97, 0.90),
        ("independent9.jsonl", 140, 0.97, 0.97, 0.90),
        # Independent10–12: a second blind round, scored once fresh with the lists of b9ec501
        # (0.927 / ban P 0.940, 0.927 / 0.918, 0.980 / 0.980); 0.993–1.000 after the
        # licensing-obligation, funding, price-headline and separable-verb rules. Some slack.
        ("independent10.jsonl", 140, 0.97, 0.97, 0.90),
        ("independent11.jsonl", 140, 0.97, 0.97, 0.90),
        ("independent12.jsonl", 140, 0.97, 0.97, 0.90),
        # Independent13–15: a third blind round, scored once fresh with the lists of 7046e67
        # (0.960 / ban P 0.926, 0.947 / 0.979, 0.947 / 0.940); 0.993–1.000 after. Some slack.
        ("independent13.jsonl", 140, 0.97, 0.97, 0.90),
        ("independent14.jsonl", 140, 0.97, 0.97, 0.90),
        ("independent15.jsonl", 140, 0.97, 0.97, 0.90),
        # Independent16–18: a fourth blind round, scored once fresh with the lists of e1060a4
        # (1.000 / ban P 1.000, 0.967 / 0.941, 0.941 / 1.000); 1.000 after. Some slack.
        ("independent16.jsonl", 140, 0.97, 0.97, 0.90),
        ("independent17.jsonl", 140, 0.97, 0.97, 0.90),
        ("independent18.jsonl", 140, 0.97, 0.97, 0.90),
        # Independent19–21: a fifth blind round, scored once fresh with the lists of 115f443
        # (0.993 / ban P 1.000, 0.980 / 0.980, 0.973 / 0.979); 1.000 after. Some slack.
        ("independent19.jsonl", 140, 0.97, 0.97, 0.90),
        ("independent20.jsonl", 140, 0.97, 0.97, 0.90),
        ("independent21.jsonl", 140, 0.97, 0.97, 0.90),
        # Independent22–24: a sixth blind round, scored once fresh with the lists of e4ee95c
        # (0.967 / ban P 1.000, 0.993 / 1.000, 0.974 / 1.000). Some slack.
        ("independent22.jsonl", 140, 0.97, 0.97, 0.90),
        ("independent23.jsonl", 140, 0.97, 0.97, 0.90),
        ("independent24.jsonl", 140, 0.97, 0.97, 0.90),
        # Independent25–27: a seventh blind round, scored once fresh with the lists of 799cae9
        # (1.000 / ban P 1.000, 0.973 / 1.000, 0.993 / 1.000). Some slack.
        ("independent25.jsonl", 140, 0.97, 0.97, 0.90),
        ("independent26.jsonl", 140, 0.97, 0.97, 0.90),
        ("independent27.jsonl", 140, 0.97, 0.97, 0.90),
        # Independent28–30: an eighth blind round, two of them harsh (near-miss negatives,
        # indirect bans), scored once fresh with the lists of 3c2c747 (0.899 / ban P 0.794,
        # 0.973 / 0.942, 0.987 / 0.980): bans ruled out ("écarte toute interdiction", "Kein
        # Verbot", "不会全面禁止") had no rule. 0.987–1.000 after. Some slack.
        ("independent28.jsonl", 140, 0.97, 0.97, 0.90),
        ("independent29.jsonl", 140, 0.97, 0.97, 0.90),
        ("independent30.jsonl", 140, 0.97, 0.97, 0.90),
        # Independent31–33: a ninth blind round (harsh negatives, indirect bans, a plain mix),
        # scored once fresh with the lists of 2025324 (0.934 / ban P 0.860, 0.925 / 1.000,
        # 0.980 / 0.980); 0.987–1.000 after. Some slack.
        ("independent31.jsonl", 140, 0.97, 0.97, 0.90),
        ("independent32.jsonl", 140, 0.97, 0.97, 0.90),
        ("independent33.jsonl", 140, 0.97, 0.97, 0.90),
        # Independent34–36: a tenth blind round (harsh, indirect, plain), scored once fresh
        # with the lists of 1955197 (0.922 / ban P 0.817, 0.980 / 1.000, 0.960 / 0.923);
        # 0.980–1.000 after. Some slack.
        ("independent34.jsonl", 140, 0.97, 0.97, 0.90),
        ("independent35.jsonl", 140, 0.97, 0.97, 0.90),
        ("independent36.jsonl", 140, 0.97, 0.97, 0.90),
        # Independent37–39: an eleventh blind round (harsh; prohibitions inside rules and bans
        # in other fields; plain), scored once fresh with the lists of 7359d89 (0.920 / ban P
        # 0.855, 0.895 / 0.783, 0.987 / 0.980). independent38 keeps five false bans about
        # bans on other things (microplastics, scooters, TikTok on state phones) that share a
        # sentence with crypto words: its floor is lower.
        ("independent37.jsonl", 140, 0.97, 0.97, 0.90),
        ("independent38.jsonl", 140, 0.95, 0.90, 0.85),
        ("independent39.jsonl", 140, 0.97, 0.97, 0.90),
    ],
)
def test_scores_hold_their_floor(
    classifier: Classifier,
    name: str,
    min_items: int,
    macro_f1: float,
    ban_precision: float,
    lang_f1: float,
) -> None:
    with (DATA / name).open(encoding="utf-8") as fh:
        report = evaluate(fh, io.StringIO(), classifier)
    assert report.errors == 0
    assert report.total >= min_items
    assert report.macro_f1() >= macro_f1, report.render()
    assert report.scores()["ban"].precision >= ban_precision, report.render()
    assert set(report.by_lang) == {"en", "fr", "es", "de", "pt", "zh"}
    for lang in report.by_lang:
        assert report.macro_f1(lang) >= lang_f1, report.render()


@pytest.mark.parametrize(
    ("articles", "min_f1", "stream", "max_false_alarms"),
    [
        ("articles1.jsonl", 0.9, "stream1.jsonl", 7),  # of 144 ordinary items
        ("articles2.jsonl", 0.95, "stream2.jsonl", 6),  # of 168
        ("articles3.jsonl", 0.95, "stream3.jsonl", 9),  # of 205
        ("articles3.jsonl", 0.95, "stream4.jsonl", 9),  # of 205
        # stream5: written blind, scored once fresh with 281747e (17 of 240 flagged), then
        # tuned on (14 of 240).
        ("articles3.jsonl", 0.95, "stream5.jsonl", 10),  # of 240
        # stream6 (January 2018, spring 2020, winter 2023–24) and stream7 (mid-2021, mid-2022,
        # spring 2025): written blind, scored once fresh with f6e03b4 (21 of 240 and 11 of 239
        # flagged), then tuned on (11 of 240, 4 of 239).
        ("articles3.jsonl", 0.95, "stream6.jsonl", 12),  # of 240
        ("articles3.jsonl", 0.95, "stream7.jsonl", 5),  # of 239
        # articles4: 40 French article-length items (translations, glued credits, bios,
        # background bans), written blind and scored once fresh with ae1ae04: 1.000. stream8:
        # an English and a French general feed, Aug–Oct 2024 and Aug–Oct 2025, written blind
        # and scored once fresh with 6401522 (12 of 249 flagged), then tuned on (4).
        ("articles4.jsonl", 0.95, "stream8.jsonl", 6),  # of 249
        # stream9: an English and a German feed, February and May 2025, written blind and
        # scored once fresh with 86ba8f7 (the lists of ddba4be): 7 of 253 flagged; then tuned
        # on (5 of 253).
        ("articles4.jsonl", 0.95, "stream9.jsonl", 6),  # of 253
        # Ninth round: articles5 (40 article-length items in five languages; 0.950 fresh with
        # bddc3e3); stream10 (an English and a Spanish feed, June 2019 and November 2022: 10
        # of 236 flagged fresh) and stream11 (an English and a Portuguese feed, January 2018
        # and August 2024: 7 of 243 fresh); then tuned on (6 of 236, 4 of 243).
        ("articles5.jsonl", 0.92, "stream10.jsonl", 7),  # of 236
        ("articles5.jsonl", 0.92, "stream11.jsonl", 5),  # of 243
        # Tenth round: stream12 (an English and a German feed, March 2020 and September 2021:
        # 11 of 233 flagged fresh with 9d70869) and stream13 (a French and a Chinese feed, May
        # 2021 and June 2023: 6 of 181 fresh with b43ad78); then tuned on (6, 3).
        ("articles5.jsonl", 0.92, "stream12.jsonl", 7),  # of 233
        ("articles5.jsonl", 0.92, "stream13.jsonl", 4),  # of 181
        # Eleventh round: stream14 (an English and a Spanish feed, December 2017 and April
        # 2025: 5 of 237 flagged fresh with eaa94cd) and stream15 (an English and a German
        # feed, July 2022 and January 2026: 7 of 245 fresh with b317c47); stream15 then tuned
        # on (4), stream14 in the thirteenth round.
        ("articles5.jsonl", 0.92, "stream14.jsonl", 6),  # of 237
        ("articles5.jsonl", 0.92, "stream15.jsonl", 5),  # of 245
        # Twelfth round: stream16 (an English and a Portuguese feed, October 2019 and March
        # 2024): 4 of 223 flagged fresh with 6e3dabb; tuned on in the thirteenth round (2).
        ("articles5.jsonl", 0.92, "stream16.jsonl", 4),  # of 223
        # Thirteenth round: stream17 (an English and a French feed, December 2020, September
        # 2023, May 2022, October 2025: 8 of 249 flagged fresh with c4448e5) and stream18 (an
        # English and a Spanish feed, August 2021, June 2025, January 2023, November 2024:
        # 15 of 256 fresh with c4448e5); then tuned on (4, 4).
        ("articles5.jsonl", 0.92, "stream17.jsonl", 6),  # of 249
        ("articles5.jsonl", 0.92, "stream18.jsonl", 6),  # of 256
        # Fourteenth round: stream19 (an English and a German feed, March 2021, November 2024,
        # October 2022, July 2025: 2 of 253 flagged fresh with 5bdf203) and stream20 (an English
        # and a Portuguese feed, January 2024, April 2022, September 2021, February 2025: 9 of
        # 255 fresh with 1888745); then tuned on (2, 8).
        ("articles5.jsonl", 0.92, "stream19.jsonl", 3),  # of 253
        ("articles5.jsonl", 0.92, "stream20.jsonl", 9),  # of 255
        # Fifteenth round: articles6 (40 article-length items in six languages: 0.922 fresh with
        # 208ce3b), stream21 (an English and a Chinese feed, July 2019, March 2023, December
        # 2021, August 2024: 5 of 254 flagged fresh with 3985f7a) and stream22 (an English and
        # a French feed, October 2018, May 2024, February 2021, August 2025: 6 of 256 fresh with
        # a2865da); then tuned on (0.948; 3, 2).
        ("articles6.jsonl", 0.92, "stream21.jsonl", 4),  # of 254
        ("articles6.jsonl", 0.92, "stream22.jsonl", 3),  # of 256
        # Sixteenth round: stream23 (an English and a French feed, one week of April 2024:
        # 2 of 218 flagged fresh with 66b6989) and stream24 (an English and a Portuguese feed,
        # one week of June 2021, China's mining crackdown: 13 of 216 fresh with 7026e0b); the
        # classifier of 8c03ace both times; then tuned on.
        ("articles6.jsonl", 0.92, "stream23.jsonl", 3),  # of 218
        ("articles6.jsonl", 0.92, "stream24.jsonl", 10),  # of 216
        # Seventeenth round: articles7 (40 article-length items in six languages: 0.899 fresh
        # with 7952d92) and stream25 (an English and a Spanish feed, the Tornado Cash week of
        # August 2022: 8 of 215 flagged fresh with 7952d92); then tuned on.
        ("articles7.jsonl", 0.92, "stream25.jsonl", 8),  # of 215
        # Eighteenth round: stream26 (an English and a French feed, one week of October 2019:
        # 5 of 224 flagged fresh with 9514498).
        ("articles7.jsonl", 0.92, "stream26.jsonl", 5),  # of 224
        # Nineteenth round: articles8 (40 article-length items, 24 French: 0.900 fresh) and
        # stream27 (an English feed of March 2018 and a German one of December 2020: 8 of 211
        # flagged fresh), both with the rules of 5dc1380; then tuned on.
        ("articles8.jsonl", 0.90, "stream27.jsonl", 7),  # of 211
    ],
)
def test_articles_and_stream_hold_their_floor(
    classifier: Classifier, articles: str, min_f1: float, stream: str, max_false_alarms: int
) -> None:
    with (DATA / articles).open(encoding="utf-8") as fh:
        long_items = evaluate(fh, io.StringIO(), classifier)
    assert long_items.macro_f1() >= min_f1, long_items.render()
    with (DATA / stream).open(encoding="utf-8") as fh:
        feed = evaluate(fh, io.StringIO(), classifier)
    false_alarms = sum(feed.pairs[("none", c)] for c in ("ban", "regulation"))
    assert false_alarms <= max_false_alarms, feed.render()


def test_dev_set_is_balanced_and_has_hard_negatives() -> None:
    import json

    rows = [json.loads(line) for line in (DATA / "dev.jsonl").read_text("utf-8").splitlines()]
    labels = [r["label"] for r in rows]
    for label in ("ban", "regulation", "none"):
        assert labels.count(label) >= len(rows) // 4
    words = ("ban", "interdi", "prohib", "verbot", "proib", "禁止")
    bans_without_ban_word = [
        r for r in rows if r["label"] == "ban" and not any(w in r["title"].lower() for w in words)
    ]
    assert len(bans_without_ban_word) >= 30
