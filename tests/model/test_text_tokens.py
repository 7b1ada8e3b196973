"""Tokenisation rules: LTX-2.5's Gemma 4 prompts start with exactly one BOS, get no EOS, are cut
to the token length and padded on the left."""

from __future__ import annotations

from pathlib import Path

import pytest
from tokenizers import processors

from talkies.model.loading.gemma4_file import Gemma4File
from talkies.model.text.tokens import tokenize

GEMMA4 = Path(__file__).resolve().parents[1] / "data" / "ltx25" / "text.gemma4.safetensors"


@pytest.fixture()
def tokenizer():
    with Gemma4File(GEMMA4) as f:
        tok = f.tokenizer()
    tok.padding_side = "left"
    return tok


def test_a_leading_bos_is_added_and_padding_is_on_the_left(tokenizer):
    ids, mask = tokenize(tokenizer, ["  the dog barks  ", "rain"], max_tokens=8, leading_bos=True)
    bos, pad, eos = tokenizer.bos_token_id, tokenizer.pad_token_id, tokenizer.eos_token_id
    words = tokenizer("the dog barks")["input_ids"]
    assert ids[0].tolist() == [pad] * 4 + [bos, *words]
    assert mask[0].tolist() == [0] * 4 + [1] * 4
    assert ids[1, -2:].tolist() == [bos, tokenizer.convert_tokens_to_ids("rain")]
    assert eos not in ids.tolist()[0] + ids.tolist()[1]


def test_a_long_prompt_keeps_its_bos_and_is_cut(tokenizer):
    ids, mask = tokenize(tokenizer, ["the dog " * 20], max_tokens=6, leading_bos=True)
    assert ids.shape == (1, 6) and int(mask.sum()) == 6
    assert ids[0, 0] == tokenizer.bos_token_id
    assert ids[0, 1:].tolist() == tokenizer("the dog the dog the")["input_ids"]


def test_a_tokenizer_that_adds_its_own_bos_gets_only_one(tokenizer):
    bos = tokenizer.bos_token
    tokenizer.backend_tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A", special_tokens=[(bos, tokenizer.bos_token_id)]
    )
    ids, _ = tokenize(tokenizer, ["the dog"], max_tokens=4, leading_bos=True)
    assert ids[0].tolist().count(tokenizer.bos_token_id) == 1
    assert ids[0, -3] == tokenizer.bos_token_id


def test_without_a_bos_token_the_rule_cannot_hold(tokenizer):
    tokenizer.bos_token = None
    with pytest.raises(ValueError, match="no BOS"):
        tokenize(tokenizer, ["the dog"], max_tokens=4, leading_bos=True)
