"""The llm-d router (EPP) configuration for one model: EndpointPickerConfig, EPP flags, the standalone
Envoy proxy, and the P/D routing sidecar flags — all for the pinned router release (v0.10.0).

Plugin types, flags and the config apiVersion below were read from llm-d/llm-d-router at tag v0.10.0
(`cmd/epp/runner/runner.go`, `pkg/epp/server/options.go`, `pkg/sidecar/proxy/options.go`). They move
between router releases, so they are pinned here next to the image they belong to and tests check
every rendered name against these sets.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache

from ..render.writer import safe_dump
from ..spec.model import Model

ROUTER_VERSION = "v0.10.0"
EPP_CONFIG_API_VERSION = "llm-d.ai/v1alpha1"  # router >= v0.8; the x-k8s group is deprecated
EPP_CONFIG_FILE = "epp-config.yaml"
EPP_CONFIG_DIR = "/config"
POOL_GROUP = "inference.networking.k8s.io"

# Ports of the EPP pod (router v0.10.0 defaults) and of the standalone proxy.
EXT_PROC_PORT = 9002
GRPC_HEALTH_PORT = 9003
EPP_METRICS_PORT = 9090
PROXY_PORT = 8081
PROXY_ADMIN_PORT = 19000
TOKENIZER_PORT = 8000  # `vllm launch render` next to the EPP, on loopback

# Model-server ports: the pool port, and the engine port behind the P/D sidecar on decode pods.
POOL_PORT = 8000
DECODE_ENGINE_PORT = 8200
KV_EVENTS_PORT = 5556
KV_BLOCK_SIZE = 64  # vLLM --block-size and the EPP's token-processor block size, kept equal
HASH_SEED = "42"  # vLLM PYTHONHASHSEED and the EPP's hashSeed, kept equal
PD_NON_CACHED_TOKENS = 16  # prefill runs remotely when at least this many prompt tokens are uncached

# Plugin types the pinned EPP image registers (Beta and Stable; Alpha ones need
# --allow-experimental-plugins, which inferstack never sets).
EPP_PLUGIN_TYPES = frozenset({
    "active-request-scorer", "always-disagg-multimodal-decider", "always-disagg-pd-decider",
    "anthropic-parser", "approx-prefix-cache-producer", "concurrency-detector", "context-length-aware",
    "core-metrics-extractor", "data-parallel-profile-handler", "decode-filter",
    "destination-endpoint-served-verifier", "disagg-profile-handler", "edf-ordering-policy", "encode-filter",
    "endpoint-notification-source", "fcfs-ordering-policy", "file-discovery", "global-strict-fairness-policy",
    "header-based-testing-filter", "inflight-load-producer", "k8s-notification-source",
    "kv-cache-utilization-scorer", "label-selector-filter", "latency-scorer", "latency-slo-admitter",
    "load-aware-scorer", "lora-affinity-scorer", "max-score-picker", "metrics-data-source",
    "mm-embeddings-cache-producer", "mm-embeddings-cache-scorer", "models-data-extractor",
    "models-data-source", "no-hit-lru-scorer", "openai-parser", "passthrough-parser",
    "precise-prefix-cache-producer", "precise-prefix-cache-scorer", "predicted-latency-producer",
    "prefill-filter", "prefix-based-pd-decider", "prefix-cache-affinity-filter", "prefix-cache-scorer",
    "probabilistic-admitter", "program-aware-fairness", "queue-scorer", "random-picker",
    "request-attribute-reporter", "round-robin-fairness-policy", "running-requests-size-scorer",
    "session-id-producer", "single-profile-handler", "slo-deadline-ordering-policy",
    "slo-headroom-tier-filter", "static-usage-limit-policy", "token-load-scorer", "token-producer",
    "utilization-detector", "vertexai-parser", "vllmgrpc-parser", "vllmhttp-parser", "weighted-random-picker",
})
# Registered only as deprecated aliases in v0.10.0 (removed in v0.11): never rendered.
EPP_DEPRECATED_PLUGIN_TYPES = frozenset({
    "by-label", "by-label-selector", "disagg-headers-handler", "prefill-header-handler", "pd-profile-handler",
    "tokenizer",
})

# EPP flags of v0.10.0 that inferstack renders. The per-metric flags (--kv-cache-usage-percentage-metric
# and friends) still parse but make the EPP exit at startup: metrics are configured in the
# EndpointPickerConfig (core-metrics-extractor) instead.
EPP_FLAGS = frozenset({
    "pool-name", "pool-namespace", "pool-group", "config-file", "grpc-port", "grpc-health-port",
    "metrics-port", "secure-serving", "metrics-endpoint-auth", "tracing", "zap-encoder", "v",
})
EPP_REJECTED_FLAGS = frozenset({
    "total-queued-requests-metric", "total-running-requests-metric", "kv-cache-usage-percentage-metric",
    "lora-info-metric", "cache-info-metric",
})

# P/D sidecar (llm-d-router-disagg-sidecar v0.10.0). pflag exits on an unknown flag, so only these.
SIDECAR_FLAGS = frozenset({
    "port", "model-server-port", "kv-connector", "secure-proxy", "enable-ssrf-protection", "inference-pool",
    "pool-group", "data-parallel-size",
})
SIDECAR_KV_CONNECTORS = frozenset({"nixlv2", "shared-storage", "sglang", "mooncake", "offloading"})

ENGINE_TYPE_LABEL = "llm-d.ai/engine-type"  # core-metrics-extractor picks the metric names per engine
ROLE_LABEL = "llm-d.ai/role"  # prefill-filter / decode-filter select on it
SERVING_LABEL = "llm-d.ai/inference-serving"  # pods that serve the pool (not LWS workers, not the EPP)


def engine_type(model: Model) -> str:
    """The EPP engine type: the simulator exposes vLLM's metric names."""
    return "sglang" if model.runtime == "sglang" else "vllm"


