"""Golden cases, inflections per language, hard negatives and entities."""

from __future__ import annotations

import pytest

from bot.classify import Classifier, Thresholds
from bot.models import Category

SEED_TITLE = "Chine : des comptes de médias blockchain fermés sur WeChat"
SEED_TEXT = (
    "Les comptes publics de plusieurs médias chinois consacrés à la blockchain, dont Jinse et "
    "Deepchain, ont été fermés sur WeChat. L'Administration chinoise du cyberespace (CAC) "
    "invoque ses règles sur les services de messagerie instantanée."
)


def test_seed_item_is_a_ban_on_wechat_in_china(classifier: Classifier) -> None:
    flag = classifier.classify(SEED_TITLE, SEED_TEXT)
    assert flag.category is Category.BAN
    assert flag.lang == "fr"
    assert "WeChat" in flag.entities.platforms
    assert flag.entities.jurisdictions[0] == "CN"
    assert "CAC" in flag.entities.regulators
    assert flag.entities.action == "account closure"
    assert flag.evidence
    assert len(flag.evidence[0]) <= 60
    assert flag.evidence[0] == "comptes de médias blockchain fermés"
    assert flag.why().startswith("ban · WeChat · CN — ")


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (
            "Chine : des médias blockchain privés de leurs comptes WeChat",
            "Les comptes de Jinse et Deepchain ont été fermés en vertu des règles de la CAC.",
        ),
        ("多家区块链自媒体公众号被封", "页面提示其违反即时通信工具公众信息服务管理规定。"),
    ],
)
def test_seed_item_told_other_ways_is_a_wechat_ban(
    classifier: Classifier, title: str, text: str
) -> None:
    flag = classifier.classify(title, text)
    assert flag.category is Category.BAN
    assert flag.entities.platforms == ("WeChat",)


@pytest.mark.parametrize(
    ("title", "text", "platforms"),
    [
        (
            "Chine : les comptes WeChat de Jinse et Huobi News fermés",
            "Les comptes de ces médias blockchain ont été bloqués en vertu des règles de la CAC.",
            ("WeChat",),
        ),
        (
            "Binance Research: stablecoin supply hits a record as Apple pulls crypto apps",
            "Apple removed exchange apps from its App Store in India after a government order.",
            ("Apple App Store",),
        ),
    ],
)
def test_a_newsroom_or_research_arm_is_not_the_platform(
    classifier: Classifier, title: str, text: str, platforms: tuple[str, ...]
) -> None:
    flag = classifier.classify(title, text)
    assert flag.category is Category.BAN
    assert flag.entities.platforms[: len(platforms)] == platforms
    assert not {"Huobi/HTX", "Binance"} & set(flag.entities.platforms)


def test_a_dollar_amount_is_not_a_country_acting(classifier: Classifier) -> None:
    flag = classifier.classify(
        '"Proibido vender": holders de memecoin fazem pacto',
        "Eles pedem que ninguém venda antes de o token atingir US$ 1.",
    )
    assert flag.category is Category.NONE
    assert flag.entities.jurisdictions == ()


def test_fundraising_is_not_a_ban_being_lifted(classifier: Classifier) -> None:
    """ "levées de fonds" (fundraising) next to "interdit" is not "lève l'interdiction": the
    seed article's closing background line must not turn the ban into regulation news."""
    background = " Pékin a interdit les levées de fonds en cryptomonnaies en septembre 2017."
    flag = classifier.classify(SEED_TITLE, SEED_TEXT + background)
    assert flag.category is Category.BAN
    assert flag.entities.action == "account closure"
    lifted = classifier.classify(
        "La Chine lève l'interdiction du minage de bitcoins", "Pékin assouplit sa position."
    )
    assert lifted.entities.action == "lift of a ban"


