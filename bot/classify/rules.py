"""The rule book: every rule the classifier applies, declared once, in the order it runs.

Each rule has an id (``ban.loose``), one line of purpose, the languages whose word lists
feed it, and its effect on a score. The weights of the scores sit in `WEIGHTS`. A verdict
names the rules that decided it (`Flag.rules`), `Classifier(disabled=…)` switches rules off
to measure what each one changes (``banwatch rules``), and every rule has labelled cases in
``tests/data/classify/rules.jsonl``: items where it fires and items where it must not.
``docs/classifier.md`` lists them for readers.
"""

from __future__ import annotations

from dataclasses import dataclass

ALL = "en fr es de pt zh"


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    purpose: str
    effect: str
    languages: str = ALL


RULES: tuple[Rule, ...] = (
    # Reading: what text the rules see.
    Rule(
        "read.furniture",
        "Image credits, newsletter pitches, disclaimers and author bios are not the story",
        "dropped before matching",
    ),
    Rule(
        "read.lead",
        "The headline and lead say what the news is; the body is background",
        "category from headline + lead; the body only confirms it",
    ),
    Rule(
        "read.mixed-language",
        "A short headline with no declared language may mix two",
        "read in its two likeliest languages; the one that finds something wins",
    ),
    # Ban words and what cancels them, in the order they are applied.
    Rule(
        "ban.loose",
        "Ban words in loose usage: 'bears banned from the rally', spam bots, moderators",
        "the ban word does not count",
    ),
    Rule(
        "ban.conduct",
        "Banning misconduct ('prohibits misleading claims') or staff trading is a rule, not a ban",
        "the ban word does not count",
    ),
    Rule(
        "ban.market",
        "Market talk, interest rates and block heights around an action ('cuts rates', "
        "'price drops', 'block 840,000')",
        "the action does not count",
    ),
    Rule(
        "ban.lifted",
        "A ban lifted, reopened or a court suspending a decree",
        "ban 0; regulation +0.3",
    ),
    Rule(
        "ban.negated",
        "A ban ruled out, refused, voted down or off the table",
        "the ban word does not count; in the headline, regulation +0.3",
    ),
    Rule(
        "ban.other-field",
        "Ban and rule words about another field: tariffs, oil, interest rates",
        "words within reach of that field do not count",
    ),
    Rule(
        "ban.inquiry",
        "An inquiry, probe or hearing into a ban, told in the headline",
        "the ban is what is looked into: regulation +0.3",
    ),
    Rule(
        "ban.provisions",
        "What a rule forbids or requires, told as its provisions: an explainer ('Was MiCA "
        "verbietet') or an obligation on whoever lacks a licence ('must wind down unless "
        "licensed')",
        "the ban word does not count",
    ),
    Rule(
        "ban.rules-headline",
        "A headline about rules or guidance with no ban of its own",
        "the body's prohibitions are provisions: they do not count",
    ),
    Rule(
        "ban.own-business",
        "A company closing or dropping its own things: office, pairs, servers, its own site"
        " (not when an order before it, in its sentence, makes it do so)",
        "the action does not count",
    ),
    Rule(
        "ban.off-topic",
        "A ban whose clause names neither crypto nor what it shuts: microplastics, scooters, "
        'a video app on state phones, a platform named before the noun ("the Twitter ban"),'
        " told beside crypto news",
        "the ban word or action does not count; in the headline, regulation at most 0.4 too",
    ),
    Rule(
        "ban.word",
        "A ban word next to crypto: bans, interdit, prohíbe, verbietet, proíbe, 禁止",
        "ban 0.65, +0.1 with an object, +0.1 with an actor, +0.05 in the headline",
    ),
    Rule(
        "ban.action",
        "A closing, blocking or removing action on a banned object (accounts, apps, ads, mining…)",
        "ban 0.55, +0.1 with an actor, +0.05 in the headline",
    ),
    Rule(
        "ban.order",
        "A state, regulator or court ordering someone to stop, or stopping a crypto business "
        "it names ('orders Worldcoin to stop', 'Quênia suspende a Worldcoin', '勒令…停止')",
        "the stopping action counts with no banned object in reach",
    ),
    Rule(
        "ban.exit",
        "A company leaving a country or market with a rule, a regulator or pressure as the "
        "cause ('Bybit to exit UK as new marketing regime kicks in'); its own business otherwise",
        "ban 0.7 when the headline tells it",
    ),
    Rule(
        "ban.no-actor",
        "An action with no platform, bank, regulator, authority, country or pressure named; "
        "a delisting with no regulator, authority, rule or pressure named (privacy coins "
        "aside); not a company refusing crypto as payment ('Tesla stoppt Bitcoin-Zahlungen') "
        "or keeping its customers from buying it ('stops clients from trading bitcoin'), or "
        "no longer accepting it ('n'accepte plus le bitcoin')",
        "ban at most 0.5 (a company's own business)",
    ),
    Rule(
        "ban.incident",
        "Hacks, outages, maintenance, low liquidity: ordinary business; unless told after a "
        "named party's ban on others' accounts, apps, ads or media, or a bank's block on "
        "payments for crypto ('citing scams'), or a regulator's order ('orders exchanges to "
        "shut after a hack'), as its cause",
        "ban word -0.35; actions do not count (not when told as the ban's cause)",
    ),
    Rule(
        "ban.price-move",
        "A price move in the headline: closures and crackdowns told with it are its cause",
        "actions do not count; ban words after the move do not either",
    ),
    Rule("ban.not-crypto", "No crypto word in the item", "ban at most 0.4"),
    Rule(
        "item.opinion",
        "Not news: an opinion piece, reading list or podcast labelled so in the headline, a "
        "headline that asks and then argues ('Bitcoin-Verbot? Warum …'), or an advert labelled "
        "at the start of its headline or lead (Sponsored:, Patrocinado, 廣告)",
        "ban and regulation at most 0.4",
    ),
    Rule(
        "item.people-move",
        "A people move or a death in the headline (appointed, sworn in, steps down, dies), even "
        "at a regulator or in prison, "
        "with no rule or ban told beyond the post's title",
        "ban and regulation at most 0.4",
    ),
    Rule(
        "item.false-report",
        "The headline tells a rule or approval that was fake: a false report, a hoax, a "
        "hacked account's post ('Fake ETF approval post moves market')",
        "ban and regulation at most 0.4",
    ),
    Rule(
        "item.other-field",
        "A headline about tariffs, oil or rates with no rule of its own",
        "ban and regulation at most 0.4",
    ),
    # Regulation.
    Rule(
        "reg.regulator",
        "A regulator named at work (not a former employer, not rate-setting)",
        "regulation +0.45",
    ),
    Rule(
        "reg.rules",
        "Rule and enforcement words: law, licence, fine, lawsuit, sanction, tax, court, guidance",
        "regulation 0.35, +0.1 per further kind (up to +0.2)",
    ),
    Rule(
        "reg.incidental",
        "Rule words in a DAO vote, a funding round, a price headline or an incident, no "
        "regulator; violent crime against holders (kidnapping) even with police and charges; "
        "not a law that opens the headline before its incidents ('Ley Bitcoin entra en vigor "
        "entre fallas')",
        "regulation at most 0.4",
    ),
    Rule(
        "reg.launch-background",
        "Rule words in the lead of a launch, deal, purchase, people move or record headline, or "
        "in its headline after 'with', 'after', 'designed to comply with' (how it came about)",
        "regulation at most 0.4",
    ),
    Rule(
        "reg.private-suit",
        "A company or person suing another ('Celsius sues Tether'): no regulator, authority "
        "or state acting, and no rule word but the suit's",
        "regulation at most 0.4",
    ),
    Rule(
        "item.event",
        "A conference or event announced in the headline (speakers, panels, 'sur scène', "
        "嘉年华): regulators on its programme are not a rule",
        "regulation at most 0.4",
    ),
    Rule(
        "item.cbdc",
        "A central bank's own digital currency in the headline (a pilot, test or launch: "
        "e-CNY, the digital euro, Drex, eNaira, 数码港元) with no rule or ban word there: "
        "monetary work, not a rule for crypto",
        "ban and regulation at most 0.4",
    ),
    Rule(
        "reg.headline",
        "The headline names no rule, regulator, authority or ban: rule words in the lead are "
        "background to other news (a market wrap, a purchase, a people move, an advert); not "
        "when the lead opens with a regulator at work ('The FSA fined two exchanges …')",
        "regulation at most 0.4",
    ),
    Rule(
        "reg.price-move",
        "A price move opens the headline and the rule or regulator comes after it: the move's "
        "cause ('Bitcoin drops 5% as Beijing repeats its warning')",
        "regulation at most 0.4",
    ),
    Rule(
        "reg.not-crypto",
        "Rule words with no regulator and no crypto word, or a regulator speaking of another "
        "field of finance (AI, equity markets, inflation) with no crypto word",
        "regulation at most 0.4",
    ),
)

RULE_IDS = frozenset(rule.id for rule in RULES)

# Every weight of the scores, in one table (see each rule's effect).
WEIGHTS: dict[str, float] = {
    "ban.word": 0.65,
    "ban.action": 0.55,
    "ban.object": 0.1,
    "ban.actor": 0.1,
    "ban.headline": 0.05,
    "ban.incident": 0.35,
    "ban.lone-word": 0.5,
    "cap": 0.4,
    "reg.regulator": 0.45,
    "reg.rules": 0.35,
    "reg.more-kinds": 0.1,
    "reg.authority": 0.1,
    "reg.lifted": 0.3,
    "reg.country": 0.1,
    "reg.crypto": 0.1,
}


def check(ids: frozenset[str] | set[str]) -> None:
    """Refuse rule ids that the rule book does not declare."""
    unknown = sorted(set(ids) - RULE_IDS)
    if unknown:
        raise ValueError(f"unknown rule id(s): {', '.join(unknown)}; see `banwatch rules`")
