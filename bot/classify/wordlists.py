"""Load ``lexicons/*.toml`` into one term index per language.

Group names in the index:

- ``ban.strong``, ``ban.weak``, ``ban.lifted``, ``ban.lift``: ban words and actions ([ban])
- ``obj:<action>``: banned objects, keyed by the action label ([objects] section)
- ``reg:<action>``: rule and enforcement words, keyed by the action label ([regulation])
- ``context.crypto``, ``context.authorities``, ``guards.loose``, ``guards.market``,
  ``guards.no_ban``, ``guards.conduct``, ``guards.own``, ``guards.former``, ``guards.monetary``…
- ``platform:<name>``, ``regulator:<name>``, ``country:<code>`` from ``entities.toml``
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bot.classify.lexicon import TermIndex

LEXICON_DIR = Path(__file__).parent / "lexicons"
LANGUAGES = ("en", "fr", "es", "de", "pt", "zh")
LABELLED = {"objects": "obj:", "regulation": "reg:"}
PLAIN = {"ban": "ban.", "context": "context.", "guards": "guards."}


@dataclass(frozen=True, slots=True)
class Lexicon:
    lang: str  # the word list used: the item's language, or "en" when it has none
    index: TermIndex
    regulator_home: dict[str, str]  # regulator name → ISO code or "EU"


def _read(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _strings(where: str, value: object) -> list[str]:
    if isinstance(value, dict):
        value = value.get("aliases")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"{where} must be a list of quoted terms")
    return [str(v) for v in value]


def _add_lists(index: TermIndex, data: dict[str, Any], name: str) -> None:
    for section, table in data.items():
        if not isinstance(table, dict):
            raise TypeError(f"{name}: [{section}] must be a section of lists")
        prefix = LABELLED.get(section) or PLAIN.get(section)
        if prefix is None:
            raise ValueError(f"{name}: unknown section [{section}]")
        for key, terms in table.items():
            for term in _strings(f"{name}: [{section}] {key}", terms):
                index.add(term, prefix + key)


def _add_entities(index: TermIndex, data: dict[str, Any]) -> dict[str, str]:
    home: dict[str, str] = {}
    for section, kind in (("platforms", "platform"), ("regulators", "regulator")):
        for name, entry in data.get(section, {}).items():
            for alias in _strings(f"entities.toml: [{section}] {name}", entry):
                index.add(alias, f"{kind}:{name}")
            if isinstance(entry, dict):
                home[name] = str(entry.get("jurisdiction", ""))
    for code, aliases in data.get("jurisdictions", {}).items():
        for alias in _strings(f"entities.toml: [jurisdictions] {code}", aliases):
            index.add(alias, f"country:{code}")
    return home


@cache
def load_lexicon(lang: str, directory: Path = LEXICON_DIR) -> Lexicon:
    """The compiled word lists for `lang`; a language without a file uses English."""
    if not (directory / f"{lang}.toml").exists():
        lang = "en"
    index = TermIndex()
    for name in ("common.toml", f"{lang}.toml"):
        _add_lists(index, _read(directory / name), name)
    home = _add_entities(index, _read(directory / "entities.toml"))
    return Lexicon(lang, index, home)
