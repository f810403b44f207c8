"""transformers glue for CPU machines without torchvision (imports transformers; load only when needed).

transformers 5.x cannot build any processor that has a ``video_processor`` attribute (Qwen2/2.5-VL among them)
when torchvision is absent, and ``AutoProcessor.from_pretrained`` on such a checkpoint then silently returns only
the tokenizer. :class:`Qwen2_5_VLImageOnlyProcessor` drops the video part; :func:`register_image_only_processors`
makes ``AutoProcessor`` pick it for Qwen2.5-VL configs.
"""

from __future__ import annotations

import importlib.util

from transformers import AutoProcessor, Qwen2_5_VLConfig, Qwen2_5_VLProcessor

# The Qwen2.5-VL chat template, byte-identical to trl/chat_templates/qwen2_5_vl.jinja (TRL recognises it).
QWEN2_5_VL_CHAT_TEMPLATE = (
    "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}"
    "{% for message in messages %}"
    "{% if loop.first and message['role'] != 'system' %}<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
    "{% endif %}"
    "<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}{{ message['content'] }}<|im_end|>\n"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}"
    "{% set image_count.value = image_count.value + 1 %}{% if add_vision_id %}Picture {{ image_count.value }}: "
    "{% endif %}<|vision_start|><|image_pad|><|vision_end|>{% elif content['type'] == 'video' or 'video' in content %}"
    "{% set video_count.value = video_count.value + 1 %}{% if add_vision_id %}Video {{ video_count.value }}: "
    "{% endif %}<|vision_start|><|video_pad|><|vision_end|>{% elif 'text' in content %}{{ content['text'] }}"
    "{% endif %}{% endfor %}<|im_end|>\n"
    "{% endif %}{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


class Qwen2_5_VLImageOnlyProcessor(Qwen2_5_VLProcessor):
    """Qwen2.5-VL processor for images and text only (no video sub-processor, so no torchvision needed).

    Loads real Qwen2.5-VL checkpoint directories as well as the tiny test model's.
    """

    def __init__(self, image_processor=None, tokenizer=None, chat_template=None, **kwargs):
        kwargs.pop("video_processor", None)
        super().__init__(image_processor, tokenizer, None, chat_template=chat_template, **kwargs)


def register_image_only_processors(force: bool = False) -> bool:
    """Make ``AutoProcessor`` return :class:`Qwen2_5_VLImageOnlyProcessor` for Qwen2.5-VL configs.

    Done only where torchvision is missing (where it is installed, the stock processor works), unless ``force``.
    Returns whether the registration was made.
    """
    if not force and importlib.util.find_spec("torchvision") is not None:
        return False
    AutoProcessor.register(Qwen2_5_VLConfig, Qwen2_5_VLImageOnlyProcessor, exist_ok=True)
    return True
