"""Where a visit happens: the gazetteer read from the database, an address resolved to a
served place, and whether a technician's service areas cover that place."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.scheduling import problems
from api.scheduling.gazetteer import Area, AreaKind, Gazetteer
from api.scheduling.models import ServiceArea


@dataclass(frozen=True, slots=True)
class Place:
    """A served place an address was resolved to."""

    city: Area
    district: Area | None
    postcode: str | None
    lineage: frozenset[str]
    """Codes of the place and every area above it (district, city, province)."""
    postcode_prefixes: tuple[str, ...]
    """The gazetteer's postcode prefixes of the most precise area that has any."""

    @property
    def area(self) -> Area:
        return self.district or self.city

    @property
    def urban(self) -> bool:
        return self.area.urban


def area_of(row: ServiceArea) -> Area:
    return Area(
        code=row.code,
        kind=AreaKind(row.kind),
        name_zh=row.name_zh,
        name_en=row.name_en,
        parent_code=row.parent_code,
        aliases=tuple(row.aliases or ()),
        postcode_prefixes=tuple(row.postcode_prefixes or ()),
        urban=row.urban,
    )


_CACHED_DATABASES = 8
_gazetteers: OrderedDict[tuple[str, int, datetime | None], Gazetteer] = OrderedDict()


async def load_gazetteer(session: AsyncSession) -> Gazetteer:
    """The gazetteer as stored, rebuilt only when its rows changed (count or last update)."""
    count, last_update = (
        await session.execute(select(func.count(), func.max(ServiceArea.updated_at)))
    ).one()
    key = (session.get_bind().url.render_as_string(hide_password=True), count, last_update)
    cached = _gazetteers.get(key)
    if cached is not None:
        _gazetteers.move_to_end(key)
        return cached
    rows = (await session.execute(select(ServiceArea))).scalars()
    gazetteer = Gazetteer(area_of(row) for row in rows)
    _gazetteers[key] = gazetteer
    while len(_gazetteers) > _CACHED_DATABASES:
        _gazetteers.popitem(last=False)
    return gazetteer


def resolve_place(gazetteer: Gazetteer, address: str, *, field: str) -> Place:
    """The served place of ``address``; a 422 naming the served cities when there is none."""
    match = gazetteer.resolve(address)
    if match.city is None:
        if match.ambiguous_cities:
            raise problems.area_ambiguous(match.ambiguous_cities, field)
        raise problems.area_not_served(gazetteer.cities(), field)
    lineage = gazetteer.lineage(match.district or match.city)
    return Place(
        city=match.city,
        district=match.district,
        postcode=match.postcode,
        lineage=frozenset(area.code for area in lineage),
        postcode_prefixes=next((a.postcode_prefixes for a in lineage if a.postcode_prefixes), ()),
    )


def covers(area_codes: Iterable[str], postcode_prefixes: Iterable[str], place: Place) -> bool:
    """Whether a technician serving these areas and postcode prefixes serves ``place``.

    An area covers everything below it. A postcode prefix covers an address whose postcode
    starts with it; without a postcode in the address, it covers the place only when the
    place lies wholly inside it (every postcode prefix of the place starts with it).
    """
    if place.lineage.intersection(area_codes):
        return True
    for prefix in postcode_prefixes:
        if place.postcode is not None:
            if place.postcode.startswith(prefix):
                return True
        elif place.postcode_prefixes and all(
            known.startswith(prefix) for known in place.postcode_prefixes
        ):
            return True
    return False
