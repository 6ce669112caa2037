"""Rule-based, precision-first classifier: ban, regulation or none, with the deciding phrases.

A ban needs a ban word (``bans``, ``interdit``, ``禁止``) or an action (``closes``, ``下架``)
right next to a banned object (accounts, apps, ads, mining…), in an item about crypto, and
neither of them inside loose usage ("bears banned", "spam bots") or ordinary business
(a hack, maintenance). An action also needs someone named doing it (a platform, bank,
regulator, authority or country) or named pressure; a ban word alone needs an object or an
actor. Regulation needs a regulator or rule words in an item about crypto.
Scores add up evidence; thresholds decide, and default to precision first.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from bot.classify.detect import CLASSIFIED, detect_language, likely_languages
from bot.classify.entities import jurisdictions, pick, unique
from bot.classify.evidence import phrase
from bot.classify.fold import FoldedText
from bot.classify.lexicon import Span
from bot.classify.reading import Reading, read
from bot.classify.rules import WEIGHTS
from bot.classify.rules import check as check_rules
from bot.classify.wordlists import LANGUAGES, Lexicon, load_lexicon
from bot.models import Category, Entities, Flag
from bot.text import has_cjk

OBJECT_WINDOW = 40  # characters between a ban action and what it bans
NOUN_BANS = frozenset({"ban", "ban's", "blackout", "shutdown"})  # "the Twitter ban"
GUARD_WINDOW = 20  # characters between a ban word and a loose-usage guard
LIFT_WINDOW = 15  # characters between a lifting verb ("overturns", "lève") and a ban word
NEAR_NEGATION = 8  # characters between a short negator ("no", "pas", "不会") and a ban word
DEADLINE_WINDOW = 120  # characters between "must" and the "or wind down" that ends it
DETECT_CHARS = 400  # characters of title + text given to language detection
LEAD_OPENING = 40  # characters of the lead where a regulator opens it
AFTER_GAP = 6  # characters between "after" and the regulator it makes a time
NAMED_GAP = 12  # characters between an action and the crypto it names ("no longer accepts
# bitcoin", "stoppt Worldcoin")
OPENING = 2  # characters before a headline's first word (a quote, a bracket)
BUYING_GAP = 25  # characters from customers to "buying", and from it to the crypto bought


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Minimum scores (0–1) to call an item a ban or regulation; higher means fewer alerts."""

    ban: float = 0.6
    regulation: float = 0.5

    def __post_init__(self) -> None:
        for name in ("ban", "regulation"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"threshold {name} must be between 0 and 1, not {value}")


class _Trace:
    """The rules that fired on one reading, in order, each with the words that made it fire;
    rules switched off (`Classifier(disabled=…)`) never fire and change nothing."""

    __slots__ = ("disabled", "elsewhere", "fired", "original")

    def __init__(self, original: str, disabled: frozenset[str]) -> None:
        self.original = original
        self.disabled = disabled
        self.fired: list[str] = []
        self.elsewhere = False  # the headline's ban is about something else (ban.off-topic)

    def on(self, rule: str) -> bool:
        return rule not in self.disabled

    def fire(self, rule: str, spans: Iterable[Span] = (), note: str = "") -> None:
        words = unique(self.original[s.start : s.end] for s in spans)
        detail = ", ".join(f'"{w}"' for w in words[:3]) or note
        entry = f"{rule} ({detail})" if detail else rule
        if entry not in self.fired:
            self.fired.append(entry)

    def keep(
        self, rule: str, spans: list[Span], kept: list[Span], why: Iterable[Span] = ()
    ) -> list[Span]:
        """`kept` when `rule` is on (noting what it removed and why), else `spans`."""
        if not self.on(rule):
            return spans
        removed = [x for x in spans if x not in kept]
        if removed:
            self.fire(rule, [*removed[:2], *list(why)[:1]])
        return kept


@dataclass(frozen=True, slots=True)
class _Found:
    """Everything matched in one item, in original-text coordinates."""

    text: FoldedText
    trace: _Trace
    title_end: int
    crypto: bool
    cryptos: list[Span]  # the crypto words, where they are
    orders: list[Span]  # an order to someone: "orders", "ordena a", "勒令"
    exits: list[Span]  # a company leaving a country or market: "to exit", "quitte", "退出"
    erasures: list[Span]  # deleting data or content: "delete", "löschen", "删除"
    police: bool  # law enforcement named: police, prosecutors, FBI, BKA, 公安
    bankruptcy: bool  # a bankruptcy case: its court and judge do not regulate
    payments: list[Span]  # crypto taken as payment or donation: "Bitcoin-Zahlungen", "dons"
    buying: list[Span]  # buying or trading: "buying", "from trading", "comprar", "kaufen"
    seizures: list[Span]  # seizing or freezing: "seizes", "beschlagnahmt", "congela"
    violence: bool  # violent crime (kidnapping, robbery): its police and courts do not regulate
    courts: list[Span]  # courts and judges: they hear suits, they do not bring them
    delists: list[Span]  # delisting words: an exchange's business unless someone presses
    privacy: bool  # privacy coins named: what exchanges delist under pressure
    field: bool  # finance beyond crypto named: AI, equity markets, inflation
    markets: list[Span]  # "market", "marché", "市场"
    strong: list[Span]
    weak: list[Span]
    lifted: list[Span]
    objects: list[Span]
    regulation: list[Span]
    authorities: list[Span]
    loose: list[Span]
    own: list[Span]  # a company's own things: office, plant, quarter, server…
    ordinary: bool  # hack, maintenance… anywhere in the item, or a sanctions headline
    opinion: bool  # an opinion piece, reading list or podcast, said in the headline
    event: bool  # a conference announced in the headline: speakers, panels, 嘉年华
    cbdc: bool  # a central bank's digital currency in a headline with no rule or ban word
    community: bool  # a DAO or token holders making their own rules
    pressure: bool  # "under pressure", "to comply with regulatory requirements"
    business: bool  # a company's funding or results ("raises $30 million to help … comply")
    incidents: list[Span]  # a hack, outage, maintenance, bankruptcy… ([guards] no_ban words)
    launch_headline: bool  # a launch, deal, people move or record in the headline
    rules_in_headline: bool  # a rule, regulator, authority or ban word in the headline
    state_headline: bool  # a country or jurisdiction opens the headline ("Chile: …")
    lead_acts: bool  # the lead opens with a regulator at work ("The FSA issued orders to …")
    other_field: bool  # the headline is about tariffs, oil or rates, with no rule of its own
    # Where the headline tells a price move ("Ether avanza…", "Le bitcoin stable…"), or 0.
    price_headline: int
    # A price move opens the headline and every rule, regulator or ban word in it comes after.
    rules_after_price: bool
    people: bool  # a people move is the headline's news (item.people-move)
    false_report: bool  # the headline's rule or ban is a fake (item.false-report)
    advert: bool  # labelled an advert: "Sponsored:", "Patrocinado", "【廣告】"
    platforms: list[Span]
    regulators: list[Span]
    countries: list[Span]


# When a ban action has several objects within reach, the label comes from the first kind here.
ACTION_PRIORITY = (
    "obj:delisting",
    "obj:account closure",
    "obj:app removal",
    "obj:ad ban",
    "obj:mining ban",
    "obj:payment ban",
    "obj:trading ban",
    "obj:media ban",
    "obj:site block",
)
_RANK = {group: rank for rank, group in enumerate(ACTION_PRIORITY)}
# Banks and payment networks: closing "its" cards or accounts is cutting customers off.
PAYMENT_PLATFORMS = frozenset(
    {
        "Banks",
        "Payment providers",
        "Visa",
        "Mastercard",
        "UnionPay",
        "PayPal",
        "Stripe",
        "Alipay",
        "Paytm",
        "Mercado Pago",
        "M-Pesa",
        "Orange Money",
    }
)
# Objects that a platform or authority shuts for others, never a company's own business.
THIRD_PARTY = frozenset({"obj:account closure", "obj:app removal", "obj:ad ban", "obj:media ban"})


# Sentence ends, a headline's colon ("MiCA transition ends: what changes for exchanges"),
# and clause joints that start a new subject ("… no job will be cut *and that* customer
# service …"): an action and an object on either side are not one phrase.
# fmt: off
_BREAKS = ("\n", ". ", "。", "; ", "；", "！", "？", "! ", "? ", ": ", "：",
           " and that ", " et que ", " y que ", " und dass ", " e que ",
           ", and ", ", et ", ", y ", ", und ", ", e ")
# fmt: on


_BREAK = re.compile("|".join(re.escape(mark) for mark in _BREAKS))