def strategy(model: Model) -> str:
    """The routing strategy the EPP runs: P/D whenever the model is disaggregated."""
    return "pd" if model.disaggregation else model.routing


def precise(model: Model) -> bool:
    return strategy(model) == "kv-cache-aware"


_BLOCK_SIZE_ARG = re.compile(r"^--block-size(?:=(\d+))?$")


def block_size(model: Model) -> tuple[int, bool]:
    """(block size, whether inferstack must pass --block-size): a user's --block-size wins."""
    args = list(model.args)
    for i, arg in enumerate(args):
        m = _BLOCK_SIZE_ARG.match(arg)
        if not m:
            continue
        value = m.group(1) or (args[i + 1] if i + 1 < len(args) else "")
        if value.isdigit():
            return int(value), False
    return KV_BLOCK_SIZE, True


# --- EndpointPickerConfig -------------------------------------------------------------------------

@dataclass(frozen=True)
class Scorer:
    type: str
    weight: float


def _aggregated_scorers(model: Model) -> list[Scorer]:
    s = strategy(model)
    if s == "least-request":
        return [Scorer("active-request-scorer", 1)]
    if s == "prefix-cache":
        return [Scorer("prefix-cache-scorer", 3), Scorer("queue-scorer", 1)]
    if s == "kv-cache-aware":
        return [Scorer("prefix-cache-scorer", 3), Scorer("kv-cache-utilization-scorer", 1), Scorer("queue-scorer", 1)]
    # auto: llm-d's default profile; without prefix caching on the servers a prefix score means nothing
    scorers = [Scorer("queue-scorer", 2), Scorer("kv-cache-utilization-scorer", 2)]
    if model.prefix_caching:
        scorers.append(Scorer("prefix-cache-scorer", 3))
    return scorers


def _plugin(type_: str, parameters: dict | None = None, name: str | None = None) -> dict:
    out: dict = {"type": type_}
    if name:
        out["name"] = name
    if parameters:
        out["parameters"] = parameters
    return out


def _ref(name: str, weight: float | None = None) -> dict:
    out: dict = {"pluginRef": name}
    if weight is not None:
        out["weight"] = int(weight) if float(weight).is_integer() else weight
    return out


def _metrics_plugins(model: Model) -> list[dict]:
    return [_plugin("metrics-data-source", {"scheme": "http", "path": "/metrics"}),
            _plugin("core-metrics-extractor", {"defaultEngine": engine_type(model)})]