@pytest.mark.parametrize(
    ("lang", "title"),
    [
        ("fr", "Les comptes crypto bannis par la plateforme"),
        ("fr", "Des médias crypto bannies de WeChat"),
        ("fr", "Les publicités pour les cryptomonnaies interdites"),
        ("fr", "Le minage de bitcoin interdit au Kosovo"),
        ("es", "Bolivia prohíbe las criptomonedas"),
        ("es", "El banco central prohibió los pagos con bitcoin"),
        ("es", "El banco central prohibio los pagos con bitcoin"),
        ("de", "China verbietet den Handel mit Kryptowährungen"),
        ("de", "Krypto-Werbung ist ab sofort verboten"),
        ("de", "Regierung erlässt Mining-Verbot für Bitcoin"),
        ("pt", "Pagamentos com criptomoedas proibidos no país"),
        ("pt", "Banco central proíbe corretoras de cripto"),
        ("zh", "微信封禁多个加密货币自媒体账号"),
        ("zh", "监管部门禁止银行为虚拟货币交易提供服务"),
        ("zh", "苹果下架交易所应用"),
        ("zh", "微博关闭多个比特币账号"),
        ("en", "Regulator outlaws crypto mining"),
        ("en", "App store pulls bitcoin wallet app"),
    ],
)
def test_inflected_ban_words(classifier: Classifier, lang: str, title: str) -> None:
    assert classifier.classify(title, "", lang).category is Category.BAN


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Bears banned from the rally as bitcoin rips", "Shorts were liquidated."),
        ("Crypto forum bans spam bots", "Moderators deleted bot accounts posting scams."),
        ("DAO adopts new governance policy", "Token holders approved the treasury plan."),
        ("Regular update from the Ethereum core developers", "Next upgrade date agreed."),
        ("Exchange suspends withdrawals after hack", "Hot wallet drained by attackers."),
        ("Les ours bannis du marché du bitcoin", "Les vendeurs à découvert liquidés."),
        ("Un forum crypto bannit les robots de spam", "Des milliers de comptes supprimés."),
        ("交易所因黑客攻击暂停提币", "平台称用户资金安全。"),
        ("Bitcoin rises above $70,000", "ETF inflows lift the market."),
    ],
)
def test_hard_negatives_are_none(classifier: Classifier, title: str, text: str) -> None:
    assert classifier.classify(title, text).category is Category.NONE