# A clause: a sentence, or a part of one after a semicolon, a comma or a dash ("EU verbietet
# Mikroplastik in Kosmetik – Start-up setzt auf Blockchain"): the ban it tells is its own.
_CLAUSE_MARKS = (";", "，", " – ", " — ", " - ")
_CLAUSE = re.compile(_BREAK.pattern + "|" + "|".join(map(re.escape, _CLAUSE_MARKS)))


def _clause(text: str, span: Span) -> tuple[int, int]:
    """Where the clause holding `span` starts and ends."""
    start = max((m.end() for m in _CLAUSE.finditer(text, 0, span.start)), default=0)
    end = _CLAUSE.search(text, span.end)
    return start, end.start() if end else len(text)


def _off_topic(text: str, action: Span, about: Iterable[Span]) -> bool:
    """Whether a ban's clause names neither crypto nor anything a ban shuts ("Prefeitura
    proíbe patinetes elétricos na orla; empresa aceitava bitcoin"): it bans something else."""
    start, end = _clause(text, action)
    return not any(
        a.start < end and a.end > start and (not a.overlaps(action) or a.start > action.start)
        for a in about
    )


CHARGE_WINDOW = 150  # characters between "alleging", "charged with" and the unlawful act
ORDER_WINDOW = 60  # characters between "orders" and the stopping it orders


def _delisted(text: str, action: Span, objects: list[Span]) -> bool:
    """Whether a delisting word takes tokens or pairs off (or nothing named), not apps or
    accounts ("下架" is both): its object, after it and other than the word itself."""
    target = _target(text, action, [o for o in objects if o.start >= action.end])
    return target is None or target.group == "obj:delisting"


def _ordered(text: str, action: Span, orders: list[Span]) -> Span | None:
    """The order to stop that a stopping action carries out, when no banned object is in
    reach ("la AEPD ordena a Worldcoin dejar de…", "勒令…停止"): in the action's clause,
    before it. `None` when nobody ordered it."""
    start, _ = _clause(text, action)
    order = next(
        (o for o in orders if o.start >= start and _precedes(text, o, action, ORDER_WINDOW)),
        None,
    )
    return None if order is None else Span(order.start, order.end, "obj:order to stop")


def _same_sentence(text: str, a: Span, b: Span) -> bool:
    return _BREAK.search(text, min(a.end, b.end), max(a.start, b.start)) is None


def _in_reach(text: str, a: Span, b: Span, window: int) -> bool:
    """Whether `a` and `b` are at most `window` characters apart, in one sentence."""
    return a.near(b, window) and _same_sentence(text, a, b)


def _precedes(text: str, a: Span, b: Span, window: int) -> bool:
    """Whether `a` ends before `b` starts, at most `window` characters before, in one sentence."""
    return a.end <= b.start and b.start - a.end <= window and _same_sentence(text, a, b)


# A headline that asks and then argues ("Bitcoin-Verbot? Warum die Angst übertrieben ist",
# "¿Prohibir las criptomonedas? Por qué no es la solución") is an opinion piece.
_ARGUED = re.compile(
    r"\?\s*[«\"“]?\s*(?:why|warum|wieso|weshalb|pourquoi|por\s*qu[eé]|porque|por\s*que|为什么|為什麼)\b",
    re.IGNORECASE,
)


def _foreground(spans: Iterable[Span], launches: list[Span], withs: list[Span]) -> list[Span]:
    """The spans that are not a launch's background: "OKX expands in UAE with full VARA
    licence", "Bitpanda abre oficina en Madrid tras su registro" tell a launch, and the
    licence after "with" or "after" is how it came about."""
    return [
        x
        for x in spans
        if not any(
            launch.end <= w.start and (x.overlaps(w) or 0 <= x.start - w.end <= BACKGROUND_REACH)
            for launch in launches
            for w in withs
        )
    ]


def _compound_start(text: str, start: int) -> int:
    """Where the hyphenated word holding `start` begins ("Proof-of-Work-Verbot")."""
    if start == 0 or text[start - 1] != "-":
        return start
    while start > 0 and (
        text[start - 1] == "-" or (text[start - 1].isalnum() and text[start - 1] < "\u3000")
    ):
        start -= 1
    return start


def _cut_off(f: _Found) -> bool:
    """A bank or payment network blocking payments for crypto in the headline, with the
    scams or fraud told after the action as its reason ("Chase UK to block crypto purchases,
    citing scams"); not a lender pausing its own withdrawals."""
    first = min((a.end for a in f.weak), default=0)
    return (
        any(p.group in PAYMENT_PLATFORMS for p in f.platforms)
        and any(
            o.group == "obj:payment ban"
            and o.start < f.title_end
            # payments for crypto ("crypto purchases", "payments to crypto exchanges")
            and any(-3 <= o.start - c.end <= 3 or 0 <= c.start - o.end <= 20 for c in f.cryptos)
            for o in f.objects
        )
        and all(i.start > first for i in f.incidents)
    )


_ACCEPTING = re.compile(r"accept|acept|aceit|akzept|tak(?:e|es|ing)\b|接受|收取")


def _refused(text: str, action: Span, cryptos: list[Span]) -> Span | None:
    """Crypto refused as payment: "no longer accepts bitcoin", "n'accepte plus le bitcoin",
    "deja de aceptar criptomonedas". The crypto named right after the refusal is what is
    banned, as payment; the company refusing it is the one banning. So is a crypto named
    inside a spread-out refusal ("akzeptiert kein Bitcoin mehr")."""
    if not _ACCEPTING.search(text[action.start : action.end].casefold()):
        return None
    for c in cryptos:
        if (action.start < c.start and c.end < action.end) or _precedes(text, action, c, NAMED_GAP):
            return Span(c.start, c.end, "obj:payment ban")
    return None


def _law_first(f: _Found) -> bool:
    """A law or rule word in the headline before every incident of the item, the incidents
    being all that makes the rule words incidental (no DAO, business or price story)."""
    if not f.incidents or f.community or f.business or f.price_headline:
        return False
    return any(
        x.group == "reg:law"
        and x.start < f.title_end
        and all(x.start < i.start for i in f.incidents)
        for x in f.regulation
    )


def _stopped(f: _Found, action: Span) -> Span | None:
    """A state or regulator that stops a crypto business it names, in the headline:
    "Kenia stoppt Worldcoin", "Quênia suspende a Worldcoin". The state comes before the
    action, the crypto name right after it."""
    if action.start >= f.title_end or any(action.overlaps(x) for x in f.seizures):
        return None
    states = (*f.regulators, *f.authorities, *f.countries)
    if not any(s.end <= action.start for s in states):
        return None
    text = f.text.original
    for c in f.cryptos:
        name = text[c.start : c.end]
        if (
            _precedes(text, action, c, NAMED_GAP)
            and name[:1].isupper()
            and _GENERIC.fullmatch(name) is None
        ):
            return Span(c.start, c.end, "obj:order to stop")
    return None


# Crypto words that name no business: "stoppt Krypto-Gesetz", "blocks stablecoin bill".
_GENERIC = re.compile(
    r"(?i)(?:crypto|krypto|cripto|bitcoin|btc|ether|ethereum|eth|blockchain|stablecoins?|"
    r"tokens?|nfts?|defi|web3|altcoins?|memecoins?)\w*"
)


def _ordered_for(f: _Found) -> bool:
    """A regulator or authority ordering the action, with the incidents told after it as
    its cause ("Iran's Central Bank Orders Crypto Exchanges to Shut Overnight After Nobitex
    Hack"): the order is the news, not an incident's ordinary business."""
    if not (f.regulators or f.authorities):
        return False
    return any(
        _precedes(f.text.original, o, a, ORDER_WINDOW) and all(i.start > a.end for i in f.incidents)
        for o in f.orders
        for a in f.weak
    )


def _paying(text: str, target: Span, f: _Found) -> bool:
    """Does a company turn its own customers away from crypto? The banned object is crypto
    taken as payment (its object word a payment word: "Tesla stoppt Bitcoin-Zahlungen"), or
    customers or purchases followed by buying and a crypto word in the same sentence
    ("blocks clients from trading bitcoin futures", "stops customers buying bitcoin with
    credit cards", "suspende compras de carros com bitcoin")."""
    if target.group == "obj:payment ban" and (
        any(target.overlaps(p) for p in f.payments)
        or any((target.start, target.end) == (c.start, c.end) for c in f.cryptos)  # refused
    ):
        return True
    if target.group not in ("obj:account closure", "obj:payment ban"):
        return False
    return any(
        (b.overlaps(target) or 0 <= b.start - target.end <= BUYING_GAP)
        and any(
            0 <= c.start - b.end <= BUYING_GAP and _same_sentence(text, target, c)
            for c in f.cryptos
        )
        for b in f.buying
    )


def _apart(spans: list[Span], guards: list[Span]) -> list[Span]:
    """`spans` without those next to a guard (within GUARD_WINDOW)."""
    if not guards:
        return spans
    return [s for s in spans if not any(s.near(g, GUARD_WINDOW) for g in guards)]


