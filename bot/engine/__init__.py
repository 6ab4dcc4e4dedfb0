"""The embedded dialogue engine: a Rasa 3.6-compatible server for ``nlu_data/``.

It speaks Rasa's HTTP API (``server``) and calls the rasa-sdk action server with Rasa's
protocol (``action_client``, ``actions.remote``), so a real Rasa server can replace it.

Supported, with Rasa 3.6.21's semantics:

* domain (``domain.yml`` or ``domain/``): intents with use/ignore_entities, entities with
  roles and groups, slots (text, bool, categorical, float, list, any) with
  ``influence_conversation``, ``initial_value`` and the mappings from_entity, from_text,
  from_intent, from_trigger_intent and custom (with conditions), responses (text,
  buttons, image, custom; ``condition`` and ``channel``), forms (``required_slots``,
  ``ignored_intents``), actions and ``session_config``;
* rules (``data/*.yml``): intent steps with entities, actions, ``slot_was_set``,
  ``active_loop``, ``condition``, ``conversation_start``, ``wait_for_user_input``;
* RulePolicy (``config.yml`` must list it; MemoizationPolicy is accepted and inert):
  rule keys, longest-key choice, loop happy and unhappy paths, default intents, the core
  fallback, and training's contradiction and completeness checks;
* forms, slot extraction and validation, default actions (listen, restart, session
  start, default fallback, deactivate loop, back, ask rephrase), every event Rasa 3.6
  accepts from an action server except ``export`` and the legacy ``form`` events.

Refused at load, with file and line: stories, ``or``, checkpoints, end-to-end texts,
metadata, retrieval intents, unknown references, slot conditions Rasa would ignore, and
every option whose behaviour the engine does not reproduce.

Deliberate differences from Rasa: rule ties (equally long keys) resolve to the
alphabetically first key instead of a process-dependent one; an unreachable action
server gets a short "busy" reply in the user's language (and a form's unvalidated
slots are put back) instead of silence, except for a custom session start, which is
skipped but still logs its closing listen; reminders are keyed per conversation and
survive restarts; a reminder's replies are POSTed to the callback URL as one list
(``callback``), where Rasa's callback channel posts each message on its own.

Trained models (NLU, and domain plus rules: ``model_cache``) are cached, keyed by what
they were trained from. ``aftersales test-stories`` (``story_test``, ``stories``) plays
the Rasa test stories live against the real action server and api. ``docs/engine.md``
documents the supported subset, the HTTP endpoints and the settings.
"""
