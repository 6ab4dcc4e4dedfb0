"""The troubleshooting endpoints on a migrated database holding the shipped knowledge base."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from api.auth_roles import Role
from api.seeding import SeedError
from api.troubleshooting.models import TroubleshootingGuide
from tests.api.troubleshooting.conftest import (
    SHIPPED_KNOWLEDGE_BASE,
    load_files,
    shipped_guides,
)
from tests.conftest import ApiClientFactory

GUIDES = "/api/v1/troubleshooting/guides"
MATCH = "/api/v1/troubleshooting/match"
ERROR_CODES = "/api/v1/troubleshooting/error-codes"
READERS = [Role.ACTIONS, Role.BOT, Role.AGENT, Role.SUPERVISOR, Role.BACKEND, Role.ADMIN]

pytestmark = pytest.mark.usefixtures("knowledge_base")


def _new_guide(**changes: Any) -> dict[str, Any]:
    guide = {
        "category": "refrigerator",
        "symptom": "door_alarm",
        "title": {"zh": "冰箱门报警", "en": "Refrigerator door alarm"},
        "match_phrases": {"zh": ["门报警", "一直嘀嘀响"], "en": ["door alarm", "keeps beeping"]},
        "steps": [
            {"instruction": {"zh": "请把门关严。", "en": "Please close the door fully."}},
            {
                "instruction": {"zh": "检查门封。", "en": "Check the door seal."},
                "image_url": "https://example.com/seal.png",
            },
        ],
        "needs_visit_when": [{"zh": "关严后仍报警", "en": "It still beeps with the door shut"}],
        "ends_remotely_when": "fixed_after_any_step",
    }
    guide.update(changes)
    return guide


async def _match(client: httpx.AsyncClient, **params: str) -> dict[str, Any]:
    response = await client.get(MATCH, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# Reading


async def test_service_roles_read_guides_and_match(api_client_for: ApiClientFactory) -> None:
    for role in READERS:
        client = api_client_for(role)
        listed = await client.get(GUIDES, params={"category": "refrigerator"})
        assert listed.status_code == 200, role
        items = listed.json()["items"]
        assert {item["symptom"] for item in items} >= {"not_cooling", "noisy"}
        assert {item["category"] for item in items} == {"refrigerator"}
        one = await client.get(f"{GUIDES}/{items[0]['id']}")
        assert one.json() == items[0]
        assert (await client.get(MATCH, params={"text": "fridge not cold"})).status_code == 200
        assert (await client.get(ERROR_CODES)).status_code == 200
    for path in (GUIDES, MATCH, ERROR_CODES):
        assert (await api_client_for(None).get(path, params={"text": "x"})).status_code == 401


async def test_guides_list_every_shipped_guide_with_steps_in_order(
    admin_client: httpx.AsyncClient,
) -> None:
    items = (await admin_client.get(GUIDES)).json()["items"]
    assert len(items) == len(shipped_guides())
    gas = next(i for i in items if (i["category"], i["symptom"]) == ("water_heater", "no_ignition"))
    assert gas["steps"][0]["safety"] is True
    assert "燃气味" in gas["steps"][0]["instruction"]["zh"]
    assert gas["version"] == 1
    keys = [(i["category"], i["symptom"], i["brand"] is not None, i["brand"] or "") for i in items]
    assert keys == sorted(keys)
    gree = (await admin_client.get(GUIDES, params={"brand": "gree"})).json()["items"]
    assert [(g["symptom"], g["brand"]) for g in gree] == [("error_code", "gree")]


async def test_an_unknown_guide_is_404(admin_client: httpx.AsyncClient) -> None:
    response = await admin_client.get(f"{GUIDES}/999999")
    assert response.status_code == 404
    assert response.json()["code"] == "guide_not_found"


async def test_error_codes_are_listed_by_brand_and_category(
    admin_client: httpx.AsyncClient,
) -> None:
    gree = (await admin_client.get(ERROR_CODES, params={"brand": "gree"})).json()["items"]
    assert [item["code"] for item in gree] == ["E1", "E2", "E6"]
    washers = await admin_client.get(ERROR_CODES, params={"category": "washing_machine"})
    assert {(i["brand"], i["code"]) for i in washers.json()["items"]} == {
        ("midea", "E10"),
        ("midea", "E21"),
        ("midea", "E30"),
    }


# Matching


async def test_match_returns_the_whole_guide_with_score_and_phrase(
    api_client_for: ApiClientFactory,
) -> None:
    body = await _match(
        api_client_for(Role.ACTIONS), category="washing_machine", text="洗衣机不排水了"
    )
    assert body["safety_alert"] is False and body["safety"] is None
    guide = body["guide"]
    assert (guide["category"], guide["symptom"], guide["brand"]) == (
        "washing_machine",
        "not_draining",
        None,
    )
    assert len(guide["steps"]) >= 2 and guide["title"]["en"]
    assert body["score"] == 100
    assert body["matched_phrase"] == "洗衣机不排水"
    assert body["category"] == "washing_machine"
    assert len(body["alternatives"]) <= 3
    assert body["reason"] is None


async def test_match_in_english_with_a_typo(admin_client: httpx.AsyncClient) -> None:
    body = await _match(admin_client, category="refrigerator", text="fridge not coling")
    assert body["guide"]["symptom"] == "not_cooling"
    assert 60 < body["score"] < 100


async def test_match_reads_a_brand_error_code(admin_client: httpx.AsyncClient) -> None:
    body = await _match(admin_client, text="格力空调显示E1")
    assert (body["guide"]["symptom"], body["guide"]["brand"]) == ("error_code", "gree")
    assert body["error_code"]["code"] == "E1"
    assert "high-pressure protection" in body["error_code"]["meaning"]["en"]
    assert (body["category"], body["brand"], body["brand_source"]) == (
        "air_conditioner",
        "gree",
        "text",
    )
    assert body["matched_phrase"] == "E1"
    listed = (await admin_client.get(ERROR_CODES, params={"brand": "gree"})).json()["items"]
    assert body["error_code"]["id"] == next(i["id"] for i in listed if i["code"] == "E1")


async def test_an_unknown_brand_matches_generic_guides(admin_client: httpx.AsyncClient) -> None:
    body = await _match(
        admin_client, category="air_conditioner", brand="Samsung", text="空调显示故障代码"
    )
    assert body["guide"]["brand"] is None
    assert (body["brand"], body["brand_source"]) == ("samsung", "given")


async def test_danger_is_flagged_whatever_the_category(admin_client: httpx.AsyncClient) -> None:
    body = await _match(admin_client, category="tv", text="电视后面冒烟了，还有焦味")
    assert body["safety_alert"] is True
    assert body["safety"]["hazards"] == ["smoke_or_fire"]
    assert "119" in body["safety"]["message"]["zh"]
    assert "fire service" in body["safety"]["message"]["en"]
    gas = await _match(admin_client, category="furniture", text="I smell gas in the flat")
    assert gas["safety"]["hazards"] == ["gas_leak"]


async def test_a_denied_danger_is_no_alarm(admin_client: httpx.AsyncClient) -> None:
    body = await _match(admin_client, category="water_heater", text="没有燃气味，就是打不着火")
    assert body["safety_alert"] is False
    assert body["guide"]["symptom"] == "no_ignition"
    english = await _match(admin_client, text="no gas smell, the water heater won't ignite")
    assert english["safety_alert"] is False
    assert english["guide"]["symptom"] == "no_ignition"


async def test_an_unknown_category_is_refused_naming_the_field(
    admin_client: httpx.AsyncClient,
) -> None:
    response = await admin_client.get(MATCH, params={"category": "spaceship", "text": "不制冷"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == ["query.category"]


async def test_no_fitting_guide_is_an_answer_not_an_error(admin_client: httpx.AsyncClient) -> None:
    body = await _match(admin_client, category="air_conditioner", text="今天天气不错")
    assert body["guide"] is None
    assert body["score"] is None and body["matched_phrase"] is None
    assert body["reason"] == "no_close_match"


@pytest.mark.parametrize("text", ["", None])
async def test_match_needs_text(admin_client: httpx.AsyncClient, text: str | None) -> None:
    params = {"category": "tv"} | ({"text": text} if text is not None else {})
    response = await admin_client.get(MATCH, params=params)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.text"


# Writing


async def test_only_admins_write(api_client_for: ApiClientFactory) -> None:
    code = {
        "brand": "gree",
        "category": "air_conditioner",
        "code": "E9",
        "symptom": "error_code",
        "meaning": {"zh": "通常表示测试。", "en": "Usually means a test."},
    }
    for role in (Role.ACTIONS, Role.BOT, Role.AGENT, Role.SUPERVISOR, Role.BACKEND):
        client = api_client_for(role)
        writes = [
            await client.post(GUIDES, json=_new_guide()),
            await client.put(f"{GUIDES}/1", json=_new_guide()),
            await client.post(ERROR_CODES, json=code),
            await client.put(f"{ERROR_CODES}/1", json=code),
        ]
        outcomes = [(write.status_code, write.json()["code"]) for write in writes]
        assert outcomes == [(403, "role_not_allowed")] * 4, role
    assert (await api_client_for(None).post(GUIDES, json=_new_guide())).status_code == 401


async def test_admin_adds_a_guide_that_matching_finds_at_once(
    admin_client: httpx.AsyncClient,
) -> None:
    before = await _match(admin_client, category="refrigerator", text="冰箱门一直嘀嘀响")
    assert before["guide"] is None or before["guide"]["symptom"] != "door_alarm"

    created = await admin_client.post(GUIDES, json=_new_guide())
    assert created.status_code == 201, created.text
    guide = created.json()
    assert guide["version"] == 1 and guide["urgency"] == "normal"
    assert guide["steps"][1]["image_url"] == "https://example.com/seal.png"

    after = await _match(admin_client, category="refrigerator", text="冰箱门一直嘀嘀响")
    assert after["guide"]["id"] == guide["id"]

    again = await admin_client.post(GUIDES, json=_new_guide())
    assert again.status_code == 409
    assert again.json()["code"] == "guide_exists"


async def test_replacing_a_guide_bumps_its_version_and_rewrites_steps(
    admin_client: httpx.AsyncClient,
) -> None:
    guide = (await admin_client.post(GUIDES, json=_new_guide())).json()
    url = f"{GUIDES}/{guide['id']}"
    one_step = _new_guide(steps=[_new_guide()["steps"][0]], urgency="urgent")

    unchanged = await admin_client.put(url, json=_new_guide())
    assert unchanged.json()["version"] == 1
    replaced = await admin_client.put(url, json={**one_step, "expected_version": 1})
    assert replaced.status_code == 200, replaced.text
    body = replaced.json()
    assert (body["version"], body["urgency"], len(body["steps"])) == (2, "urgent", 1)
    assert (await admin_client.get(url)).json() == body

    stale = await admin_client.put(url, json={**_new_guide(), "expected_version": 1})
    assert stale.status_code == 409
    assert stale.json()["code"] == "guide_version_conflict"
    assert stale.json()["extra"] == {"version": 2}


async def test_a_guide_error_codes_need_keeps_its_symptom(
    admin_client: httpx.AsyncClient,
) -> None:
    items = (await admin_client.get(GUIDES, params={"category": "washing_machine"})).json()
    drain = next(item for item in items["items"] if item["symptom"] == "not_draining")
    body = {key: drain[key] for key in _new_guide()} | {"symptom": "drain_trouble"}
    moved = await admin_client.put(f"{GUIDES}/{drain['id']}", json=body)
    assert moved.status_code == 409
    assert moved.json()["code"] == "guide_in_use"
    assert "midea E21" in moved.json()["detail"]
    retitled = {key: drain[key] for key in _new_guide()} | {
        "title": {"zh": "不排水", "en": "No drain"}
    }
    assert (await admin_client.put(f"{GUIDES}/{drain['id']}", json=retitled)).status_code == 200


async def test_a_guide_cannot_take_the_place_of_another(admin_client: httpx.AsyncClient) -> None:
    guide = (await admin_client.post(GUIDES, json=_new_guide())).json()
    clash = await admin_client.put(f"{GUIDES}/{guide['id']}", json=_new_guide(symptom="noisy"))
    assert clash.status_code == 409
    assert clash.json()["code"] == "guide_exists"


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"category": "spaceship"}, "body.category", "unknown_category"),
        ({"brand": "nobrand"}, "body.brand", "unknown_brand"),
        ({"symptom": "Not Valid"}, "body.symptom", "string_pattern_mismatch"),
        ({"steps": []}, "body.steps", "too_short"),
        ({"title": {"zh": "标题", "en": "  "}}, "body.title.en", "value_error"),
        ({"title": {"zh": "标\x00题", "en": "Title"}}, "body.title.zh", "value_error"),
        ({"ends_remotely_when": "sometimes"}, "body.ends_remotely_when", "enum"),
        ({"colour": "red"}, "body.colour", "extra_forbidden"),
    ],
)
async def test_invalid_guides_are_refused_naming_the_field(
    admin_client: httpx.AsyncClient, changes: dict[str, Any], field: str, code: str
) -> None:
    response = await admin_client.post(GUIDES, json=_new_guide(**changes))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(error["field"], error["type"]) for error in errors] == [(field, code)]


async def test_a_brand_guide_stands_beside_the_generic_one(
    admin_client: httpx.AsyncClient,
) -> None:
    generic = (await admin_client.post(GUIDES, json=_new_guide())).json()
    branded = await admin_client.post(GUIDES, json=_new_guide(brand="haier"))
    assert branded.status_code == 201
    assert branded.json()["id"] != generic["id"]
    text = "海尔冰箱门一直嘀嘀响"
    body = await _match(admin_client, category="refrigerator", text=text)
    assert body["guide"]["brand"] == "haier"
    other = await _match(admin_client, category="refrigerator", brand="midea", text=text)
    assert other["guide"]["id"] == generic["id"]


async def test_admin_adds_an_error_code_for_a_brand(admin_client: httpx.AsyncClient) -> None:
    code = {
        "brand": "haier",
        "category": "refrigerator",
        "code": "f3",
        "symptom": "not_cooling",
        "meaning": {"zh": "通常表示测试含义。", "en": "Usually means a test meaning."},
    }
    created = await admin_client.post(ERROR_CODES, json=code)
    assert created.status_code == 201, created.text
    assert created.json()["code"] == "F3" and created.json()["model"] is None
    body = await _match(admin_client, category="refrigerator", text="海尔冰箱显示F3")
    assert body["guide"]["symptom"] == "not_cooling"
    assert body["error_code"]["meaning"]["en"] == "Usually means a test meaning."

    assert (await admin_client.post(ERROR_CODES, json=code)).status_code == 409
    moved = await admin_client.put(
        f"{ERROR_CODES}/{created.json()['id']}", json={**code, "symptom": "noisy"}
    )
    assert moved.status_code == 200 and moved.json()["symptom"] == "noisy"
    body = await _match(admin_client, category="refrigerator", text="海尔冰箱显示F3")
    assert body["guide"]["symptom"] == "noisy"


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"symptom": "levitating"}, "body.symptom", "unknown_symptom"),
        ({"model": "NO-SUCH-MODEL"}, "body.model", "unknown_model"),
        ({"brand": "nobrand"}, "body.brand", "unknown_brand"),
        ({"code": "E 1"}, "body.code", "string_pattern_mismatch"),
    ],
)
async def test_invalid_error_codes_are_refused(
    admin_client: httpx.AsyncClient, changes: dict[str, Any], field: str, code: str
) -> None:
    body = {
        "brand": "gree",
        "category": "air_conditioner",
        "code": "E9",
        "symptom": "error_code",
        "meaning": {"zh": "通常表示测试。", "en": "Usually means a test."},
    } | changes
    response = await admin_client.post(ERROR_CODES, json=body)
    assert response.status_code == 422
    assert [(e["field"], e["type"]) for e in response.json()["errors"]] == [(field, code)]


# Storage and seeding


async def test_the_database_allows_one_generic_guide_per_symptom(api_app: FastAPI) -> None:
    async with api_app.state.session_factory() as session:
        original = (
            await session.scalars(
                select(TroubleshootingGuide).where(TroubleshootingGuide.brand_code.is_(None))
            )
        ).first()
        assert original is not None
        session.add(
            TroubleshootingGuide(
                category_code=original.category_code,
                symptom=original.symptom,
                brand_code=None,
                title_zh="重复",
                title_en="Duplicate",
                match_phrases_zh=["重复"],
                match_phrases_en=["duplicate"],
                safety_notes=[],
                needs_visit_when=[],
                ends_remotely_when="never",
                urgency="normal",
            )
        )
        with pytest.raises(IntegrityError):
            await session.flush()
        await session.rollback()


async def test_loading_the_knowledge_base_again_changes_nothing(
    api_app: FastAPI, tmp_path: Path
) -> None:
    counts = await load_files(api_app, [SHIPPED_KNOWLEDGE_BASE])
    assert counts == {"troubleshooting_guides": len(shipped_guides()), "error_codes": 7}
    async with api_app.state.session_factory() as session:
        total, highest = (
            await session.execute(select(func.count(), func.max(TroubleshootingGuide.version)))
        ).one()
    assert (total, highest) == (len(shipped_guides()), 1)

    document = yaml.safe_load(SHIPPED_KNOWLEDGE_BASE.read_text(encoding="utf-8"))
    document["troubleshooting_guides"][0]["title"]["en"] = "AC is not cooling"
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    await load_files(api_app, [edited])
    async with api_app.state.session_factory() as session:
        versions = dict(
            (
                await session.execute(
                    select(TroubleshootingGuide.title_en, TroubleshootingGuide.version)
                )
            ).all()
        )
    assert versions["AC is not cooling"] == 2
    assert max(v for title, v in versions.items() if title != "AC is not cooling") == 1


async def test_a_seed_item_that_names_no_known_brand_is_refused_with_its_place(
    api_app: FastAPI, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        yaml.safe_dump({"troubleshooting_guides": [_new_guide(brand="nobrand")]}),
        encoding="utf-8",
    )
    with pytest.raises(SeedError, match=r"troubleshooting_guides\[0\] \(refrigerator/door_alarm"):
        await load_files(api_app, [broken])