INQUIRY_WINDOW = 60  # characters between "probes", "investiga" and the ban it looks into
OTHER_WINDOW = 60  # characters between a ban or rule word and a word of another field


def _outside(text: str, title_end: int, spans: list[Span], other: list[Span]) -> list[Span]:
    """`spans` without those about another field: within OTHER_WINDOW of one of its words
    in the same sentence, or anywhere near it in the headline ("trade court strikes down
    tariffs", "BCE : une nouvelle baisse des taux")."""
    if not other:
        return spans

    def about_other(s: Span) -> bool:
        return any(
            s.near(o, OTHER_WINDOW)
            and (_same_sentence(text, s, o) or (s.start < title_end and o.start < title_end))
            for o in other
        )

    return [s for s in spans if not about_other(s)]


# A figure right after a verb: "drops 5%", "cai para US$ 42 mil", "跌破8.6万美元", "hits
# $1.96", "repasse les 117 000 dollars": a number (its thousands spaced or not) with a unit
# after it, or an amount with its currency.
# "mil" is a price ("US$ 100 mil", "cai para 95 mil dólares") unless a noun follows it ("bloqueia
# 25 mil endereços": a count of things).
_UNITS = (
    r"%|k\b|mil\b(?!\s+(?!d[óo]lares|reais|euros?\b|usd\b)[^\W\d_])|万|美元|dollars?\b|prozent|"
    r"por ciento|pour cent|por cento|euros?\b|€|\$"
)
# Between the verb and its figure: spaces and up to two small words ("drops to", "cai para",
# "drops nearly").
_TO = (
    r"(?:to|at|by|near|nearly|almost|about|around|roughly|over|below|above|under|para|a|à|au|"
    r"aux|até|ate|por|de|em|en|hasta|sobre|quase|cerca|casi|près|pres|presque|environ|auf|bis|zu|"
    r"the|les|la|le|los|las|os|as|die|der|"
    r"unter|über|uber|bei|fast|rund|etwa)"
)
# A block height: "block 840,000 and …", "bloque 630.000," (four digits or more, then no noun:
# "block 17 apps" and "blocks 12,000 websites" are counts of what is blocked).
_BLOCK_HEIGHT = re.compile(
    r"(?i)(?:block|bloque|bloco|bloc)\s+#?\s?\d{1,3}(?:[,.\u00a0\u202f ]?\d{3})+"
    r"(?![\d,.]?\d)(?=\s*(?:$|[^\w\s]|(?:and|on|at|in|was|is|y|e|et|und|en|em|wurde)\b))"
)
_FIGURE = re.compile(
    rf"[\s(]{{0,3}}(?:{_TO}\s+){{0,2}}(?:(?:US|R|HK|A|C)?[$€£¥]\s?\d|"
    rf"\d(?:[\d.,]|[\s\u00a0\u202f](?=\d))*\s?(?:{_UNITS}))",
    re.I,
)


POST_WINDOW = 30  # characters between "sworn in as" and the last word of the post's title
BACKGROUND_REACH = 25  # characters from "with", "after" to the licence it brings in
FAKE_WINDOW = 25  # characters between "fake", "false report of" and the rule word it denies
APPOINTER_WINDOW = 3  # characters between the body that appoints and its verb ("Senate confirms")


def _people_move(text: str, title_end: int, people: list[Span], said: list[Span]) -> bool:
    """Whether the headline is a people move ("Paul Atkins sworn in as chairman of the SEC",
    "Michelle Bowman, confirmada como vicepresidenta de supervisión"): a people word in it,
    and no rule or ban word there but the rule words of the post's title, right after it, or
    of the body that fills the post, right before it ("Senate confirms Gensler as SEC
    chair")."""
    moves = [p for p in people if p.start < title_end]
    return bool(moves) and all(
        # a ban word is never a post's title: "Twitter joins Facebook in cracking down on …"
        x.group.startswith("reg:")
        and any(
            _precedes(text, p, x, POST_WINDOW) or _precedes(text, x, p, APPOINTER_WINDOW)
            for p in moves
        )
        for x in said
    )


def _price_move(
    title: str, prices: list[Span], at_figure: list[Span], weak: list[Span], cryptos: list[Span]
) -> int:
    """Where the headline's price move ends, or 0: a price verb ("steadies", "recule", "下跌"),
    a reaching, closing or dropping word followed by a figure ("XRP hits $1.96", "Bitcoin
    drops 5%"), or a coin that opens the headline at a price ("Bitcoin à 60 000 $ : …",
    "Bitcoin über 50.000 Dollar")."""
    ends = [p.end for p in prices if p.start < len(title)]
    ends += [
        w.end for w in (*at_figure, *weak) if w.start < len(title) and _FIGURE.match(title, w.end)
    ]
    ends += [c.end for c in cryptos if c.start <= OPENING and _FIGURE.match(title, c.end)]
    return min(ends, default=0)


# A platform's name followed by one of these names something else: its newsroom, research
# arm or fund ("Huobi News", "Binance Research", "Coinbase Ventures"), not the platform.
_ARM = re.compile(
    r"[\s-]+(?:News|Daily|Media|Blog|Research|Academy|Insights|Ventures|Labs|Capital)\b"
)


def _platforms(text: str, spans: list[Span]) -> list[Span]:
    """The platforms named, without a newsroom, research arm or fund named after one."""
    return [s for s in spans if not _ARM.match(text, s.end)]


def _in_headline(spans: Iterable[Span], title_end: int) -> bool:
    return any(s.start < title_end for s in spans)


# An advert's label, as feeds print it at the start of the headline or the lead: "Sponsored:",
# "[Sponsored]", "Press release", "Patrocinado", "Anzeige", "Publicité", "【廣告】", "贊助｜".
_ADVERT = re.compile(
    r"^\W{0,2}(?:sponsored(?: (?:post|content|article))?|paid (?:post|content)|partner content|"
    r"press release|advertorial|promoted|(?:contenu |article )?sponsoris[ée]|"
    r"publi-?r[ée]dactionnel|communiqu[ée] de presse|publicit[ée]|"
    r"(?:contenido |conte[úu]do )?patrocinad[oa]|comunicado de (?:prensa|imprensa)|"
    r"publieditorial|anzeige|gesponsert|werbung|pressemitteilung|"
    r"广告|廣告|赞助|贊助|推广|推廣)\s*[\]】)｜|:：\-–—]",
    re.IGNORECASE,
)


def _advert(title: str, lead: str) -> bool:
    return bool(_ADVERT.match(title) or _ADVERT.match(lead))


_HEADLINE_SUBJECT = re.compile(r"^\W*(?:\S+\s+){0,2}\S*")  # the first three words


def _lead_acts(
    text: str, title_end: int, regulators: list[Span], rules: list[Span], after: list[Span]
) -> bool:
    """The lead's first words name a regulator, and a rule or enforcement word follows it in
    that sentence: "The Financial Services Agency issued business improvement orders …",
    "La CNV aprobó un registro obligatorio …". A headline too vague to say so ("A busy week
    for Japan's exchanges") leaves the news to the lead; not a regulator named as a time
    ("Shortly after the FCA statement, …") nor the cause of a headline's price move."""
    opening = [
        r
        for r in regulators
        if title_end <= r.start < title_end + LEAD_OPENING
        and not any(0 <= r.start - a.end <= AFTER_GAP for a in after)
    ]
    return any(x.start >= r.end and _same_sentence(text, r, x) for r in opening for x in rules)


def _heads_headline(spans: Iterable[Span], title: str) -> bool:
    """A span that opens the headline, or its part before a colon ("Chile: …", "Russland
    legalisiert …", "韩国《…》施行"): the subject the news is about."""
    colon = re.search(r"[:：|｜]", title[:60])
    end = colon.start() if colon else len(_HEADLINE_SUBJECT.match(title)[0])  # type: ignore[index]
    if has_cjk(title[:4]):
        end = min(end, 6) if not colon else end
    return any(s.start < end for s in spans)


def _target(text: str, action: Span, objects: list[Span]) -> Span | None:
    """The object a ban action acts on, in its sentence: the most specific kind within reach,
    then the nearest."""
    lo, hi = action.start - OBJECT_WINDOW, action.end + OBJECT_WINDOW
    near = [o for o in objects if o.end >= lo and o.start <= hi and _same_sentence(text, action, o)]
    if not near:
        return None
    return min(near, key=lambda o: (_RANK.get(o.group, len(_RANK)), _gap(action, o)))


def _made_to(text: str, action: Span, f: _Found) -> bool:
    """Whether an order before the action, in its sentence, makes the company do it
    ("ordnete an, dass die Tochter keine Stablecoins mehr ausgibt"): not its own business.
    An order to freeze its funds is enforcement on its assets, and stays its own."""
    if any(action.overlaps(x) for x in f.seizures):
        return False
    return any(o.end <= action.start and _same_sentence(text, o, action) for o in f.orders)


