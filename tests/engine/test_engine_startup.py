"""Start-up: the real NLU wired in, and ``aftersales engine --check``."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from aftersales.cli import main
from bot.engine.model import load_dialogue_model, load_nlu_parser
from bot.engine.server import EngineServices, create_app
from bot.engine.settings import EngineSettings
from bot.engine.yaml_source import DataError
from tests.engine.dialogue_bots import PRODUCT_DOMAIN, PRODUCT_RULES, write_bot

NLU = """\
version: "3.1"
nlu:
- intent: greet
  examples: |
    - hi
    - hello
    - 你好
    - good morning
- intent: inform
  examples: |
    - my [gree](brand) air conditioner
    - it is a [midea](brand)
    - [haier](brand) fridge
- intent: chitchat
  examples: |
    - tell me a joke
    - are you a robot
    - 讲个笑话
"""

NLU_CONFIG = """\
recipe: default.v1
language: zh
assistant_id: test_assistant
pipeline:
  - name: JiebaTokenizer
  - name: FallbackClassifier
    threshold: 0.3
policies:
  - name: RulePolicy
"""


async def test_engine_serves_with_the_real_nlu(tmp_path: Path) -> None:
    root = write_bot(
        tmp_path / "bot", PRODUCT_DOMAIN, PRODUCT_RULES, NLU_CONFIG, {"data/nlu.yml": NLU}
    )
    settings = EngineSettings(
        data_dir=root,
        tracker_store_url="sqlite+aiosqlite:///:memory:",
        action_endpoint="",
        cache_dir=tmp_path / "cache",
    )
    services = await EngineServices.start(settings)
    try:
        app = create_app(services=services)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://engine") as http:
            parsed = (await http.post("/model/parse", json={"text": "hello"})).json()
            assert parsed["intent"]["name"] == "greet"
            reply = await http.post(
                "/webhooks/rest/webhook",
                json={"sender": "a", "message": '/inform{"brand": "gree"}'},
            )
            assert reply.json() == [{"recipient_id": "a", "text": "Which gree model?"}]
    finally:
        await services.close()
    assert any((tmp_path / "cache").iterdir())


def test_nlu_intents_missing_from_the_domain_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.engine import nlu

    class Pipeline:
        intents = frozenset({"greet", "order_pizza"})

    monkeypatch.setattr(nlu.NluPipeline, "load_or_train", classmethod(lambda cls, *a: Pipeline()))
    root = write_bot(tmp_path, PRODUCT_DOMAIN, PRODUCT_RULES, NLU_CONFIG, {"data/nlu.yml": NLU})
    model = load_dialogue_model(root)
    with pytest.raises(DataError, match="order_pizza"):
        load_nlu_parser(root, model.domain, tmp_path / "cache")


def test_check_command_reports_a_valid_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_bot(tmp_path, PRODUCT_DOMAIN, PRODUCT_RULES)
    assert main(["engine", "--check", "--data-dir", str(root)]) == 0
    output = capsys.readouterr().out
    assert "1 forms" in output
    assert "model id" in output


def test_check_command_reports_the_first_error_with_its_location(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_bot(
        tmp_path, PRODUCT_DOMAIN, 'version: "3.1"\nrules:\n- rule: r\n  steps:\n  - intent: nope\n'
    )
    assert main(["engine", "--check", "--data-dir", str(root)]) == 1
    error = capsys.readouterr().err
    assert "rules.yml:5" in error
    assert "unknown intent 'nope'" in error
