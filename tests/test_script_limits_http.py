"""A hostile BPMN script fails its step with a clear error (never a 500), and while one runs the same
worker keeps answering other requests: no C-level operation of a script holds the interpreter long."""
import http.client
import json
import threading
import time

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from app.auth.service import issue_token
from app.cases.models import Case
from app.core.extensions import db
from app.org.models import User
from tests.bpmn_builder import probe_process
from tests.support import RECORD

NESTED_COMPARE = "a = []\nb = []\nfor i in range(28):\n    a = [a, a]\n    b = [b, b]\nc = a == b\n"
# Keeps retrying the refused compare until the time limit stops it: the request is busy for a second.
RETRYING = NESTED_COMPARE.replace("c = a == b\n", "while True:\n    try:\n        c = a == b\n    except Exception:\n        pass\n")
# Prints 200,000 references to a 4096-bit int (1,234 characters each): ran 18.5 s under a 1 s limit.
BIG_PRINT = "b = 2**4095\nl = [b] * 99999\nm = [l] * 2\nx = len(str(m))\n"
# The same printing with the list built without a repeat, retried until the time limit stops it.
BIG_PRINT_RETRYING = ("b = 2**4095\nl = [b for i in range(10000)]\nl = l + l + l + l + l + l + l + l + l\n"
                      "while True:\n    try:\n        x = len(str([l, l]))\n    except Exception:\n        pass\n")


@pytest.fixture()
def deploy(runner, tmp_path):
    def _deploy(script: str):
        path = tmp_path / "probe.bpmn"
        path.write_bytes(probe_process(script=script))
        result = runner.invoke(args=["deploy", str(path)])
        assert result.exit_code == 0, result.output
    return _deploy


@pytest.fixture()
def served(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()


def request(port: int, method: str, path: str, body: dict | None = None, token: str | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    return response.status, json.loads(response.read() or b"null")


@pytest.mark.parametrize("script", [NESTED_COMPARE, BIG_PRINT], ids=["nested_compare", "big_int_print"])
def test_a_runaway_script_fails_its_step_naming_the_limit(deploy, api, script):
    deploy(script)
    start = time.monotonic()
    r = api.as_("recorder").post("/cases", {"process": "safety_probe", "data": RECORD})
    assert time.monotonic() - start < 3.0  # a runaway compare took 20 s, the big-int print 18.5 s
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "process_error"
    assert "probe_script" in error["message"] and "数据量过大，超过 1000000 项/字符" in error["message"]
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0


@pytest.mark.parametrize("script", [RETRYING, BIG_PRINT_RETRYING], ids=["nested_compare", "big_int_print"])
def test_healthz_answers_fast_while_a_hostile_script_runs(deploy, served, ctx, script):
    deploy(script)
    token = issue_token(db.session.scalar(select(User).where(User.username == "recorder")))
    db.session.commit()
    outcome = {}

    def start_case():
        outcome["response"] = request(served, "POST", "/api/v1/cases", {"process": "safety_probe", "data": RECORD}, token)

    worker = threading.Thread(target=start_case)
    worker.start()
    time.sleep(0.3)  # the script is now inside its loop of refused comparisons
    timings = []
    for _ in range(3):
        begin = time.monotonic()
        assert request(served, "GET", "/healthz") == (200, {"status": "ok"})
        timings.append(time.monotonic() - begin)
    assert worker.is_alive(), "the hostile request should still be running while /healthz answered"
    worker.join(30)
    assert max(timings) < 1.0, timings  # 5.7 s while a C-level compare held the worker
    status, body = outcome["response"]
    assert status == 422, body
    assert "probe_script" in body["error"]["message"] and "运行超时" in body["error"]["message"]
