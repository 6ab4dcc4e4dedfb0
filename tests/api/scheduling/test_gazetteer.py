"""Recognising the served city and district of free-text addresses (pure, no database)."""

from __future__ import annotations

import pytest

from api.errors import ApiError
from api.scheduling.gazetteer import Area, AreaKind, Gazetteer
from api.scheduling.places import Place, covers, resolve_place

CITY, DISTRICT = AreaKind.CITY, AreaKind.DISTRICT


def _district(city: str, code: str, zh: str, en: str, **fields: object) -> Area:
    return Area(f"{city}.{code}", DISTRICT, zh, en, parent_code=city, **fields)  # type: ignore[arg-type]


GAZETTEER = Gazetteer(
    [
        Area("guangdong", AreaKind.PROVINCE, "广东省", "Guangdong"),
        Area("shanghai", CITY, "上海市", "Shanghai", postcode_prefixes=("200", "201", "202")),
        _district("shanghai", "pudong", "浦东新区", "Pudong New Area", postcode_prefixes=("2012",)),
        _district("shanghai", "huangpu", "黄浦区", "Huangpu"),
        _district("shanghai", "jingan", "静安区", "Jing'an"),
        _district("shanghai", "chongming", "崇明区", "Chongming", urban=False),
        Area("beijing", CITY, "北京市", "Beijing", aliases=("Peking",)),
        _district("beijing", "chaoyang", "朝阳区", "Chaoyang"),
        _district("beijing", "dongcheng", "东城区", "Dongcheng"),
        _district("beijing", "xicheng", "西城区", "Xicheng"),
        _district("beijing", "haidian", "海淀区", "Haidian"),
        Area(
            "guangzhou",
            CITY,
            "广州市",
            "Guangzhou",
            parent_code="guangdong",
            postcode_prefixes=("510", "511"),
        ),
        _district("guangzhou", "tianhe", "天河区", "Tianhe"),
        _district("guangzhou", "huangpu", "黄埔区", "Huangpu"),
        _district("guangzhou", "haizhu", "海珠区", "Haizhu"),
        _district("guangzhou", "yuexiu", "越秀区", "Yuexiu"),
    ]
)


@pytest.mark.parametrize(
    ("address", "city", "district"),
    [
        ("上海市浦东新区张江路100号", "shanghai", "shanghai.pudong"),
        ("100 Zhangjiang Rd, Pudong, Shanghai", "shanghai", "shanghai.pudong"),
        ("北京朝阳区", "beijing", "beijing.chaoyang"),
        ("Tianhe District, Guangzhou", "guangzhou", "guangzhou.tianhe"),
        ("广东省广州市天河区体育西路1号", "guangzhou", "guangzhou.tianhe"),
        ("廣州市天河區體育西路", "guangzhou", "guangzhou.tianhe"),
        ("ＳＨＡＮＧＨＡＩ  ＰＵＤＯＮＧ", "shanghai", "shanghai.pudong"),
        ("Flat 3, 88 Jing'an Temple Rd, Jing An District, Shanghai", "shanghai", "shanghai.jingan"),
        ("上海 Pudong New Area", "shanghai", "shanghai.pudong"),
        ("Chaoyang, Peking", "beijing", "beijing.chaoyang"),
        ("Huangpu, Guangzhou", "guangzhou", "guangzhou.huangpu"),
        ("上海市黄浦区南京东路", "shanghai", "shanghai.huangpu"),
        ("Shanghai", "shanghai", None),
        ("北京", "beijing", None),
    ],
)
def test_served_addresses_are_recognised(address: str, city: str, district: str | None) -> None:
    match = GAZETTEER.resolve(address)
    assert match.city is not None and match.city.code == city
    assert (match.district.code if match.district else None) == district


@pytest.mark.parametrize(
    ("address", "city", "district"),
    [
        ("Shangahi, Pudnog", "shanghai", "shanghai.pudong"),
        ("guangzhuo tianhe", "guangzhou", "guangzhou.tianhe"),
        ("Tianhe Distrct, Guangzou", "guangzhou", "guangzhou.tianhe"),
        ("上海市浦东心区张江路", "shanghai", "shanghai.pudong"),
        ("Beijing, Chaoyng", "beijing", "beijing.chaoyang"),
    ],
)
def test_typos_are_tolerated(address: str, city: str, district: str) -> None:
    match = GAZETTEER.resolve(address)
    assert match.city is not None and match.city.code == city
    assert match.district is not None and match.district.code == district