def _precise_plugins(model: Model, tokenizer_model: str) -> list[dict]:
    size, _ = block_size(model)
    return [
        _plugin("token-producer", {"modelName": tokenizer_model,
                                   "vllm": {"url": f"http://127.0.0.1:{TOKENIZER_PORT}"}}),
        _plugin("endpoint-notification-source"),
        _plugin("precise-prefix-cache-producer", {
            "tokenProcessorConfig": {"blockSizeTokens": size, "hashSeed": HASH_SEED},
            "kvEventsConfig": {"topicFilter": "kv@", "discoverPods": True,
                               "podDiscoveryConfig": {"socketPort": KV_EVENTS_PORT}},
        }),
    ]


def endpoint_picker_config(model: Model, tokenizer_model: str) -> dict:
    """The EndpointPickerConfig for one model's pool, with plugin names of the pinned EPP image."""
    sources = [{"pluginRef": "metrics-data-source", "extractors": [{"pluginRef": "core-metrics-extractor"}]}]
    if model.disaggregation:
        decider = "prefix-based-pd-decider" if model.prefix_caching else "always-disagg-pd-decider"
        plugins = [
            _plugin("prefix-cache-scorer"),
            _plugin("queue-scorer"),
            _plugin("prefill-filter"),
            _plugin("decode-filter"),
            _plugin("max-score-picker"),
            _plugin(decider, {"nonCachedTokens": PD_NON_CACHED_TOKENS} if model.prefix_caching else None),
            _plugin("disagg-profile-handler", {"deciders": {"prefill": decider}}),
            *_metrics_plugins(model),
        ]
        profiles = [
            {"name": role, "plugins": [_ref(f"{role}-filter"), _ref("prefix-cache-scorer", 2), _ref("queue-scorer", 1),
                                       _ref("max-score-picker")]}
            for role in ("prefill", "decode")
        ]
        return _config(plugins, profiles, sources)

    scorers = _aggregated_scorers(model)
    if model.lora and model.runtime != "sglang":
        scorers.append(Scorer("lora-affinity-scorer", 1))
    plugins: list[dict] = []
    if precise(model):
        plugins += _precise_plugins(model, tokenizer_model)
        sources.append({"pluginRef": "endpoint-notification-source",
                        "extractors": [{"pluginRef": "precise-prefix-cache-producer"}]})
    for s in scorers:
        if s.type == "prefix-cache-scorer" and precise(model):
            plugins.append(_plugin(s.type, {"prefixMatchInfoProducerName": "precise-prefix-cache-producer"}))
        else:
            plugins.append(_plugin(s.type))
    plugins += [_plugin("max-score-picker"), _plugin("single-profile-handler"), *_metrics_plugins(model)]
    profiles = [{"name": "default", "plugins": [*(_ref(s.type, s.weight) for s in scorers), _ref("max-score-picker")]}]
    return _config(plugins, profiles, sources)


def _config(plugins: list[dict], profiles: list[dict], sources: list[dict]) -> dict:
    return {
        "apiVersion": EPP_CONFIG_API_VERSION,
        "kind": "EndpointPickerConfig",
        "plugins": plugins,
        "dataLayer": {"sources": sources},
        "schedulingProfiles": profiles,
    }


def config_text(config: dict) -> str:
    return safe_dump(config, sort_keys=False, default_flow_style=False, width=4096)


# --- EPP container flags ------------------------------------------------------------------------------

def epp_args(pool: str, namespace: str, secure_serving: bool) -> list[str]:
    """EPP flags, all as --name=value so that booleans parse."""
    flags = [
        ("pool-name", pool), ("pool-namespace", namespace), ("pool-group", POOL_GROUP),
        ("config-file", f"{EPP_CONFIG_DIR}/{EPP_CONFIG_FILE}"),
        ("grpc-port", EXT_PROC_PORT), ("grpc-health-port", GRPC_HEALTH_PORT), ("metrics-port", EPP_METRICS_PORT),
        ("secure-serving", secure_serving),
        ("metrics-endpoint-auth", False),  # lets Prometheus scrape the router without a token
        ("tracing", False),
        ("zap-encoder", "json"),
    ]
    return [f"--{name}={_flag_value(value)}" for name, value in flags]


def _flag_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- P/D routing sidecar ---------------------------------------------------------------------------

def sidecar_connector(model: Model) -> str:
    """The sidecar's --kv-connector: the P/D protocol it drives between prefill and decode."""
    if model.runtime == "sglang":
        return "sglang"
    return {"nixl": "nixlv2"}[model.disaggregation.kv_connector]