def _acts_on_own(text: str, action: Span, objects: list[Span], own: list[Span]) -> bool:
    """Whether a weak action acts on the company's own things ("closes its office", "schließt
    Büro", "关闭旧服务器") rather than on what a platform or authority shuts for others: the
    nearest word in object position (after the verb) is an own-asset word; with nothing after
    it, the nearest before it (passive: "Büro geschlossen")."""
    if not own:
        return False

    def reach(spans: list[Span]) -> list[Span]:
        return [
            s for s in spans if not s.overlaps(action) and _in_reach(text, action, s, OBJECT_WINDOW)
        ]

    # Own words inside a spread-out action ("legt alte Anlagen still") count as its object.
    mine = [s for s in own if s.start >= action.start and s.end <= action.end] + reach(own)
    theirs = reach(objects)
    if not mine:
        return False
    after_own = [s for s in mine if s.start >= action.start]
    after_obj = [s for s in theirs if s.start >= action.end]
    if after_own or after_obj:
        if not after_own:
            return False
        first_own = min(s.start for s in after_own)
        # "drops trading fees": an own compound that starts with an object word is own.
        return not after_obj or first_own <= min(s.start for s in after_obj)
    return max(s.end for s in mine) > max((s.end for s in theirs), default=-1)


_HEADLINE_SEPARATORS = (":", "：", "|", " — ", " – ", " - ")


def _labels_headline(title: str, term: Span) -> bool:
    """Whether an opinion word is the headline's label ("Opinion: …", "Podcast | …", "…: a
    reading list") rather than a word of the news ("Spotify pulls crypto podcast ads")."""
    before, after = title[: term.start], title[term.end :]
    if not before.strip(" \t【[(«\"'"):
        return True
    if after.lstrip()[:1] in (":", "：", "|"):
        return True
    cut = max(before.rfind(sep) for sep in _HEADLINE_SEPARATORS)
    return cut >= 0 and len(before) - cut <= 15


FORMER_WINDOW = 12  # characters between "former" / "ex-" and the regulator it qualifies


def _acting(regulators: list[Span], former: list[Span], monetary: list[Span]) -> list[Span]:
    """Regulators named as a regulator at work: not a person's former employer ("hires
    former SEC official", "exregulador de la CNMV"), nor a central bank setting interest
    rates ("Zinsentscheid der EZB")."""
    if not former and not monetary:
        return regulators
    return [
        r
        for r in regulators
        if not any(f.end <= r.start and r.start - f.end <= FORMER_WINDOW for f in former)
        and not any(r.near(m, GUARD_WINDOW) for m in monetary)
    ]


def _shares_verb(action: Span, rule: Span) -> bool:
    """Whether a rule term takes in the action's own words ("prison ferme"), not just a word
    in the gap of a spread-out action ("wirft nicht lizenzierte Apps aus": the apps' status)."""
    return action.overlaps(rule) and (rule.start <= action.start or rule.end >= action.end)


def _gap(a: Span, b: Span) -> int:
    return 0 if a.overlaps(b) else max(b.start - a.end, a.start - b.end)


def _nearest(span: Span, others: list[Span], window: int) -> Span | None:
    best: Span | None = None
    best_gap = window + 1
    for other in others:
        gap = _gap(span, other)
        if gap < best_gap:
            best, best_gap = other, gap
    return best


def _without_licensing_rules(
    hits: dict[str, list[Span]], original: str, strong: list[Span], weak: list[Span]
) -> tuple[list[Span], list[Span]]:
    """Drop ban words that state a licensing rule: an obligation on whoever lacks a licence
    ("firms without an authorisation must wind down", "未完成登记的业者不得提供服务")."""
    unlicensed, modal = hits.get("guards.unlicensed", []), hits.get("guards.modal", [])
    if not modal and not hits.get("guards.otherwise"):
        return strong, weak

    intermediaries = hits.get("guards.intermediary", [])

    def licensing(span: Span) -> bool:
        # ISPs or app stores between whoever lacks a licence and the blocking: they are
        # told to block it, which is an order, not a licensing rule.
        if any(
            u.end <= i.start and i.end <= span.start
            for u in unlicensed
            for i in intermediaries
            if _same_sentence(original, u, span)
        ):
            return False
        # Whoever lacks a licence is the sentence's subject, or in reach of the stop word.
        return any(
            _in_reach(original, span, u, OBJECT_WINDOW)
            or _precedes(original, u, span, DEADLINE_WINDOW)
            for u in unlicensed
        ) and any(span.near(m, GUARD_WINDOW) for m in modal)

    # A deadline's alternative: "must be licensed by June 1 or wind down", "deberán
    # inscribirse antes de la fecha límite o dejar de prestar servicios", "müssen … besitzen,
    # andernfalls ihr Geschäft einstellen".
    # So is an imperative one: "Register by September 24 or stop trading".
    otherwise = hits.get("guards.otherwise", [])
    licences = hits.get("reg:licence", [])

    def alternative(span: Span) -> bool:
        # "faute de quoi les plateformes devront cesser": a modal may stand between.
        return any(
            (
                _precedes(original, o, span, GUARD_WINDOW)
                or any(
                    _precedes(original, o, m, GUARD_WINDOW)
                    and _precedes(original, m, span, GUARD_WINDOW)
                    for m in modal
                )
            )
            and (
                any(_precedes(original, m, span, DEADLINE_WINDOW) for m in modal)
                or any(_precedes(original, x, o, DEADLINE_WINDOW) for x in licences)
            )
            for o in otherwise
        )

    def licensing_or_deadline(span: Span) -> bool:
        return (bool(unlicensed) and licensing(span)) or alternative(span)

    return (
        [s for s in strong if not licensing_or_deadline(s)],
        [w for w in weak if not licensing_or_deadline(w)],
    )


def _lifts_and_denials(
    hits: dict[str, list[Span]], original: str, title_end: int, strong: list[Span], weak: list[Span]
) -> tuple[list[Span], list[Span], list[Span]]:
    """Ban words still standing, and those lifted: a ban lifted, reopened, ruled out or
    refused is regulation news, not a ban."""
    lifted = list(hits.get("ban.lifted", []))
    # A lifting verb right next to a ban word ("lève l'interdiction", "推翻…禁令",
    # "Verbot … aufgehoben") is a ban being lifted, in any word order.
    # Not a verb inside the company's own business ("levées de fonds": fundraising).
    own = hits.get("guards.own", [])
    verbs = [v for v in hits.get("ban.lift", []) if not any(v.overlaps(o) for o in own)]
    if verbs and strong:
        lifted += [s for s in strong if any(_in_reach(original, s, v, LIFT_WINDOW) for v in verbs)]
    # A lifting verb just before a closing or blocking action, or around it, lifts it too
    # ("解除…营运限制", "lifts restrictions on", "hebt Sperrverfügung … auf"); not a verb
    # that is an action itself ("will end").
    lifters = [v for v in verbs if not any(v.overlaps(w) and v.start >= w.start for w in weak)]
    if lifters and weak:
        lifted += [
            w
            for w in weak
            if any(
                (v.start <= w.start and w.end <= v.end and v != w)
                or _precedes(original, v, w, LIFT_WINDOW)
                for v in lifters
            )
        ]
    # A headline that lifts or reopens ("court orders bank to reopen an exchange's
    # accounts") with no ban of its own: the body's closing words tell what is undone.
    if _in_headline(lifters, title_end) and not _in_headline((*strong, *weak), title_end):
        lifted += strong + weak
    # A ban ruled out, refused or failed ("rules out a ban", "écarte toute interdiction",
    # "Kein Verbot", "不会全面禁止", "ne peuvent pas fermer") bans nothing: the ban word
    # does not count, and in the headline it makes the item regulation news, like a lift.
    negations = hits.get("ban.negation", [])
    ruled_out = hits.get("ban.ruled_out", [])  # after the ban word: "steht nicht zur Debatte"
    if not (negations or ruled_out) or not (strong or weak):
        return strong, weak, lifted

    def negated(span: Span) -> bool:
        # A short negator ("no", "pas", "kein", "不会") must stand right before the ban
        # word: "no prohibirá", not "no registrada cierra".
        # "Kein Proof-of-Work-Verbot": the negator stands before the whole compound.
        word = Span(_compound_start(original, span.start), span.end, span.group)
        return any(
            _precedes(original, n, word, NEAR_NEGATION if n.end - n.start <= 4 else LIFT_WINDOW)
            for n in negations
        ) or any(_precedes(original, span, n, LIFT_WINDOW) for n in ruled_out)

    denied = [x for x in (*strong, *weak) if negated(x)]
    lifted += [x for x in denied if x.start < title_end]
    return (
        [x for x in strong if x not in denied],
        [x for x in weak if x not in denied],
        lifted,
    )


