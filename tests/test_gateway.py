"""The shared gateway layer (components/gateway.py): Envoy Gateway naming and the Envoy AI Gateway values."""

import hashlib

import pytest

from inferstack.components import gateway


def _digest(namespace: str, name: str) -> str:
    return hashlib.sha256(f"{namespace}/{name}".encode()).hexdigest()[:8]


def test_envoy_service_name_keeps_a_short_namespaced_name_whole():
    assert gateway.envoy_service_name("llm", "aigw-gateway") == f"envoy-llm-aigw-gateway-{_digest('llm', 'aigw-gateway')}"


@pytest.mark.parametrize(("namespace", "name", "kept"), [
    # <ns>-<name> is 55 characters and its 48th is the '-' inside the name: Envoy Gateway drops it
    ("llm", "a" * 43 + "-gateway", "llm-" + "a" * 43),
    # the 48th character is the '/' between namespace and name (written '-'): dropped as well
    ("n" * 47, "gw", "n" * 47),
    # exactly 48 characters are not cut at all
    ("llm", "g" * 44, "llm-" + "g" * 44),
    # a cut that ends on a letter keeps all 48
    ("llm", "g" * 50, "llm-" + "g" * 44),
], ids=["dash-in-name-at-cut", "slash-at-cut", "exactly-48", "letter-at-cut"])
def test_envoy_service_name_cuts_to_48_then_drops_one_trailing_dash(namespace, name, kept):
    got = gateway.envoy_service_name(namespace, name)
    assert got == f"envoy-{kept}-{_digest(namespace, name)}"
    assert "--" not in got


def _manager(values: dict) -> dict:
    return values["config"]["envoyGateway"]["extensionManager"]


def test_envoy_ai_gateway_values_list_inference_pools_only_when_routes_use_them():
    assert "backendResources" not in _manager(gateway.envoy_ai_gateway_values(inference_pools=False))
    assert _manager(gateway.envoy_ai_gateway_values(inference_pools=True))["backendResources"] == [
        {"group": "inference.networking.k8s.io", "kind": "InferencePool", "version": "v1"}]
    # everything else is the same
    without = _manager(gateway.envoy_ai_gateway_values(inference_pools=False))
    with_pools = _manager(gateway.envoy_ai_gateway_values(inference_pools=True))
    assert {k: v for k, v in with_pools.items() if k != "backendResources"} == without


def test_envoy_ai_gateway_installs_the_inference_extension_crds_first_only_with_inference_pools():
    plain = [i.name for i in gateway.implementation_installs("envoy-ai-gateway")]
    assert plain == ["envoy-gateway", "envoy-ai-gateway-crds", "envoy-ai-gateway"]
    pools = gateway.implementation_installs("envoy-ai-gateway", inference_pools=True)
    assert [i.name for i in pools] == ["gateway-api-inference-extension-crds", *plain]
    assert "inference.networking.k8s.io/*" in pools[0].provides
    assert _manager(pools[1].values)["backendResources"][0]["kind"] == "InferencePool"