def sidecar_args(model: Model, pool: str, namespace: str) -> list[str]:
    flags = [
        ("port", POOL_PORT),
        ("model-server-port", DECODE_ENGINE_PORT),
        ("kv-connector", sidecar_connector(model)),
        # plain HTTP towards the router's proxy; the sidecar would serve a self-signed TLS cert otherwise
        ("secure-proxy", False),
        # only hosts of this pool may be named in x-prefiller-host-port
        ("enable-ssrf-protection", True),
        ("inference-pool", f"{namespace}/{pool}"),
    ]
    return [f"--{name}={_flag_value(value)}" for name, value in flags]


# --- vLLM KV events (KV-cache-aware routing) --------------------------------------------------------

def kv_events_args(model: Model) -> list[str]:
    size, add = block_size(model)
    config = {"enable_kv_cache_events": True, "publisher": "zmq", "endpoint": f"tcp://*:{KV_EVENTS_PORT}",
              "topic": f"kv@$(POD_IP):{POOL_PORT}@{model.name}"}
    args = ["--kv-events-config", json.dumps(config, separators=(",", ":"))]
    if add:
        args = ["--block-size", str(size), *args]
    return args


# --- standalone proxy (Envoy) ----------------------------------------------------------------------

_HCM = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"
_EXT_PROC = "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor"
_ROUTER = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"
_HTTP_OPTIONS = "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
DESTINATION_HEADER = "x-gateway-destination-endpoint"  # where the EPP writes the picked pod ip:port


@cache
def envoy_config_text() -> str:
    """The Envoy bootstrap as YAML: the same for every pool, dumped once."""
    return config_text(envoy_config())


def envoy_config() -> dict:
    """A static Envoy bootstrap: one HTTP listener that asks the EPP (ext_proc on loopback, plaintext
    HTTP/2) for a pod and forwards to the address the EPP wrote into the destination header."""
    ext_proc = {
        "name": "envoy.filters.http.ext_proc",
        "typed_config": {
            "@type": _EXT_PROC,
            "grpc_service": {"envoy_grpc": {"cluster_name": "endpoint-picker"}, "timeout": "10s"},
            "failure_mode_allow": False,
            "message_timeout": "1000s",
            # the EPP speaks the streamed full-duplex body protocol
            "processing_mode": {
                "request_header_mode": "SEND", "response_header_mode": "SEND",
                "request_body_mode": "FULL_DUPLEX_STREAMED", "response_body_mode": "FULL_DUPLEX_STREAMED",
                "request_trailer_mode": "SEND", "response_trailer_mode": "SEND",
            },
        },
    }
    listener = {
        "name": "inference",
        "address": {"socket_address": {"address": "0.0.0.0", "port_value": PROXY_PORT}},
        "filter_chains": [{"filters": [{
            "name": "envoy.filters.network.http_connection_manager",
            "typed_config": {
                "@type": _HCM,
                "stat_prefix": "inference",
                "codec_type": "AUTO",
                "route_config": {"name": "inference", "virtual_hosts": [{
                    "name": "inference", "domains": ["*"],
                    # long generations: no route timeout, one hour of idle stream
                    "routes": [{"match": {"prefix": "/"},
                                "route": {"cluster": "model-servers", "timeout": "0s", "idle_timeout": "3600s"}}],
                }]},
                "http_filters": [ext_proc, {"name": "envoy.filters.http.router", "typed_config": {"@type": _ROUTER}}],
            },
        }]}],
    }
    model_servers = {
        "name": "model-servers",
        "type": "ORIGINAL_DST",
        "lb_policy": "CLUSTER_PROVIDED",
        "connect_timeout": "10s",
        "original_dst_lb_config": {"use_http_header": True, "http_header_name": DESTINATION_HEADER},
    }
    endpoint_picker = {
        "name": "endpoint-picker",
        "type": "STATIC",
        "connect_timeout": "10s",
        "typed_extension_protocol_options": {"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
            "@type": _HTTP_OPTIONS, "explicit_http_config": {"http2_protocol_options": {}}}},
        "load_assignment": {"cluster_name": "endpoint-picker", "endpoints": [{"lb_endpoints": [{"endpoint": {
            "address": {"socket_address": {"address": "127.0.0.1", "port_value": EXT_PROC_PORT}}}}]}]},
    }
    return {
        "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": PROXY_ADMIN_PORT}}},
        "static_resources": {"listeners": [listener], "clusters": [model_servers, endpoint_picker]},
    }