# One row a rule: an item, and the category the rule gives it (docs/classifier.md explains
# each). Most come in pairs, the second showing what the rule leaves alone.
RULES = [
    pytest.param(
        "Verboten günstig: drei Altcoins im Check",
        "Analysten sehen Nachholpotenzial.",
        None,
        Category.NONE,
        id="lone ban word, nothing banned, nobody banning",
    ),
    pytest.param(
        "«Prohibido vender»: los holders de bitcoin resisten",
        "Las billeteras no se mueven.",
        None,
        Category.NONE,
        id="slogan",
    ),
    pytest.param(
        "DAO token holders approve new rules for grants",
        "The community vote caps grants at $100,000 under the new framework.",
        None,
        Category.NONE,
        id="a DAO voting its own rules",
    ),
    pytest.param(
        "SEC says DAO's new rules do not make its tokens exempt",
        "The regulator warned that the governance vote changes nothing for securities law.",
        None,
        Category.REGULATION,
        id="a regulator on a DAO's rules",
    ),
    pytest.param(
        "Une plateforme crypto regroupe ses équipes à Paris",
        "Elle assure qu'aucun poste ne sera supprimé et que les comptes clients ne changent pas.",
        None,
        Category.NONE,
        id="action and object across a clause joint",
    ),
    pytest.param(
        "Unregistered exchanges must wind down by July under the new regime",
        "The regulator said firms without a licence must close their local business.",
        None,
        Category.REGULATION,
        id="an obligation on firms without a licence",
    ),
    pytest.param(
        "Regulator orders unregistered exchange to shut down its app",
        "The watchdog said the crypto platform had no licence.",
        None,
        Category.BAN,
        id="an order against a named firm",
    ),
    pytest.param(
        "Compliance start-up raises $20 million to help crypto firms meet KYC rules",
        "The Series A was led by a venture firm.",
        None,
        Category.NONE,
        id="funding news",
    ),
    pytest.param(
        "Bitcoin edges higher as Europe debates stablecoin rules",
        "Traders watch $70,000.",
        None,
        Category.NONE,
        id="price headline, no one regulating",
    ),
    pytest.param(
        "Bitcoin edges higher as SEC approves new stablecoin rules",
        "Traders watch $70,000.",
        None,
        Category.REGULATION,
        id="price headline on a regulator's decision",
    ),
    pytest.param(
        "Exchange drops three tokens from its spot market",
        "Trading ends next week, the company said.",
        "en",
        Category.NONE,
        id="a closure with no one named acting",
    ),
    pytest.param(
        "Exchange drops three tokens from its spot market",
        "Trading ends next week, to comply with regulatory requirements.",
        "en",
        Category.BAN,
        id="a closure under named pressure",
    ),
    pytest.param(
        "Facebook et Instagram n'acceptent plus les publicités crypto",
        "Meta a modifié sa politique publicitaire.",
        None,
        Category.BAN,
        id="no longer accepting crypto ads",
    ),
    pytest.param(
        "Mehrere Sparkassen lehnen Überweisungen an Kryptobörsen ab",
        "Kunden berichten von zurückgebuchten Zahlungen.",
        None,
        Category.BAN,
        id="separable verb across its object",
    ),
    pytest.param(
        "Liechtensteiner FMA lehnt den Lizenzantrag einer Krypto-Börse ab",
        "Das Unternehmen will die Entscheidung anfechten.",
        None,
        Category.REGULATION,
        id="a licence application refused",
    ),
    pytest.param(
        "Sa banque clôture ses comptes : une start-up crypto dénonce une débancarisation",
        "La jeune pousse a reçu un courrier annonçant la fermeture de ses comptes.",
        None,
        Category.BAN,
        id="a bank closing its customer's accounts",
    ),
    pytest.param(
        "Une plateforme crypto ferme son bureau de Lyon",
        "L'équipe rejoint Paris.",
        None,
        Category.NONE,
        id="a company closing its own office",
    ),
    pytest.param(
        "Le gouvernement écarte toute interdiction du bitcoin et mise sur la fiscalité",
        "Le ministre juge une prohibition inapplicable.",
        None,
        Category.REGULATION,
        id="a ban ruled out",
    ),
    pytest.param(
        "Regierung: Kein Verbot von Bitcoin-Mining, aber neue Pflichten",
        "Betreiber müssen ihren Stromverbrauch melden.",
        None,
        Category.REGULATION,
        id="no ban, new duties",
    ),
    pytest.param(
        "韩国金融委员会：不会全面禁止加密货币",
        "将通过立法保护投资者。",
        None,
        Category.REGULATION,
        id="will not ban",
    ),
    pytest.param(
        "Dubai regulator lifts trading restrictions on a crypto exchange",
        "The exchange may serve retail clients again.",
        None,
        Category.REGULATION,
        id="restrictions lifted",
    ),
    pytest.param(
        "Treasury removes a crypto mixer from the sanctions list",
        "OFAC delisted the mixer's addresses.",
        None,
        Category.REGULATION,
        id="sanctions lifted",
    ),
    pytest.param(
        "Un réseau social interdit la publicité politique",
        "Les publicités des plateformes crypto restent autorisées.",
        None,
        Category.NONE,
        id="a ban on something else",
    ),
    pytest.param(
        "La app de un exchange sin licencia desaparece de la App Store",
        "Apple retiró la aplicación a pedido de la CNMV.",
        None,
        Category.BAN,
        id="without a licence is not a negation",
    ),
    pytest.param(
        "El Gobierno no prohibirá las criptomonedas",
        "El ministro prefiere supervisar a los proveedores.",
        None,
        Category.REGULATION,
        id="will not ban, in Spanish",
    ),
    pytest.param(
        "La justicia ordena a un banco reabrir las cuentas de un exchange",
        "El tribunal consideró arbitrario el cierre de las cuentas.",
        None,
        Category.REGULATION,
        id="a court reopening closed accounts",
    ),
    pytest.param(
        "UK high-street bank to decline card payments to crypto platforms",
        "Customers buying bitcoin will see the payment refused.",
        None,
        Category.BAN,
        id="a bank declining payments",
    ),
    pytest.param(
        "Finanzministerium: Ein Bitcoin-Verbot steht nicht zur Debatte",
        "Die Regierung setzt auf Regulierung nach MiCA.",
        None,
        Category.REGULATION,
        id="a ban off the table",
    ),
    pytest.param(
        "EU-Parlament stimmt gegen Verbot von Zahlungen aus privaten Wallets",
        "Anbieter müssen lediglich die Identität prüfen.",
        None,
        Category.REGULATION,
        id="a vote against a ban",
    ),
    pytest.param(
        "Tribunal suspende decreto estadual que proibia mineração de bitcoin",
        "O decreto fica sem efeito até o julgamento do mérito.",
        None,
        Category.REGULATION,
        id="a court suspends a ban",
    ),
    pytest.param(
        "Banco Central publica regras para prestadoras de serviços de ativos virtuais",
        "As normas vedam que as empresas usem recursos de clientes em operações próprias.",
        None,
        Category.REGULATION,
        id="a prohibition inside published rules",
    ),
    pytest.param(
        "Was MiCA Kryptodienstleistern ab Dezember verbietet",
        "Die Verordnung untersagt zugelassenen Anbietern Insiderhandel.",
        None,
        Category.REGULATION,
        id="an explainer of what a law forbids",
    ),
    pytest.param(
        "Senate votes down amendment that would have outlawed self-hosted wallets",
        "The amendment failed 61-38.",
        None,
        Category.REGULATION,
        id="a ban voted down",
    ),
    pytest.param(
        "YouTube removes crypto channels for breaching its policy",
        "Creators of bitcoin trading videos lost their channels.",
        None,
        Category.BAN,
        id="breaching a policy is not a data breach",
    ),
]


