"""Names Rasa 3.6 gives special meaning to, shared by every part of the engine."""

from __future__ import annotations

from typing import Final

#: The Rasa version whose semantics this engine reproduces and which it reports to the
#: action server (rasa-sdk only warns when major.minor differ).
RASA_VERSION: Final = "3.6.21"
#: Training-data format version Rasa writes into a domain that does not name one.
TRAINING_DATA_FORMAT_VERSION: Final = "3.1"

ACTION_LISTEN: Final = "action_listen"
ACTION_RESTART: Final = "action_restart"
ACTION_SESSION_START: Final = "action_session_start"
ACTION_DEFAULT_FALLBACK: Final = "action_default_fallback"
ACTION_DEACTIVATE_LOOP: Final = "action_deactivate_loop"
ACTION_REVERT_FALLBACK_EVENTS: Final = "action_revert_fallback_events"
ACTION_DEFAULT_ASK_AFFIRMATION: Final = "action_default_ask_affirmation"
ACTION_DEFAULT_ASK_REPHRASE: Final = "action_default_ask_rephrase"
ACTION_TWO_STAGE_FALLBACK: Final = "action_two_stage_fallback"
ACTION_UNLIKELY_INTENT: Final = "action_unlikely_intent"
ACTION_BACK: Final = "action_back"
RULE_SNIPPET_ACTION: Final = "..."
ACTION_EXTRACT_SLOTS: Final = "action_extract_slots"
ACTION_VALIDATE_SLOT_MAPPINGS: Final = "action_validate_slot_mappings"

#: Rasa's default actions, in Rasa's order: a domain's action list starts with them.
DEFAULT_ACTION_NAMES: Final = (
    ACTION_LISTEN,
    ACTION_RESTART,
    ACTION_SESSION_START,
    ACTION_DEFAULT_FALLBACK,
    ACTION_DEACTIVATE_LOOP,
    ACTION_REVERT_FALLBACK_EVENTS,
    ACTION_DEFAULT_ASK_AFFIRMATION,
    ACTION_DEFAULT_ASK_REPHRASE,
    ACTION_TWO_STAGE_FALLBACK,
    ACTION_UNLIKELY_INTENT,
    ACTION_BACK,
    RULE_SNIPPET_ACTION,
    ACTION_EXTRACT_SLOTS,
)
#: Default actions this engine runs itself; the others exist in Rasa only for policies
#: and fallbacks the engine does not offer, so data naming them is refused.
ENGINE_DEFAULT_ACTIONS: Final = frozenset(
    {
        ACTION_LISTEN,
        ACTION_RESTART,
        ACTION_SESSION_START,
        ACTION_DEFAULT_FALLBACK,
        ACTION_DEACTIVATE_LOOP,
        ACTION_DEFAULT_ASK_REPHRASE,
        ACTION_BACK,
    }
)

INTENT_RESTART: Final = "restart"
INTENT_BACK: Final = "back"
INTENT_OUT_OF_SCOPE: Final = "out_of_scope"
INTENT_SESSION_START: Final = "session_start"
INTENT_NLU_FALLBACK: Final = "nlu_fallback"
DEFAULT_INTENTS: Final = (
    INTENT_RESTART,
    INTENT_BACK,
    INTENT_OUT_OF_SCOPE,
    INTENT_SESSION_START,
    INTENT_NLU_FALLBACK,
)
#: Intents whose prediction overrules every rule (RulePolicy's default action mappings).
DEFAULT_ACTION_MAPPINGS: Final = {
    INTENT_RESTART: ACTION_RESTART,
    INTENT_BACK: ACTION_BACK,
    INTENT_SESSION_START: ACTION_SESSION_START,
}

REQUESTED_SLOT: Final = "requested_slot"
SESSION_START_METADATA_SLOT: Final = "session_started_metadata"
DEFAULT_SLOT_NAMES: Final = frozenset({REQUESTED_SLOT, SESSION_START_METADATA_SLOT})

#: Marker the rule generator substitutes for ``null`` in rules: "must not be set".
SHOULD_NOT_BE_SET: Final = "should_not_be_set"
DEFAULT_CATEGORICAL_SLOT_VALUE: Final = "__other__"
ENTITY_LABEL_SEPARATOR: Final = "#"
UTTER_PREFIX: Final = "utter_"
INTENT_MESSAGE_PREFIX: Final = "/"
EXTERNAL_MESSAGE_PREFIX: Final = "EXTERNAL: "
IS_EXTERNAL: Final = "is_external"

MODEL_ID_KEY: Final = "model_id"
ASSISTANT_ID_KEY: Final = "assistant_id"

POLICY_RULE: Final = "RulePolicy"
POLICY_FOLLOWUP: Final = "followup_action"
DEFAULT_CORE_FALLBACK_THRESHOLD: Final = 0.3
DEFAULT_MAX_NUMBER_OF_PREDICTIONS: Final = 10

#: Name of the output channel Rasa's REST webhook collects responses with; response
#: variations restricted to a ``channel`` are matched against it.
COLLECTOR_CHANNEL: Final = "collector"
REST_INPUT_CHANNEL: Final = "rest"
