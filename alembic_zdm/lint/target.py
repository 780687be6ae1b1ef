"""The database a project runs on: ``postgresql>=15``, ``mysql>=8.0``, ``sqlite``."""

from __future__ import annotations

import dataclasses
import re

DIALECTS = ("postgresql", "mysql", "mariadb", "sqlite")
_ALIASES = {"postgres": "postgresql", "pg": "postgresql"}
_DEFAULT_VERSIONS: dict[str, tuple[int, ...]] = {
    "postgresql": (12,),
    "mysql": (8, 0),
    "mariadb": (10, 6),
    "sqlite": (3, 35),
}
_PATTERN = re.compile(r"^\s*([a-z]+)\s*(?:(>=|==|=)\s*(\d+(?:\.\d+){0,2}))?\s*$")


@dataclasses.dataclass(frozen=True, slots=True)
class Target:
    """A database and the oldest version the project must support."""

    dialect: str
    version: tuple[int, ...]

    @classmethod
    def parse(cls, text: str) -> Target:
        """Parse ``"postgresql>=15"``; raise ``ValueError`` with a readable reason."""
        match = _PATTERN.match(text.lower())
        if not match:
            raise ValueError(
                f"target {text!r} is not of the form 'postgresql>=15', 'mysql>=8.0' or 'sqlite'"
            )
        name = _ALIASES.get(match.group(1), match.group(1))
        if name not in DIALECTS:
            raise ValueError(
                f"target database {match.group(1)!r} is not one of {', '.join(DIALECTS)}"
            )
        version = match.group(3)
        parsed = tuple(int(p) for p in version.split(".")) if version else _DEFAULT_VERSIONS[name]
        return cls(name, parsed)

    @property
    def is_postgresql(self) -> bool:
        """PostgreSQL target."""
        return self.dialect == "postgresql"

    @property
    def is_mysql(self) -> bool:
        """MySQL or MariaDB target (they share most rules)."""
        return self.dialect in ("mysql", "mariadb")

    def at_least(self, *version: int) -> bool:
        """Whether every supported version is ``>= version``."""
        return self.version >= version

    def below(self, *version: int) -> bool:
        """Whether some supported version is ``< version``."""
        return self.version < version

    def __str__(self) -> str:
        return f"{self.dialect}>={'.'.join(map(str, self.version))}"


DEFAULT_TARGET = Target("postgresql", (12,))