@pytest.mark.parametrize(("title", "text", "lang", "category"), RULES)
def test_rules(
    classifier: Classifier, title: str, text: str, lang: str | None, category: Category
) -> None:
    assert classifier.classify(title, text, lang).category is category


def test_a_ban_word_with_an_actor_is_a_ban(classifier: Classifier) -> None:
    flag = classifier.classify(
        "Le Maroc interdit les cryptomonnaies", "Rappel de la banque centrale."
    )
    assert flag.category is Category.BAN
    assert flag.entities.jurisdictions == ("MA",)


def test_bots_sold_to_users_do_not_make_a_takedown_ordinary(classifier: Classifier) -> None:
    flag = classifier.classify(
        "YouTube removes channels selling crypto trading bots",
        "The video site took down dozens of channels promising returns from bitcoin bots.",
    )
    assert flag.category is Category.BAN
    assert flag.entities.platforms == ("YouTube",)


def test_german_separable_verbs_reach_their_particle(classifier: Classifier) -> None:
    paused = classifier.classify(
        "PayPal setzt Krypto-Käufe für Kunden in Österreich aus",
        "Bestehende Guthaben bleiben erhalten.",
    )
    assert paused.category is Category.BAN
    assert paused.entities.platforms == ("PayPal",)
    launch = classifier.classify(
        "Binance stellt ein neues Handelsprodukt für Kunden vor",
        "Die Börse will Kunden in Europa gewinnen.",
    )
    assert launch.category is Category.NONE