def _rules(f: _Found, ban: float) -> tuple[str, ...]:
    """The rules that fired, without the ban rules when nothing in the item was a ban."""
    if ban == 0.0 and not f.lifted:
        return tuple(r for r in f.trace.fired if not r.startswith(("ban.word", "ban.action")))
    return tuple(f.trace.fired)


def _confirmed(lead: Flag, whole: Flag) -> Flag:
    """The lead's verdict, confirmed by the whole text when both agree on the category: the
    higher score, the lead's evidence first, and entities the lead did not name."""
    if lead.category is not whole.category:
        note = f"read.lead (the body alone would say {whole.category.value})"
        return replace(lead, rules=(*lead.rules, note))
    if lead.category is Category.NONE:
        return lead
    a, b = lead.entities, whole.entities
    entities = replace(
        a,
        platforms=a.platforms or b.platforms,
        jurisdictions=a.jurisdictions or b.jurisdictions,
        regulators=a.regulators or b.regulators,
        action=a.action or b.action,
    )
    evidence = unique([*lead.evidence, *whole.evidence])[:3]
    ids = {r.split(" ")[0] for r in lead.rules}
    more = [r for r in whole.rules if r.split(" ")[0] not in ids]
    rules = [*lead.rules, *more, "read.lead (the body confirms)"]
    return replace(
        lead,
        score=max(lead.score, whole.score),
        evidence=evidence,
        entities=entities,
        rules=tuple(rules),
    )


