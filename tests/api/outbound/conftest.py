"""Outbound tests run in the consumer's daytime unless they travel elsewhere: the queue holds
proactive messages back in the consumer's quiet hours."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine

from tests.api.outbound.steps import T0


@pytest.fixture(autouse=True)
def daytime() -> Iterator[None]:
    with time_machine.travel(T0, tick=True):
        yield