def test_x_is_the_platform_only_as_a_name(classifier: Classifier) -> None:
    flag = classifier.classify("X suspends accounts of crypto influencers", "Memecoin scams.", "en")
    assert flag.category is Category.BAN
    assert flag.entities.platforms == ("X/Twitter",)
    car = classifier.classify(
        "Tesla unveils Model X update", "Bitcoin payments are not part of it."
    )
    assert car.entities.platforms == ()


def test_a_grid_operator_cutting_miners_off_is_a_mining_ban(classifier: Classifier) -> None:
    flag = classifier.classify(
        "Tajik grid operator pulls the plug on crypto farms for the winter",
        "The state power company disconnected bitcoin mining farms until March.",
    )
    assert flag.category is Category.BAN
    assert flag.entities.jurisdictions == ("TJ",)
    assert flag.entities.action == "mining ban"


def test_asic_machines_are_not_the_australian_regulator(classifier: Classifier) -> None:
    flag = classifier.classify(
        "Un incendio destruye 200 equipos ASIC en una granja minera",
        "La empresa espera reanudar la minería de bitcoin en dos semanas.",
    )
    assert flag.category is Category.NONE
    assert flag.entities.regulators == ()


def test_regulation_with_regulator_and_action(classifier: Classifier) -> None:
    flag = classifier.classify(
        "SEC sues crypto exchange over unregistered securities",
        "The lawsuit says the platform offered tokens without registration.",
        "en",
    )
    assert flag.category is Category.REGULATION
    assert flag.entities.regulators == ("SEC",)
    assert flag.entities.jurisdictions == ("US",)
    assert flag.entities.action == "lawsuit"
    assert flag.why().startswith("regulation · SEC · US")


def test_why_names_the_regulator_of_a_rule_before_the_platforms_it_concerns(
    classifier: Classifier,
) -> None:
    flag = classifier.classify(
        "BaFin grants first MiCA licences to two German banks",
        "The banks may now offer crypto custody across the EU.",
        "en",
    )
    assert flag.category is Category.REGULATION
    assert "Banks" in flag.entities.platforms
    assert flag.why().startswith("regulation · BaFin · DE")


def test_entities_longest_alias_wins_and_shadows(classifier: Classifier) -> None:
    flag = classifier.classify(
        "Google Play removes crypto exchange apps in South Korea",
        "The central bank had asked for the removal.",
        "en",
    )
    assert flag.entities.platforms == ("Google Play",)
    assert flag.entities.jurisdictions == ("KR",)
    assert flag.entities.action == "app removal"


def test_acronyms_match_capitals_only(classifier: Classifier) -> None:
    flag = classifier.classify("Le temps reste sec et mas de soleil", "", "fr")
    assert flag.entities.regulators == ()


def test_lang_is_detected_when_not_given(classifier: Classifier) -> None:
    assert classifier.classify("Bitcoin sube un 5 % tras la decisión de la Fed", "").lang == "es"
    assert classifier.classify("Ethereum-Entwickler planen das nächste Upgrade", "").lang == "de"
    assert classifier.classify("比特币价格突破七万美元", "").lang == "zh"
    assert classifier.classify("", "").lang == "und"


def test_feed_language_tag_is_normalised(classifier: Classifier) -> None:
    assert classifier.classify("Bitcoin rises", "", "en-US").lang == "en"


def test_thresholds_decide(classifier: Classifier) -> None:
    title, text = "Bank freezes accounts of bitcoin traders", ""
    assert classifier.classify(title, text, "en").category is Category.BAN
    strict = Classifier(Thresholds(ban=0.99, regulation=0.99))
    assert strict.classify(title, text, "en").category is Category.NONE


def test_thresholds_are_checked() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        Thresholds(ban=1.5)


def test_score_is_between_0_and_1(classifier: Classifier) -> None:
    for title in ("China bans bitcoin mining", "SEC fines exchange", "Bitcoin flat", ""):
        assert 0.0 <= classifier.classify(title, "").score <= 1.0
