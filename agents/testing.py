"""A tiny random-weight Qwen2.5-VL for tests, benchmarks and CPU demos, built fully offline.

    from agents.testing import tiny_vlm
    tiny = tiny_vlm()                      # TinyVLM(model, processor, path=None)
    tiny = tiny_vlm("/tmp/tiny-qwen")      # also saved there; AutoModelForImageTextToText/AutoProcessor load it

The tokenizer is a byte-level BPE (Qwen2's pre-tokenizer, so digits are single tokens) trained on the task
prompts and expert answers of every task's very-easy seed-0 instance and a fixed list of answer-format phrases,
plus the real Qwen special tokens and the Qwen2.5-VL chat template. The same ``seed`` gives the same weights and
vocabulary in every process (for a given version of the task prompts). Images are capped at 256*256 pixels (81 image
tokens). Importing this module imports torch and transformers.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import torch
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
from transformers import (
    GenerationConfig,
    Qwen2_5_VLConfig,
    Qwen2_5_VLForConditionalGeneration,
    Qwen2Tokenizer,
)
from transformers.models.qwen2.tokenization_qwen2 import PRETOKENIZE_REGEX
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

from .hf_compat import QWEN2_5_VL_CHAT_TEMPLATE, Qwen2_5_VLImageOnlyProcessor, register_image_only_processors

# The real Qwen2/2.5-VL special tokens, in vocabulary order.
SPECIAL_TOKENS = (
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
    "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>",
    "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>",
)
VOCAB_CAP = 2048
MAX_PIXELS = 256 * 256
MIN_PIXELS = 56 * 56

# Phrases from the task prompts and answer formats; the BPE merges follow them, everything else stays encodable
# byte by byte.
_PHRASES = (
    "The final answer MUST BE enclosed within \\boxed{}",
    "Choose the next move: 0 = up, 1 = down, 2 = left, 3 = right.",
    "Each move is (row, column, digit) with rows and columns numbered from the top-left cell.",
    "digit 0 erases it. Writing on a given cell is illegal.",
    "Use these numbers exactly once, and combine them with +, -, ×, ÷, and parentheses to make 24.",
    "Please provide your answer as a list of moves, for example: up, down, left, right",
    "The maze is a grid of square cells. Go from the start S to the end E.",
    "Walls cannot be moved through or pushed. Push every box onto a target position.",
    "Fill every empty cell so that each row and each column contains every digit exactly once.",
    "The image shows the puzzle. Solve it and give the answer in the required format.",
    "Find the shortest path from node A to node B in the graph. The edge weights are shown.",
    "Given the array, compute the maximum profit. Return a single integer.",
    "<think> Let me reason step by step. </think> <answer> </answer> Answer: \\boxed{} \\text{}",
    "You are at (1, 1). The current grid with your digits (`.` marks an empty cell):",
    "Attempt 1 answer: Attempt 1 was incorrect: Please try again (2 attempt(s) left).",
    "You are a helpful assistant. user assistant system",
)
_WORDS = ("up", "down", "left", "right", "row", "column", "cell", "grid", "box", "move", "path", "node", "edge",
          "yes", "no", "true", "false", "None", "answer", "step", "solve", "puzzle", "game", "number")


def _task_texts() -> list[str]:
    """Prompts (both modalities) and expert answers of every task's very-easy seed-0 instance."""
    import mmhelix_env

    texts = []
    for name in sorted(mmhelix_env.TASKS):
        task = mmhelix_env.TASKS[name]
        inst = task.instance(1, 0)
        texts += [task.prompt(inst, "text"), task.prompt(inst, "image"), task.expert_answer(inst)]
    return texts


def _corpus() -> list[str]:
    lines = _task_texts() * 3 + list(_PHRASES) * 20
    lines += [" ".join(_WORDS[(i * 7 + j * 3) % len(_WORDS)] for j in range(10)) for i in range(200)]
    lines += [f"({r}, {c}, {d})" for r in range(10) for c in range(10) for d in range(10)]
    lines += [f"\\boxed{{{n}}} = {n * 3 - 7}" for n in range(200)]
    lines += [f"[[{a}, {b}], [{b}, {a}]]" for a in range(10) for b in range(10)]
    lines += ["".join(chr(c) for c in range(32, 127))] * 5
    return lines