class Classifier:
    """Classify news items; build once and reuse (word lists compile on first use)."""

    def __init__(self, thresholds: Thresholds | None = None, disabled: Iterable[str] = ()) -> None:
        """`disabled`: rule ids of the rule book (`bot.classify.rules`) to switch off, to
        measure what each rule changes."""
        self.thresholds = thresholds or Thresholds()
        self.disabled = frozenset(disabled)
        check_rules(self.disabled)
        # Word lists are built on first use (about 12 MB for the six languages): the bot's
        # own process, whose parse workers classify, may never need them.
        self._lexicons: dict[str, Lexicon] = {}

    def loaded(self) -> tuple[str, ...]:
        """The languages whose word lists are built."""
        return tuple(self._lexicons)

    def load(self) -> None:
        """Build every language's word lists now rather than on first use."""
        for lang in LANGUAGES:
            self.lexicon(lang)

    def lexicon(self, lang: str) -> Lexicon:
        if lang not in self._lexicons:
            self._lexicons[lang] = load_lexicon(lang)
        return self._lexicons[lang]

    def classify(self, title: str, text: str, lang: str | None = None) -> Flag:
        """The verdict on an item, read like an editor (`bot.classify.reading`): the headline
        and lead decide the category and the entities; the body, furniture dropped, can only
        confirm that category (a higher score, more evidence, entities the lead lacks)."""
        title = html.unescape(" ".join(title.split())) if "&" in title else " ".join(title.split())
        reading = read(title, text, drop_furniture="read.furniture" not in self.disabled)
        code = (lang or "").strip().lower().replace("_", "-").split("-")[0]
        if code:
            return self._read(title, reading, code)
        # No declared language: a short headline may mix two; read it in both and keep the
        # reading that finds something (the likelier language on a tie).
        sample = f"{title}\n{reading.lead}"[:DETECT_CHARS]
        mixed = "read.mixed-language" not in self.disabled
        codes = likely_languages(sample, CLASSIFIED) if mixed else []
        # Headlines mix English with their own language ("Chinese crypto media banni de
        # WeChat"); two neighbours (Portuguese or Spanish?) are one language misjudged.
        if "en" not in codes:
            codes = codes[:1]
        codes = codes or [detect_language(sample, CLASSIFIED)]
        flags = [self._read(title, reading, code) for code in codes]
        best = max(flags, key=lambda f: f.category is not Category.NONE)
        if len(flags) > 1:
            note = f"read.mixed-language (read as {' and '.join(codes)}: {best.lang})"
            best = replace(best, rules=(*best.rules, note))
        return best

    def _read(self, title: str, reading: Reading, code: str) -> Flag:
        lexicon = self.lexicon(code)
        if "read.lead" in self.disabled:  # the whole text decides, as before the rule book
            return self._decide(
                self._find(lexicon, title, reading.text), code, lexicon.regulator_home
            )
        # The whole text starts with the headline and lead: its terms are matched once, and
        # those of the headline and lead are told apart in the same pass.
        head = FoldedText.of(f"{title}\n{reading.lead}" if reading.lead else title)
        if reading.body:
            whole_text = FoldedText.of(f"{title}\n{reading.text}")
            whole_hits, head_hits = lexicon.index.find_with_head(whole_text, len(head.folded))
        else:
            head_hits = lexicon.index.find(head)
        found = self._find(lexicon, title, reading.lead, head, head_hits)
        lead = self._decide(found, code, lexicon.regulator_home)
        if reading.dropped:
            lead = replace(lead, rules=(*lead.rules, f"read.furniture ({reading.dropped})"))
        if not reading.body:
            return lead
        found = self._find(lexicon, title, reading.text, whole_text, whole_hits)
        whole = self._decide(found, code, lexicon.regulator_home)
        return _confirmed(lead, whole)

    def _find(
        self,
        lex: Lexicon,
        title: str,
        text: str,
        full: FoldedText | None = None,
        hits: dict[str, list[Span]] | None = None,
    ) -> _Found:
        """What the rules see in `title` and `text`; `full` and `hits` are their folded form
        and matches when already known."""
        if full is None:
            full = FoldedText.of(f"{title}\n{text}" if text else title)
        t = _Trace(full.original, self.disabled)
        if hits is None:
            hits = lex.index.find(full)
        loose = hits.get("guards.loose", []) if t.on("ban.loose") else []
        strong = t.keep(
            "ban.loose",
            hits.get("ban.strong", []),
            _apart(hits.get("ban.strong", []), loose),
            loose,
        )
        weak = t.keep(
            "ban.loose", hits.get("ban.weak", []), _apart(hits.get("ban.weak", []), loose), loose
        )
        # Banning misconduct ("prohibits misleading claims", "禁止操纵") is a rule, not a ban;
        # a company barring its own staff from trading is internal policy, not a ban.
        conduct = hits.get("guards.conduct", []) + hits.get("guards.staff", [])
        strong = t.keep("ban.conduct", strong, _apart(strong, conduct), conduct)
        # What a charge or lawsuit alleges ("indictment alleging … unlawful transactions",
        # "acusados de operar ilegalmente") is the misconduct charged, not a ban.
        charges = hits.get("reg:lawsuit", [])
        charged = [
            s for s in strong if any(_precedes(full.original, c, s, CHARGE_WINDOW) for c in charges)
        ]
        strong = t.keep("ban.conduct", strong, [s for s in strong if s not in charged], charges)
        weak = t.keep("ban.conduct", weak, _apart(weak, conduct), conduct)
        # Market talk, and interest rates ("corte de juros": a rate cut), are not bans.
        market = hits.get("guards.market", []) + hits.get("guards.monetary", [])
        weak = t.keep("ban.market", weak, _apart(weak, market), market)
        # A block with its height ("block 840,000", "bloque 630.000") is the chain's, not a ban.
        heights = [w for w in weak if _BLOCK_HEIGHT.match(full.original, w.start)]
        weak = t.keep("ban.market", weak, [w for w in weak if w not in heights], heights)
        # An obligation on whoever lacks a licence ("firms without a licence must wind down")
        # is one of a rule's provisions, like an explainer's list (ban.provisions below).
        if t.on("ban.provisions"):
            kept = _without_licensing_rules(hits, full.original, strong, weak)
            why = hits.get("guards.unlicensed", []) or hits.get("guards.otherwise", [])
            strong = t.keep("ban.provisions", strong, kept[0], why)
            weak = t.keep("ban.provisions", weak, kept[1], why)
        title_end = len(title)
        before = (*strong, *weak)
        if t.on("ban.lifted") and t.on("ban.negated"):  # one pass: switched off together
            strong, weak, lifted = _lifts_and_denials(hits, full.original, title_end, strong, weak)
        else:
            lifted = []
        if lifted:
            t.fire("ban.lifted", lifted)
        if denied := [x for x in before if x not in (*strong, *weak, *lifted)]:
            t.fire("ban.negated", denied)
        # Tariffs, oil, interest rates: ban and rule words about another field.
        other = hits.get("guards.other_field", []) if t.on("ban.other-field") else []
        strong = t.keep(
            "ban.other-field", strong, _outside(full.original, title_end, strong, other), other
        )
        weak = t.keep(
            "ban.other-field", weak, _outside(full.original, title_end, weak, other), other
        )
        # An inquiry, probe or hearing into a ban, in the headline ("House panel probes banks
        # cutting off crypto", "Cade investiga bancos por fechamento de contas"): regulation
        # news about the ban; every ban word of the item is what is being looked into.
        inquiries = [i for i in hits.get("guards.inquiry", []) if i.start < title_end]
        if (
            t.on("ban.inquiry")
            and inquiries
            and any(
                _precedes(full.original, i, b, INQUIRY_WINDOW)
                for i in inquiries
                for b in (*strong, *weak)
                if b.start < title_end
            )
        ):
            t.fire("ban.inquiry", [*inquiries[:1], *strong[:1], *weak[:1]])
            lifted, strong, weak = [*lifted, *strong, *weak], [], []
        # What a rule forbids, told as an explainer ("Was MiCA … verbietet"): provisions.
        provisions = hits.get("guards.provisions", [])
        strong = t.keep("ban.provisions", strong, _apart(strong, provisions), provisions)
        weak = t.keep("ban.provisions", weak, _apart(weak, provisions), provisions)
        # A headline about rules ("Banco Central publica regras…") with no ban of its own:
        # the body's prohibitions are provisions of those rules.
        rule_words = (*hits.get("reg:law", ()), *hits.get("reg:guidance", ()))
        if (
            t.on("ban.rules-headline")
            and (strong or weak)
            and _in_headline(rule_words, title_end)
            and not _in_headline((*strong, *weak), title_end)
        ):
            t.fire("ban.rules-headline", [*strong[:1], *weak[:1]])
            strong, weak = [], []
        own = hits.get("guards.own", [])
        objects = [s for g, spans in hits.items() if g.startswith("obj:") for s in spans]
        # "ferme son site", "closes its platform": an object after a possessive is the
        # company's own; so is an actor noun ("miner", "Börse") that is the headline's
        # subject, written before the verb ("Bitcoin miner halts expansion").
        # Not when an authority is in the story: "suspends its services after a government
        # order" is the company carrying out a ban.
        # Nor when a bank or payment provider is named ("Sa banque clôture ses comptes" is a
        # bank closing its customer's accounts), nor under named pressure ("retire l'USDT de
        # son offre pour se conformer aux exigences du règlement").
        authority = "context.authorities" in hits or any(g.startswith("regulator:") for g in hits)
        debanking = any(f"platform:{name}" in hits for name in PAYMENT_PLATFORMS)
        pressure = "context.pressure" in hits
        mine = (strong or weak) and not authority and not debanking and not pressure
        possessive = hits.get("guards.possessive", []) if mine else []
        if possessive:
            after = {p.end + gap for p in possessive for gap in (0, 1, 2)}
            own = own + [o for o in objects if o.start in after]
        own = own + [
            o
            for o in (hits.get("guards.subject", []) if mine else ())
            if o.start < title_end and not any(w.end <= o.start for w in (*strong, *weak))
        ]
        # Every rule and enforcement word, in reading order.
        rules = sorted(
            (s for g, spans in hits.items() if g.startswith("reg:") for s in spans),
            key=lambda s: s.start,
        )
        # A weak action that is part of a rule term ("prison ferme") or a condition of a
        # settlement ("agreed to pay a penalty and stop offering…") is enforcement news.
        if weak and rules:
            # Not a fine threatened for not complying ("sob pena de multa diária").
            penalties = hits.get("guards.penalty", [])
            fines = [
                f for f in hits.get("reg:fine", []) if not any(_gap(f, p) <= 3 for p in penalties)
            ]
            weak = [
                w
                for w in weak
                if not any(_shares_verb(w, r) for r in rules)
                and not any(_same_sentence(full.original, w, f) for f in fines)
            ]
        if own and (strong or weak):
            # "服务器" (server) is the company's own, though it contains "服务" (service).
            objects = [o for o in objects if not any(o.overlaps(x) for x in own)]
        # Incidents (a hack, an outage, low liquidity…), not an incident word inside a ban
        # action ("s'attaque au minage": cracks down on), nor one that is part of a rule term
        # ("travaux législatifs": legislative work).
        incidents = [
            i
            for i in hits.get("guards.no_ban", [])
            if not any(i.overlaps(a) and i.start - a.start <= 3 for a in (*strong, *weak))
            and not any(_gap(i, r) <= 2 for r in rules)
        ]
        # Violent crime is the story even right after "charged in" or "sentenced for".
        incidents += hits.get("guards.violence", [])
        # A sanctions headline ("OFAC sanctions exchange") whose body says who may no longer
        # deal with the target is sanctions news: regulation, unless the headline says ban.
        sanctions = [s for s in hits.get("reg:sanction", ()) if s.start < title_end]
        sanctions_story = bool(sanctions) and not any(
            s.start < title_end and not any(s.overlaps(x) for x in sanctions)
            for s in (*strong, *weak)
        )

        # A tax word that is itself a loose guard ("Steuerrabatt", "tax break") stays a rule
        # word: the guard is there for ban words near it.
        taxed = [r for r in rules if r.group == "reg:tax" and any(r.overlaps(g) for g in loose)]
        spared = sorted(
            [r for r in _apart(rules, loose) if r not in taxed] + taxed, key=lambda r: r.start
        )
        regulation = _outside(full.original, title_end, spared, other)
        regulators = _acting(
            pick(hits, "regulator"), hits.get("guards.former", []), hits.get("guards.monetary", [])
        )
        # A headline about another field ("Tribunal derruba tarifas de Trump e bitcoin sobe")
        # with no ban, rule or regulator of its own: the item is that field's news.
        other_field = (
            t.on("item.other-field")
            and _in_headline((*other, *hits.get("guards.monetary", ())), title_end)
            and not _in_headline((*strong, *weak, *regulation, *regulators), title_end)
        )
        # "US$ 1", "HK$ 5 million": a currency, not a country acting.
        countries = [c for c in pick(hits, "country") if full.original[c.end : c.end + 1] != "$"]
        # "Paysafe steigt aus" leaves; it does not rise.
        leaving = hits.get("ban.exit", [])
        prices = [
            p for p in hits.get("guards.price", []) if not any(p.overlaps(x) for x in leaving)
        ]
        at_figure = [
            p for p in hits.get("guards.price_at", []) if not any(p.overlaps(x) for x in leaving)
        ]
        # "US seizes $15B in bitcoin": seizing or freezing a sum is not a price move.
        seizing = hits.get("guards.seizure", [])
        moving = [w for w in weak if not any(w.overlaps(x) for x in seizing)]
        price = _price_move(title, prices, at_figure, moving, hits.get("context.crypto", []))
        # What the headline tells of rules, regulators and bans, the price verb aside.
        said = [x for x in (*regulation, *strong) if x.start < title_end]
        said += [
            w
            for w in (*weak, *lifted)
            if w.start < title_end and w.end != price and not (price and w.start >= price)
        ]
        told = said + [
            x for x in (*regulators, *hits.get("context.authorities", ())) if x.start < title_end
        ]
        return _Found(
            text=full,
            trace=t,
            title_end=title_end,
            crypto="context.crypto" in hits,
            cryptos=hits.get("context.crypto", []),
            orders=hits.get("ban.order", []),
            exits=hits.get("ban.exit", []),
            erasures=hits.get("ban.erase", []),
            police="guards.police" in hits,
            bankruptcy="guards.bankruptcy" in hits,
            violence="guards.violence" in hits,
            payments=hits.get("guards.payment", []),
            buying=hits.get("guards.buying", []),
            seizures=hits.get("guards.seizure", []),
            courts=hits.get("guards.court", []),
            delists=hits.get("guards.delist", []),
            privacy="guards.privacy" in hits,
            field="guards.field" in hits,
            markets=hits.get("ban.exit_from", []),
            strong=strong,
            weak=weak,
            lifted=lifted,
            objects=objects,
            regulation=regulation,
            authorities=hits.get("context.authorities", []),
            loose=loose,
            own=own,
            opinion=any(
                s.start < title_end and _labels_headline(title, s)
                for s in hits.get("guards.opinion", ())
            )
            or bool(_ARGUED.search(title)),
            event=_in_headline(hits.get("guards.event", ()), title_end),
            cbdc=t.on("item.cbdc")
            and _in_headline(hits.get("guards.cbdc", ()), title_end)
            and not _in_headline((*regulation, *strong, *weak, *lifted), title_end),
            community="guards.community" in hits,
            pressure=pressure,
            business="guards.business" in hits,
            incidents=incidents,
            price_headline=price,
            rules_after_price=bool(price)
            and bool(told)
            and all(x.start >= price for x in told)
            # every rule word of the headline comes after the move: a ruling, a fine, an
            # approval or a decree told as what moved the price, not a ban
            and all(x.group.startswith("reg:") for x in said)
            and t.on("reg.price-move"),
            advert=_advert(title, text),
            people=_people_move(full.original, title_end, hits.get("guards.people", []), said),
            false_report=any(
                _precedes(full.original, fake, x, FAKE_WINDOW)
                for fake in hits.get("guards.fake", ())
                if fake.start < title_end
                for x in regulation  # not "fake apps pulled": removing fakes is a ban
            ),
            ordinary=bool(incidents) or sanctions_story,
            platforms=_platforms(full.original, pick(hits, "platform")),
            regulators=regulators,
            other_field=other_field,
            launch_headline=t.on("reg.launch-background")
            and _in_headline(hits.get("guards.launch", ()), title_end),
            rules_in_headline=_in_headline(
                _foreground(
                    (
                        *regulation,
                        *regulators,
                        *hits.get("context.authorities", ()),
                        *strong,
                        *weak,
                        *lifted,
                    ),
                    [s for s in hits.get("guards.launch", ()) if s.start < title_end],
                    hits.get("guards.with", []),
                ),
                title_end,
            ),
            # "US$ 1", "HK$ 5 million": a currency, not a country acting.
            countries=countries,
            state_headline=_heads_headline(countries, title),
            lead_acts=not price
            and _lead_acts(
                full.original, title_end, regulators, regulation, hits.get("guards.with", [])
            ),
        )

    def _ban(self, f: _Found) -> tuple[float, Span | None, Span | None]:
        """Ban score, and the action and object to quote: the first in reading order (the
        headline before the body) among those that reach the threshold."""
        t, w = f.trace, WEIGHTS
        if f.lifted:
            return 0.0, None, None
        actor = bool(
            f.platforms or f.regulators or f.authorities or f.countries or f.pressure or f.police
        )
        state = bool(f.regulators or f.authorities or f.countries or f.police)
        found: list[tuple[float, Span, Span | None]] = []
        # The headline's ban is about something else ("Moraes manda suspender o X no Brasil"):
        # the lead's blocked accounts or shut apps are that ban's, unless their own clause
        # names crypto or a regulator.
        elsewhere = False
        for action in f.strong if t.on("ban.word") else ():
            about = (*f.cryptos, *f.regulators)
            # What it bans is a platform named right after it that is not a crypto one
            # ("India bans TikTok and 58 other apps"): the apps are that platform's kind.
            # So is one named just before the noun ("Nigeria's Twitter ban pushes users to
            # VPNs"): a ban of that platform, not by it ("Twitter bans" is the verb).
            noun = f.text.original[action.start : action.end].casefold() in NOUN_BANS
            banned = [
                p
                for p in f.platforms
                if (0 <= p.start - action.end <= 3 or (noun and 0 <= action.start - p.end <= 1))
                and _same_sentence(f.text.original, action, p)
                and not any(p.overlaps(c) for c in f.cryptos)
            ]
            if not (banned or (elsewhere and action.start >= f.title_end)):
                about = (*about, *f.objects)
            if t.on("ban.off-topic") and _off_topic(f.text.original, action, about):
                t.fire("ban.off-topic", [action])
                elsewhere = elsewhere or action.start < f.title_end
                continue
            # A price move opens the headline and the ban comes after it, or only in the
            # lead: the move's cause ("Kursrutsch nach Südkorea-Schlagzeilen" over a
            # "Handelsverbot" in the lead), not the news.
            if f.price_headline and action.start >= f.price_headline and t.on("ban.price-move"):
                t.fire("ban.price-move", [action])
                continue
            target = _refused(f.text.original, action, f.cryptos) or _target(
                f.text.original, action, f.objects
            )
            score = w["ban.word"] + w["ban.object"] * (target is not None) + w["ban.actor"] * actor
            score += w["ban.headline"] * (action.start < f.title_end)
            if target is None and not actor:  # "Verboten gut: …", "Prohibido perderse: …"
                score = w["ban.lone-word"]
            # Delisting tokens is an exchange's daily business: a ban only with a regulator,
            # an authority, a rule or pressure named ("delists USDT for EU users under MiCA"),
            # or privacy coins, which exchanges drop under pressure; not when the exchange
            # alone is named ("Bittrex to delist three markets", "韩国两大交易所下架LUNA").
            if (
                any(action.overlaps(d) for d in f.delists)
                and _delisted(f.text.original, action, f.objects)
                and not (f.regulators or f.authorities or f.regulation or f.pressure)
                and not f.privacy
                and t.on("ban.no-actor")
            ):
                t.fire("ban.no-actor", [action])
                score = min(score, w["ban.lone-word"])
            # An incident ("after a wave of online attacks") is the cause told with the ban,
            # not ordinary business, when someone named shuts what belongs to others
            # (accounts, apps, ads, media).
            cause_only = (
                t.on("ban.incident")
                and actor
                and target is not None
                and target.group in THIRD_PARTY
                and all(i.start > action.end for i in f.incidents)
            )
            # Privacy coins are dropped under pressure, whatever "listing standards" say.
            penalty = f.ordinary and not cause_only and not f.privacy and t.on("ban.incident")
            if f.ordinary and cause_only:
                t.fire("ban.incident", note="told as the ban's cause: not lowered")
            elif penalty:
                t.fire("ban.incident", f.incidents, "sanctions story")
            t.fire("ban.word", [action, *([target] if target else [])])
            found.append((score - w["ban.incident"] * penalty, action, target))
        acting = t.on("ban.action")
        # An authority (police, a court, a ministry) acting on others, with the incident told
        # after the action, is a takedown whose target's crimes are the incident ("BKA legt
        # No-KYC-Börse lahm … Gelder aus dem Bybit-Hack"): ordinary business only otherwise.
        seized = f.police and all(
            i.start >= f.title_end and i.start > min((a.end for a in f.weak), default=0)
            for i in f.incidents
        )
        if f.ordinary and f.weak and t.on("ban.incident"):
            if (seized or _cut_off(f) or _ordered_for(f)) and f.incidents:
                t.fire("ban.incident", note="told as the takedown's cause: not lowered")
            else:
                t.fire("ban.incident", [*f.incidents[:1], *f.weak[:1]], "sanctions story")
                acting = False
        # A price move in the headline: closures and crackdowns in it or its lead are the
        # cause told ("BTC drops 11% as China mining crackdown spooks traders"), not the news.
        # A dropping word with a figure after it is the move itself ("Bitcoin drops 5%").
        figures = [a for a in f.weak if a.end == f.price_headline]
        if figures and t.on("ban.price-move"):
            t.fire("ban.price-move", figures)
            f = replace(f, weak=[a for a in f.weak if a not in figures])
        moved = f.price_headline and all(a.start > f.price_headline for a in f.weak)
        if acting and f.weak and moved and t.on("ban.price-move"):
            t.fire("ban.price-move", f.weak[:2])
            acting = False
        for action in f.weak if acting else ():
            # Not the action's own word ("下架" is both), but a word in the gap of a
            # spread-out action counts: "setzt Krypto-Kauf für Kunden aus".
            objects = [
                o
                for o in f.objects
                if not o.overlaps(action) or (action.start < o.start and o.end < action.end)
            ]
            # Crypto refused as payment is never the company's own business ("stops
            # accepting bitcoin, cites fees"); nor is a takedown: the police shutting "its"
            # servers shut someone else's.
            refused = _refused(f.text.original, action, f.cryptos)
            if (
                t.on("ban.own-business")
                and not f.police
                and refused is None
                and not _made_to(f.text.original, action, f)
                and _acts_on_own(f.text.original, action, objects, f.own)
            ):
                t.fire("ban.own-business", [action])
                continue
            target = refused or _target(f.text.original, action, objects)
            if target is None and action.start < f.title_end and t.on("ban.off-topic"):
                # The headline shuts a platform itself ("Nepal blocks Facebook and YouTube"):
                # with no crypto in its clause, that ban is about something else.
                shut = [p for p in f.platforms if p.start >= action.end]
                if _nearest(action, shut, OBJECT_WINDOW) is not None and _off_topic(
                    f.text.original, action, (*f.cryptos, *f.regulators)
                ):
                    t.fire("ban.off-topic", [action])
                    elsewhere = True
                    continue
            erasing = any(action.overlaps(e) for e in f.erasures)
            if target is None and state and not erasing and t.on("ban.order"):
                target = _ordered(f.text.original, action, f.orders) or _stopped(f, action)
                if target is not None:
                    t.fire("ban.order", [target, action])
            if (
                target is not None
                and t.on("ban.off-topic")
                and _off_topic(
                    f.text.original,
                    action,
                    (
                        *f.cryptos,
                        # after a headline that bans something else, a regulator in the
                        # lead is that ban's (a media regulator blocking a messenger)
                        *(f.regulators if not (elsewhere and action.start >= f.title_end) else ()),
                        *(
                            [target]
                            if target.group in _RANK
                            and not (elsewhere and action.start >= f.title_end)
                            else ()
                        ),
                    ),
                )
            ):
                t.fire("ban.off-topic", [action])
                elsewhere = elsewhere or action.start < f.title_end
                continue
            if target is not None:
                score = w["ban.action"] + w["ban.actor"] * actor
                score += w["ban.headline"] * (action.start < f.title_end)
                t.fire("ban.action", [action, target])
                # Closing, dropping or suspending with no one named doing it (no
                # platform, bank, regulator, authority or country) is most often a
                # company's own business: "Exchange drops 14 thinly traded tokens".
                # A company that stops taking crypto as payment ("Tesla stoppt
                # Bitcoin-Zahlungen") bans it itself: it is the actor.
                if not actor and not _paying(f.text.original, target, f) and t.on("ban.no-actor"):
                    t.fire("ban.no-actor", [action])
                    score = min(score, w["ban.lone-word"])
                found.append((score, action, target))
        # A company leaving a country or market, told in the headline, with a rule, a
        # regulator or pressure as its cause: "Binance quitte le Canada, jugeant les
        # nouvelles règles intenables". With no such cause it is the company's own business.
        cause = bool(f.regulators or f.regulation or f.pressure) and not f.ordinary
        for leaving in f.exits if acting and cause and t.on("ban.exit") else ():
            # Where it leaves, named after the verb ("India leaves tax unchanged" is not one).
            after = [x for x in (*f.countries, *f.markets) if x.start > leaving.start]
            where = _nearest(leaving, after, OBJECT_WINDOW)
            if leaving.start >= f.title_end or where is None:
                continue
            # "Bitcoin Drops to $104K as Trump Leaves G7 Early": the move's cause, not an exit
            if f.price_headline and leaving.start >= f.price_headline and t.on("ban.price-move"):
                t.fire("ban.price-move", [leaving])
                continue
            if not _same_sentence(f.text.original, leaving, where):
                continue
            t.fire("ban.exit", [leaving, where])
            score = w["ban.action"] + w["ban.actor"] + w["ban.headline"]
            found.append((score, leaving, Span(where.start, where.end, "obj:market exit")))
        t.elsewhere = elsewhere
        if not found:
            return 0.0, None, None
        top = max(score for score, _, _ in found)
        for rule, applies in (
            ("ban.not-crypto", not (f.crypto or f.regulators)),
            ("item.opinion", f.opinion or f.advert),
            ("item.other-field", f.other_field),
            ("item.event", f.event),
            ("item.cbdc", f.cbdc),
            ("item.people-move", f.people),
            ("item.false-report", f.false_report),
        ):
            if applies and t.on(rule):
                t.fire(rule)
                top = min(top, w["cap"])
        enough = [c for c in found if c[0] >= self.thresholds.ban] or found
        _, action, target = min(enough, key=lambda c: (c[1].start, -c[0]))
        return min(top, 1.0), action, target

    def _regulation(self, f: _Found) -> float:
        t, w = f.trace, WEIGHTS
        original = f.text.original
        terms = {original[s.start : s.end].casefold() for s in f.regulation}
        score = 0.0
        if f.regulators and t.on("reg.regulator"):
            t.fire("reg.regulator", f.regulators)
            score += w["reg.regulator"]
        if not t.on("reg.rules"):
            terms = set()
        if terms:
            t.fire("reg.rules", f.regulation)
            score += w["reg.rules"] + w["reg.more-kinds"] * min(len(terms) - 1, 2)
        score += w["reg.authority"] * bool(f.authorities) + w["reg.lifted"] * bool(f.lifted)
        score += w["reg.country"] * bool(terms and f.countries)
        score += w["reg.crypto"] if f.crypto else 0.0
        # A DAO voting its own rules, a start-up raising money to sell compliance, a price
        # story mentioning "the regulation debate", a hacked exchange hiring auditors "to
        # investigate": rule words, but no one regulating.
        incidental = f.community or f.business or f.price_headline or bool(f.incidents)
        # The headline says what the news is: rule words only in the lead of a launch, a
        # deal, a people move or a market story ("citing regulatory clarity", "a
        # CFTC-regulated exchange") are background.
        for rule, applies in (
            # "How regulators think about stablecoins: a list", "Sponsored: a licensed exchange"
            ("item.opinion", f.opinion or f.advert),
            ("item.other-field", f.other_field),
            ("item.event", f.event),
            ("item.cbdc", f.cbdc),
            (
                "reg.incidental",
                incidental
                # a law or rule that opens the headline, before any incident told with it
                # ("Entra en vigor la Ley Bitcoin … entre caídas y fallas") is the news
                and not _law_first(f)
                and not (f.regulators or (f.authorities and not (f.bankruptcy or f.violence)))
                # a sentence or verdict in the headline is a court at work (not a
                # bankruptcy court running a failed company's estate)
                and (
                    f.bankruptcy
                    or not _in_headline(
                        (x for x in f.regulation if x.group == "reg:court ruling"), f.title_end
                    )
                ),
            ),
            ("reg.launch-background", f.launch_headline and not f.rules_in_headline),
            # "Celsius sues Tether", "Binance é processada por vítimas": one company or
            # person suing another is not an authority enforcing a rule.
            (
                "reg.private-suit",
                bool(f.regulation)
                # the suit in the headline; the court that hears it only in the lead
                and all(
                    x.group == "reg:lawsuit"
                    or (
                        x.group == "reg:court ruling"
                        # the court it is brought to: "takes its partner to court"
                        and (
                            x.start >= f.title_end
                            or any(x.overlaps(y) for y in f.regulation if y.group == "reg:lawsuit")
                        )
                    )
                    for x in f.regulation
                )
                and _in_headline(f.regulation, f.title_end)
                and not f.regulators
                and not f.state_headline
                and all(any(a.overlaps(c) for c in f.courts) for a in f.authorities),
            ),
            ("item.people-move", f.people),
            ("item.false-report", f.false_report),
            ("reg.headline", not (f.rules_in_headline or f.state_headline or f.lead_acts)),
            # "Bitcoin cai para US$ 42 mil; anúncio do Banco do Povo da China pesa": the
            # rule or regulator after the headline's price move is the move's cause.
            ("reg.price-move", f.rules_after_price),
            # A regulator is finance context enough, unless it speaks of another field of
            # finance with no crypto word ("Gensler warns AI could spark a crisis").
            ("reg.not-crypto", not f.crypto and (not f.regulators or f.field)),
            # The headline bans something else ("Nepal bans TikTok", "Moraes manda suspender
            # o X"): the rules told with it are that ban's, unless it names crypto itself.
            ("ban.off-topic", t.elsewhere and not _in_headline(f.cryptos, f.title_end)),
        ):
            if applies and t.on(rule):
                if score >= self.thresholds.regulation:
                    t.fire(rule)
                return min(score, w["cap"])
        return min(score, 1.0)

    def _decide(self, f: _Found, lang: str, home: dict[str, str]) -> Flag:
        ban, action, target = self._ban(f)
        reg = self._regulation(f)
        platforms = unique(s.group for s in f.platforms)
        regulators = unique(s.group for s in f.regulators)
        where = jurisdictions(f.countries, f.regulators, home)
        if ban >= self.thresholds.ban and action is not None:
            label: str | None = target.group[4:] if target is not None else "ban"
            evidence: list[str] = [phrase(f.text.original, action, target)]
            evidence += [
                phrase(f.text.original, s, None) for s in (*f.strong, *f.weak) if s != action
            ]
            entities = Entities(platforms, where, regulators, label)
            return Flag(
                Category.BAN, round(ban, 3), unique(evidence)[:3], entities, lang, _rules(f, ban)
            )
        if reg >= self.thresholds.regulation:
            rule = f.regulation[0] if f.regulation else None
            evidence = []
            if rule is not None:
                near = _nearest(rule, f.regulators, OBJECT_WINDOW)
                evidence.append(phrase(f.text.original, rule, near))
            elif f.regulators:
                evidence.append(phrase(f.text.original, f.regulators[0], None))
            evidence += [phrase(f.text.original, s, None) for s in f.regulation[1:]]
            label = "lift of a ban" if f.lifted else (rule.group[4:] if rule is not None else None)
            entities = Entities(platforms, where, regulators, label)
            return Flag(
                Category.REGULATION,
                round(reg, 3),
                unique(evidence)[:3],
                entities,
                lang,
                _rules(f, ban),
            )
        entities = Entities(platforms, where, regulators, None)
        return Flag(
            Category.NONE, round(1.0 - max(ban, reg), 3), (), entities, lang, _rules(f, ban)
        )
