"""What a targeted subscription narrows alerts to: jurisdictions, platforms, regulators.

`/subscribe bans on WeChat` keeps the ban alerts whose flag names WeChat among its
platforms; `/subscribe regulation in EU FR` the regulation alerts naming the EU or France.
Names within one kind are alternatives (any of them will do); kinds given together must all
match (`bans on WeChat in CN` wants WeChat *and* China). The names are the classifier's
canonical ones (`bot.classify.names` reads what users type into them).

Stored on the subscription as compact JSON, "" when there is no filter (a plain
subscription, as before targets existed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.models import Entities

# The word before each kind of name, in the order names are written back.
MARKERS = (("in", "jurisdictions"), ("on", "platforms"), ("by", "regulators"))


@dataclass(frozen=True, slots=True)
class Targets:
    jurisdictions: tuple[str, ...] = ()  # ISO codes or "EU", as the classifier reports them
    platforms: tuple[str, ...] = ()
    regulators: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.jurisdictions or self.platforms or self.regulators)

    def of(self, kind: str) -> tuple[str, ...]:
        """The names of one kind: "jurisdictions", "platforms" or "regulators"."""
        names: tuple[str, ...] = getattr(self, kind)
        return names

    def matches(self, entities: Entities) -> bool:
        """Every kind given names at least one of the flag's entities of that kind."""
        for _, kind in MARKERS:
            wanted = self.of(kind)
            if wanted and not set(wanted) & set(getattr(entities, kind)):
                return False
        return True

    def words(self) -> str:
        """As typed after /subscribe, canonical: `in EU FR on WeChat by SEC`."""
        parts: list[str] = []
        for marker, kind in MARKERS:
            if names := self.of(kind):
                parts += [marker, *names]
        return " ".join(parts)

    def to_db(self) -> str:
        if not self:
            return ""
        data = {kind: list(self.of(kind)) for _, kind in MARKERS if self.of(kind)}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_db(cls, text: str | None) -> Targets:
        if not text:
            return cls()
        data = json.loads(text)
        if not isinstance(data, dict):
            return cls()

        def names(kind: str) -> tuple[str, ...]:
            value = data.get(kind) or ()
            return tuple(str(v) for v in value) if isinstance(value, list) else ()

        return cls(names("jurisdictions"), names("platforms"), names("regulators"))

    @classmethod
    def of_names(
        cls,
        jurisdictions: list[str] | tuple[str, ...] = (),
        platforms: list[str] | tuple[str, ...] = (),
        regulators: list[str] | tuple[str, ...] = (),
    ) -> Targets:
        """Names without repeats, sorted: one subscription has one spelling, so
        `in FR EU` and `in EU FR` are the same subscription."""
        return cls(
            tuple(sorted(set(jurisdictions))),
            tuple(sorted(set(platforms))),
            tuple(sorted(set(regulators))),
        )