def test_a_district_alone_implies_its_city() -> None:
    match = GAZETTEER.resolve("朝阳区建国路88号")
    assert match.city is not None and match.city.code == "beijing"
    assert match.district is not None and match.district.code == "beijing.chaoyang"


def test_a_district_name_of_two_cities_is_ambiguous_without_the_city() -> None:
    match = GAZETTEER.resolve("Huangpu District, 18 Some Road")
    assert match.city is None
    assert [city.code for city in match.ambiguous_cities] == ["guangzhou", "shanghai"]


def test_the_district_of_the_named_city_wins_over_a_street_named_after_another_city() -> None:
    match = GAZETTEER.resolve("广州市越秀区北京路")
    assert match.city is not None and match.city.code == "guangzhou"
    assert match.district is not None and match.district.code == "guangzhou.yuexiu"


def test_the_full_district_name_wins_over_a_street_named_after_another_district() -> None:
    match = GAZETTEER.resolve("北京市东城区朝阳门内大街")
    assert match.district is not None and match.district.code == "beijing.dongcheng"


@pytest.mark.parametrize(
    "address",
    [
        "四川省成都市锦江区春熙路 1 号",
        "南京市玄武区",  # shares 京市 with 北京市: not a typo of it
        "Xichang, Sichuan",  # one letter from Xicheng, but no served city is named
        "Chengdu Jinjiang",
        "somewhere",
        "   ",
        "12345",
    ],
)
def test_unserved_places_are_not_guessed(address: str) -> None:
    match = GAZETTEER.resolve(address)
    assert match.city is None and match.district is None


def test_a_postcode_places_an_address_without_names() -> None:
    match = GAZETTEER.resolve("张江路 201203")
    assert match.postcode == "201203"
    assert match.city is not None and match.city.code == "shanghai"
    assert match.district is not None and match.district.code == "shanghai.pudong"
    city_only = GAZETTEER.resolve("Room 1, 200001")
    assert city_only.city is not None and city_only.city.code == "shanghai"
    assert city_only.district is None


def test_a_longer_number_is_not_a_postcode() -> None:
    assert GAZETTEER.resolve("call 13800138000").city is None


def test_a_province_is_above_its_cities() -> None:
    tianhe = GAZETTEER.areas["guangzhou.tianhe"]
    assert [area.code for area in GAZETTEER.lineage(tianhe)] == [
        "guangzhou.tianhe",
        "guangzhou",
        "guangdong",
    ]


def test_an_unserved_address_is_refused_with_the_served_cities() -> None:
    with pytest.raises(ApiError) as refused:
        resolve_place(GAZETTEER, "成都市锦江区", field="body.address")
    assert refused.value.code == "area_not_served"
    extra = refused.value.extra
    assert [city["code"] for city in extra["served_cities"]] == ["beijing", "guangzhou", "shanghai"]
    assert "上海市" in extra["zh"] and "Shanghai" in extra["en"]


def _place(address: str) -> Place:
    return resolve_place(GAZETTEER, address, field="address")


@pytest.mark.parametrize(
    ("areas", "prefixes", "address", "served"),
    [
        (["shanghai.pudong"], [], "上海市浦东新区张江路", True),
        (["shanghai"], [], "上海市浦东新区张江路", True),
        (["guangdong"], [], "广州市天河区", True),
        (["shanghai.huangpu"], [], "上海市浦东新区张江路", False),
        (["shanghai.pudong"], [], "上海市", False),
        ([], ["2012"], "上海市浦东新区张江路 201203", True),
        ([], ["2012"], "上海市浦东新区陆家嘴 200120", False),
        ([], ["2012"], "上海市浦东新区张江路", True),
        ([], ["20"], "上海市黄浦区", True),
        ([], ["2012"], "上海市黄浦区", False),
        ([], ["2"], "上海市 200001", True),
    ],
)
def test_coverage_by_area_and_postcode_prefix(
    areas: list[str], prefixes: list[str], address: str, served: bool
) -> None:
    assert covers(areas, prefixes, _place(address)) is served
