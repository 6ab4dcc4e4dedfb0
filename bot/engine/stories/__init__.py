"""Test stories (Rasa 3 ``stories:`` under ``nlu_data/tests/``) run live against the engine.

``reader`` turns the files into :class:`~bot.engine.stories.reader.Story` objects,
``runner`` plays a story as a conversation with the real processor and compares every
step, ``report`` prints the outcome as ``rasa test`` does, and ``backends`` starts the api
and the action server the stories need.
"""
