"""Load a Rasa 3.x project directory into what the engine serves: domain, rule policy,
responses and a fingerprint of the data (the engine's "model id")."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

from bot.engine import model_cache
from bot.engine.domain import Domain
from bot.engine.domain_loader import domain_paths, load_domain
from bot.engine.policy_config import PolicyConfig, read_policy_config
from bot.engine.rule_policy import RulePolicy
from bot.engine.rules_loader import data_paths, load_rules
from bot.engine.yaml_source import DataError, SourceLocation

CONFIG_FILE = "config.yml"

logger = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class DialogueModel:
    data_dir: Path
    domain: Domain
    policy: RulePolicy
    policy_config: PolicyConfig
    fingerprint: str


def load_dialogue_model(data_dir: Path, cache_dir: Path | None = None) -> DialogueModel:
    """Read and check the domain, rules and policy configuration; train the rules.

    With ``cache_dir``, a model trained earlier from the same files by the same engine code
    is loaded instead, and a newly trained one is stored there.
    """
    config_path = data_dir / CONFIG_FILE
    domain_files = domain_paths(data_dir)
    training_files = data_paths(data_dir)
    fingerprint = data_fingerprint(data_dir, [config_path, *domain_files, *training_files])
    if cache_dir is None:
        return _train(data_dir, config_path, domain_files, training_files, fingerprint)
    path = model_cache.cache_path(cache_dir, model_cache.cache_key(fingerprint))
    cached = model_cache.load_cached(path)
    if isinstance(cached, DialogueModel) and cached.fingerprint == fingerprint:
        return dataclasses.replace(cached, data_dir=data_dir)
    model = _train(data_dir, config_path, domain_files, training_files, fingerprint)
    try:
        model_cache.store(model, path)
    except OSError as error:
        logger.warning("dialogue_model.not_cached", path=str(path), error=str(error))
    return model


def _train(
    data_dir: Path,
    config_path: Path,
    domain_files: list[Path],
    training_files: list[Path],
    fingerprint: str,
) -> DialogueModel:
    policy_config = read_policy_config(config_path)
    domain = load_domain(domain_files)
    if not domain.has_action(policy_config.fallback_action):
        raise DataError(
            SourceLocation(config_path, 1),
            "RulePolicy core_fallback_action_name",
            f"'{policy_config.fallback_action}' is not an action of the domain",
        )
    rules = load_rules(training_files, domain)
    policy = RulePolicy.train(
        domain,
        rules,
        core_fallback_threshold=policy_config.core_fallback_threshold,
        fallback_action=policy_config.fallback_action,
        enable_fallback_prediction=policy_config.enable_fallback_prediction,
    )
    return DialogueModel(
        data_dir=data_dir,
        domain=domain,
        policy=policy,
        policy_config=policy_config,
        fingerprint=fingerprint,
    )


def data_fingerprint(data_dir: Path, files: list[Path]) -> str:
    """A stable hash of the project files: it changes exactly when the data does."""
    digest = hashlib.sha256()
    for path in sorted(set(files)):
        if not path.is_file():
            continue  # a missing config.yml is reported by the loader, with its own message
        digest.update(str(path.relative_to(data_dir)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:32]


class NluParser:
    """The NLU pipeline behind the engine's parser interface, validating intent payloads
    against the domain as Rasa does."""

    def __init__(self, pipeline: Any, domain: Domain) -> None:
        self._pipeline = pipeline
        self._intents = frozenset(domain.intents)
        self._entities = frozenset(domain.entities)

    def parse(self, text: str) -> dict[str, Any]:
        result: dict[str, Any] = self._pipeline.parse(
            text, known_intents=self._intents, known_entities=self._entities
        )
        return result


class PayloadParser:
    """The parser of an engine without NLU: it understands intent payloads
    (``/intent{"entity": "value"}``, as buttons send them) and refuses any other text."""

    def __init__(self, domain: Domain) -> None:
        self._intents = frozenset(domain.intents)
        self._entities = frozenset(domain.entities)

    def parse(self, text: str) -> dict[str, Any]:
        from bot.engine.nlu.payload import parse_payload

        result = parse_payload(text, self._intents, self._entities)
        if result is None:
            raise ValueError(f"{text!r} is not an intent payload of the domain")
        return result


def load_nlu_parser(data_dir: Path, domain: Domain, cache_dir: Path) -> NluParser:
    """Train (or load from ``cache_dir``) the NLU pipeline for the project's data.

    Refuses NLU intents the domain does not list: Rasa would only warn and then predict a
    fallback for every message of such an intent.
    """
    # Imported here: the NLU brings scikit-learn and jieba, which nothing else needs.
    from bot.engine.nlu import (
        NluPipeline,
        load_nlu_training_data,
        read_nlu_config,
        training_data_files,
    )

    training_data = load_nlu_training_data(training_data_files(data_dir / "data"))
    config = read_nlu_config(data_dir / CONFIG_FILE)
    pipeline = NluPipeline.load_or_train(training_data, config, cache_dir)
    unknown = sorted(set(pipeline.intents) - set(domain.intents))
    if unknown:
        raise DataError(
            None, "nlu", f"intents with training examples but not in the domain: {unknown}"
        )
    return NluParser(pipeline, domain)
