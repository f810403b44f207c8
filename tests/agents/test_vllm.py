"""VLLMBackend: request building is checked without vllm; the engine itself only where vllm is installed."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from agents import SamplingParams, observation_to_messages
from agents.backends.vllm_backend import build_vllm_requests, vllm_sampling_kwargs


def _template(chat):
    out = []
    for message in chat:
        content = message["content"]
        if isinstance(content, str):
            out.append(f"[{message['role']}] {content}")
        else:
            out.append(f"[{message['role']}] " + "".join("<img>" if p["type"] == "image" else p["text"]
                                                          for p in content))
    return "\n".join(out)


def test_requests_carry_prompt_and_images():
    image = np.full((8, 8, 3), 200, np.uint8)
    chats = [observation_to_messages({"prompt": "see", "image": image}, system_prompt="S"),
             observation_to_messages({"prompt": "text only"}, boxed_instruction=False)]
    requests = build_vllm_requests(chats, _template)
    assert requests[0]["prompt"].startswith("[system] S\n[user] see\n") and requests[0]["prompt"].endswith("<img>")
    assert isinstance(requests[0]["multi_modal_data"]["image"], Image.Image)
    assert np.array_equal(np.asarray(requests[0]["multi_modal_data"]["image"]), image)
    assert requests[1] == {"prompt": "[user] text only"}


def test_image_limit_is_enforced():
    chat = [{"role": "user", "content": [{"type": "image", "image": Image.new("RGB", (4, 4))}] * 2}]
    assert len(build_vllm_requests([chat], _template)[0]["multi_modal_data"]["image"]) == 2
    with pytest.raises(ValueError, match="limit_mm_per_prompt"):
        build_vllm_requests([chat], _template, image_limit=1)


def test_sampling_kwargs():
    assert vllm_sampling_kwargs(SamplingParams(max_new_tokens=7)) == {"max_tokens": 7, "temperature": 0.0,
                                                                      "top_p": 1.0, "n": 1}
    full = vllm_sampling_kwargs(SamplingParams(temperature=0.6, top_k=20, seed=1, n=4, stop="###"))
    assert full["top_k"] == 20 and full["seed"] == 1 and full["n"] == 4 and full["stop"] == ["###"]


def test_backend_without_vllm_fails_clearly():
    try:
        import vllm  # noqa: F401
    except ImportError:
        from agents import VLLMBackend

        with pytest.raises(ImportError):
            VLLMBackend("some/model")
    else:
        pytest.skip("vllm is installed")


def test_vllm_engine_generates():
    pytest.importorskip("vllm")
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("vLLM needs a GPU")
    import tempfile

    from agents import VLLMBackend
    from agents.testing import tiny_vlm

    with tempfile.TemporaryDirectory() as path:
        tiny_vlm(path)
        backend = VLLMBackend(path, max_model_len=4096, gpu_memory_utilization=0.2, enforce_eager=True)
        chat = observation_to_messages({"prompt": "hi", "image": np.zeros((64, 64, 3), np.uint8)})
        gens = backend.generate([chat, chat], SamplingParams(max_new_tokens=5))
        assert len(gens) == 2 and gens[0].text == gens[1].text and gens[0].prompt_tokens > 0
