"""The rasa-sdk action server with this package's actions and the process's api client."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import HTTPResponse, Request, Sanic
from sanic.response import raw

from actions import api_client
from actions.api_client import AftersalesApi
from actions.metrics import ACTION_CALLS, REGISTRY
from actions.settings import ActionsSettings
from aftersales.request_ids import adopt_request_id, outgoing_headers

ACTIONS_PACKAGE = "actions"
WEBHOOK_PATH = "/webhook"


def build_app(settings: ActionsSettings) -> Sanic:
    """The action server (`POST /webhook`, `GET /actions`, `GET /health`)."""
    executor = ActionExecutor()
    executor.register_package(ACTIONS_PACKAGE)
    # Only the dialogue engine calls the action server, never a browser.
    app = create_app(executor, cors_origins=None)

    @app.get("/metrics")
    async def prometheus_metrics(_: Request) -> HTTPResponse:
        return raw(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)

    @app.on_request
    async def take_request_id(request: Request) -> None:
        # Set on every request: a kept-alive connection's next request runs in the same task.
        adopt_request_id(request.headers)

    @app.on_response
    async def echo_request_id(_: Request, response: HTTPResponse) -> None:
        response.headers.update(outgoing_headers())

    @app.on_response
    async def count_action_calls(request: Request, response: HTTPResponse) -> None:
        if request.path == WEBHOOK_PATH and request.method == "POST":
            call = request.json if request.body else None
            action = call.get("next_action") if isinstance(call, dict) else None
            ACTION_CALLS.labels(str(action), str(response.status)).inc()

    @app.before_server_start
    async def open_api_client(app: Sanic) -> None:
        api_client.install(AftersalesApi.from_settings(settings))

    @app.after_server_stop
    async def close_api_client(app: Sanic) -> None:
        await api_client.close()

    return app


def serve(settings: ActionsSettings, *, host: str, port: int) -> None:
    settings.ensure_safe_for_environment()
    build_app(settings).run(host=host, port=port, single_process=True, access_log=False, motd=False)