def build_tokenizer() -> Qwen2Tokenizer:
    tok = Tokenizer(models.BPE())
    # Qwen2's pipeline: NFC, the Qwen split regex (one digit per piece), then bytes.
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(PRETOKENIZE_REGEX), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB_CAP, special_tokens=list(SPECIAL_TOKENS),
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(_corpus(), trainer=trainer)
    hf_tok = Qwen2Tokenizer(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                            unk_token=None, bos_token=None, model_max_length=32768, padding_side="left")
    hf_tok.chat_template = QWEN2_5_VL_CHAT_TEMPLATE
    return hf_tok


def build_processor(tokenizer: Qwen2Tokenizer) -> Qwen2_5_VLImageOnlyProcessor:
    # The PIL image processor: the default Qwen2VLImageProcessor needs torchvision.
    image_processor = Qwen2VLImageProcessorPil(size={"shortest_edge": MIN_PIXELS, "longest_edge": MAX_PIXELS})
    return Qwen2_5_VLImageOnlyProcessor(image_processor=image_processor, tokenizer=tokenizer,
                                        chat_template=QWEN2_5_VL_CHAT_TEMPLATE)


def build_model(tokenizer: Qwen2Tokenizer, seed: int = 0) -> Qwen2_5_VLForConditionalGeneration:
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS}
    text_hidden = 64
    config = Qwen2_5_VLConfig(
        text_config=dict(
            vocab_size=len(tokenizer), hidden_size=text_hidden, intermediate_size=128, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=32768,
            # mrope_section sums to head_dim / 2 (head_dim = 64 / 4)
            rope_parameters={"rope_type": "default", "rope_theta": 1e6, "mrope_section": [2, 3, 3]},
            bos_token_id=ids["<|endoftext|>"], eos_token_id=ids["<|im_end|>"], pad_token_id=ids["<|endoftext|>"],
            tie_word_embeddings=False,
        ),
        vision_config=dict(
            depth=2, hidden_size=32, intermediate_size=64, num_heads=2, out_hidden_size=text_hidden,
            patch_size=14, spatial_merge_size=2, temporal_patch_size=2, window_size=112, fullatt_block_indexes=[1],
        ),
        image_token_id=ids["<|image_pad|>"], video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"], vision_end_token_id=ids["<|vision_end|>"],
    )
    with torch.random.fork_rng(devices=[]):  # deterministic weights without touching the caller's RNG
        torch.manual_seed(seed)
        model = Qwen2_5_VLForConditionalGeneration(config).eval()
    model.generation_config = GenerationConfig(
        eos_token_id=[ids["<|im_end|>"], ids["<|endoftext|>"]], pad_token_id=ids["<|endoftext|>"],
        bos_token_id=ids["<|endoftext|>"], do_sample=False,
    )
    return model


@cache
def _cached_tokenizer() -> Qwen2Tokenizer:
    return build_tokenizer()


@dataclass
class TinyVLM:
    model: Any
    processor: Any
    path: str | None = None

    def __iter__(self):  # model, processor, path = tiny_vlm()
        return iter((self.model, self.processor, self.path))


def tiny_vlm(path: str | os.PathLike | None = None, seed: int = 0) -> TinyVLM:
    """A fresh tiny Qwen2.5-VL (~260k params) and its image-only processor; saved to ``path`` if given."""
    register_image_only_processors(force=True)
    tokenizer = copy.deepcopy(_cached_tokenizer())  # callers may change padding side etc.
    processor = build_processor(tokenizer)
    model = build_model(tokenizer, seed)
    saved = None
    if path is not None:
        saved = str(Path(path))
        model.save_pretrained(saved)
        processor.save_pretrained(saved)
    return TinyVLM(model, processor, saved)
