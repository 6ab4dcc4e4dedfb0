"""The engine's NLU: Rasa 3 training data in, Rasa's ``/model/parse`` results out.

Public API::

    data = load_nlu_training_data(training_data_files(Path("nlu_data/data")))
    config = read_nlu_config(Path("nlu_data/config.yml"))
    nlu = NluPipeline.load_or_train(data, config, cache_dir)
    nlu.parse("我的空调不制冷了")  # {"text", "intent", "entities", "intent_ranking", "text_tokens"}
    nlu.intents, nlu.entities

One model serves Chinese, English and mixed text: text is folded (full-width → half-width,
lower case, traditional → simplified), intents come from a calibrated linear SVM over
character n-grams, jieba words and word pairs of the text with its entity values masked,
entities from a CRF, regexes and lookup tables, and dates, with
Rasa's FallbackClassifier and EntitySynonymMapper semantics. ``config`` documents which
parts of ``config.yml`` are honoured; ``reader`` what training data is accepted.
"""

from bot.engine.nlu.config import FallbackSettings, NluConfig, read_nlu_config
from bot.engine.nlu.fallback import FALLBACK_INTENT
from bot.engine.nlu.pipeline import NluPipeline
from bot.engine.nlu.reader import load_nlu_training_data, training_data_files
from bot.engine.nlu.training_data import NluTrainingData

__all__ = [
    "FALLBACK_INTENT",
    "FallbackSettings",
    "NluConfig",
    "NluPipeline",
    "NluTrainingData",
    "load_nlu_training_data",
    "read_nlu_config",
    "training_data_files",
]
