"""The generic walk finds pod specs and containers wherever engines nest them, and recognises model
servers, worker ranks and GPU resources."""

import pytest

from inferstack.policy import objects as k8s


def container(name="server", image="vllm/vllm-openai:v0.11.0", **extra):
    return {"name": name, "image": image, **extra}


def pod(*containers, **extra):
    return {"containers": list(containers), **extra}


SHAPES = {
    "Pod": ({"apiVersion": "v1", "kind": "Pod", "spec": pod(container())}, [("spec", "containers", 0)]),
    "Deployment": ({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": pod(container())}}},
                   [("spec", "template", "spec", "containers", 0)]),
    "StatefulSet": ({"apiVersion": "apps/v1", "kind": "StatefulSet",
                     "spec": {"template": {"spec": pod(container(), initContainers=[container("init")])}}},
                    [("spec", "template", "spec", "containers", 0), ("spec", "template", "spec", "initContainers", 0)]),
    "DaemonSet": ({"apiVersion": "apps/v1", "kind": "DaemonSet", "spec": {"template": {"spec": pod(container())}}},
                  [("spec", "template", "spec", "containers", 0)]),
    "Job": ({"apiVersion": "batch/v1", "kind": "Job", "spec": {"template": {"spec": pod(container())}}},
            [("spec", "template", "spec", "containers", 0)]),
    "CronJob": ({"apiVersion": "batch/v1", "kind": "CronJob",
                 "spec": {"jobTemplate": {"spec": {"template": {"spec": pod(container())}}}}},
                [("spec", "jobTemplate", "spec", "template", "spec", "containers", 0)]),
    "LeaderWorkerSet": ({"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet", "spec": {
        "leaderWorkerTemplate": {"leaderTemplate": {"spec": pod(container("leader"))},
                                 "workerTemplate": {"spec": pod(container("worker"))}}}},
        [("spec", "leaderWorkerTemplate", "leaderTemplate", "spec", "containers", 0),
         ("spec", "leaderWorkerTemplate", "workerTemplate", "spec", "containers", 0)]),
    "Kthena ModelServing": ({"apiVersion": "workload.serving.volcano.sh/v1alpha1", "kind": "ModelServing", "spec": {
        "template": {"roles": [{"name": "prefill", "entryTemplate": {"spec": pod(container())},
                                "workerTemplate": {"spec": pod(container("worker"))}}]}}},
        [("spec", "template", "roles", 0, "entryTemplate", "spec", "containers", 0),
         ("spec", "template", "roles", 0, "workerTemplate", "spec", "containers", 0)]),
    "KServe LLMInferenceService": ({"apiVersion": "serving.kserve.io/v1alpha2", "kind": "LLMInferenceService", "spec": {
        "template": pod(container("main")), "worker": pod(container("main")),
        "prefill": {"template": pod(container("main"))},
        "router": {"scheduler": {"template": pod({"name": "main"}, initContainers=[{"name": "storage-initializer"}])}}}},
        [("spec", "template", "containers", 0), ("spec", "worker", "containers", 0),
         ("spec", "prefill", "template", "containers", 0), ("spec", "router", "scheduler", "template", "containers", 0),
         ("spec", "router", "scheduler", "template", "initContainers", 0)]),
    "llmaz Service": ({"apiVersion": "inference.llmaz.io/v1alpha1", "kind": "Service", "spec": {
        "workloadTemplate": {"size": 2, "leaderTemplate": {"spec": pod(container("model-runner"))},
                             "workerTemplate": {"spec": pod(container("model-runner"))}}}},
        [("spec", "workloadTemplate", "leaderTemplate", "spec", "containers", 0),
         ("spec", "workloadTemplate", "workerTemplate", "spec", "containers", 0)]),
    "OME ClusterServingRuntime": ({"apiVersion": "ome.io/v1beta1", "kind": "ClusterServingRuntime", "spec": {
        "engineConfig": {"leader": {"runner": container("ome-container", args=["--port", "8080"])},
                         "worker": {"size": 1, "runner": container("ome-container", args=[])}},
        "routerConfig": {"runner": container("router", image="lmsysorg/sgl-router:v0.2.1", args=["--port", "8080"])}}},
        [("spec", "engineConfig", "leader", "runner"), ("spec", "engineConfig", "worker", "runner"),
         ("spec", "routerConfig", "runner")]),
    "AIBrix StormService": ({"apiVersion": "orchestration.aibrix.ai/v1alpha1", "kind": "StormService", "spec": {
        "template": {"spec": {"roles": [{"name": "prefill", "template": {"spec": pod(container())}},
                                        {"name": "decode", "template": {"spec": pod(container())}}]}}}},
        [("spec", "template", "spec", "roles", 0, "template", "spec", "containers", 0),
         ("spec", "template", "spec", "roles", 1, "template", "spec", "containers", 0)]),
    "AIBrix RoleSet": ({"apiVersion": "orchestration.aibrix.ai/v1alpha1", "kind": "RoleSet", "spec": {
        "roles": [{"name": "decode", "template": {"spec": pod(container())}}]}},
        [("spec", "roles", 0, "template", "spec", "containers", 0)]),
}


@pytest.mark.parametrize("shape", SHAPES, ids=list(SHAPES))
def test_containers_are_found_wherever_they_are_nested(shape):
    obj, paths = SHAPES[shape]
    assert sorted(c.path for c in k8s.containers(obj)) == sorted(paths)
    for c in k8s.containers(obj):
        assert c.path[:len(c.pod.path)] == c.pod.path  # the pod spec holds its containers


def test_pod_specs_are_the_mappings_holding_the_containers():
    obj, _ = SHAPES["OME ClusterServingRuntime"]
    assert [p.path for p in k8s.pod_specs(obj)] == [("spec", "engineConfig", "leader"), ("spec", "engineConfig", "worker"),
                                                    ("spec", "routerConfig")]


def test_containers_without_an_image_are_fragments():
    obj, _ = SHAPES["KServe LLMInferenceService"]
    fragments = {c.path for c in k8s.containers(obj) if c.fragment}
    assert fragments == {("spec", "router", "scheduler", "template", "containers", 0),
                         ("spec", "router", "scheduler", "template", "initContainers", 0)}


def test_a_mapping_with_image_but_no_container_fields_is_not_a_container():
    backend_runtime = {"apiVersion": "inference.llmaz.io/v1alpha1", "kind": "BackendRuntime",
                       "spec": {"image": "vllm/vllm-openai", "version": "v0.11.0", "command": ["vllm", "serve"]}}
    assert k8s.containers(backend_runtime) == []
    assert list(k8s.images(backend_runtime)) == [(("spec", "image"), "vllm/vllm-openai:v0.11.0")]


@pytest.mark.parametrize(("c", "server"), [
    (container(command=["vllm", "serve"], args=["Qwen/Qwen2.5-0.5B"]), True),
    (container(image="lmsysorg/sglang:v0.5.5", command=["python3", "-m", "sglang.launch_server"]), True),
    (container(image="ghcr.io/llm-d/llm-d-inference-sim:v0.8.2", args=["--model", "m"]), True),
    (container(image="ghcr.io/llm-d/llm-d-cuda:v0.8.0", command=["/bin/bash", "-c", "exec vllm serve /mnt/models"]), True),
    (container(image="vllm/vllm-openai:v0.11.0", args=["--model", "m"]), True),  # the image's entrypoint
    (container(image="vllm/vllm-openai:v0.11.0", command=["/bin/sh", "/config/run.sh"]), False),  # vllm bench
    (container(command=["vllm", "bench", "serve", "--base-url", "http://x"]), False),
    (container(image="quay.io/inference-perf/inference-perf:v0.6.1", command=["inference-perf"]), False),
])
def test_model_servers_are_recognised_by_command_or_entrypoint(c, server):
    assert k8s.is_model_server(c) is server


@pytest.mark.parametrize(("args", "headless"), [
    (["--headless"], True), (["--node-rank", "$(LWS_WORKER_INDEX)"], True), (["--node-rank", "0"], False),
    (["--node-rank=1"], True), (["--node-rank=0"], False), ([], False),
])
def test_worker_ranks_serve_no_http(args, headless):
    assert k8s.is_headless_rank(container(command=["vllm", "serve"], args=args)) is headless


@pytest.mark.parametrize(("name", "gpu"), [
    ("nvidia.com/gpu", True), ("nvidia.com/mig-1g.10gb", True), ("amd.com/gpu", True), ("gpu.intel.com/i915", True),
    ("example.com/tpu-gpu-slice", True), ("cpu", False), ("memory", False), ("rdma/hca", False),
])
def test_gpu_resources(name, gpu):
    assert k8s.is_gpu_resource(name) is gpu


def test_plain_turns_pulumi_numbers_back_into_ints():
    assert k8s.plain({"a": [1.0, 2.5, {"b": 3.0}]}) == {"a": [1, 2.5, {"b": 3}]}


def test_namespace_of_objects_and_cluster_scoped_templates():
    assert k8s.namespace_of({"kind": "Deployment", "metadata": {"namespace": "llm"}}) == "llm"
    assert k8s.namespace_of({"kind": "Deployment", "metadata": {}}) == "default"
    assert k8s.namespace_of({"kind": "ClusterServingRuntime", "metadata": {}}) is None
