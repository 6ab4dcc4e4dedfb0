"""Serve the test actions with the real rasa-sdk action server: ``python -m`` this module
with a port number."""

from __future__ import annotations

import sys

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor


def main(port: int) -> None:
    executor = ActionExecutor()
    executor.register_package("tests.engine.sdk_actions")
    app = create_app(executor)
    app.run(host="127.0.0.1", port=port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main(int(sys.argv[1]))
