"""Every caption word that names a property is true of the clip, and the parser reads it back."""

from __future__ import annotations

from collections import Counter

import pytest

from talkies.toyworld import describe, parse_caption, render, sample_spec
from talkies.toyworld.caption import floor_contacts_in_clip
from talkies.toyworld.caption_parse import caption_words, property_words
from talkies.toyworld.vocabulary import IMPACT_NOUNS

SEEDS = range(120)


@pytest.fixture(scope="module")
def specs():
    return [sample_spec(seed) for seed in SEEDS]


def _check_claims(spec, caption):
    claims = parse_caption(caption)
    truth_counts = Counter(b.colour for b in spec.balls)
    claimed_counts = Counter()
    for claim in claims.balls:
        claimed_counts[claim.colour] += claim.count
        if claim.size is not None:
            assert claim.count == sum(
                1 for b in spec.balls if (b.colour, b.size) == (claim.colour, claim.size)
            )
    assert claimed_counts == truth_counts
    if claims.bounces is not None:
        assert len(spec.balls) == 1 and claims.bounces == floor_contacts_in_clip(spec, spec.balls[0])
    assert claims.walls == any(b.cross_frames for b in spec.balls)
    assert claims.glass == claims.shatters == (spec.kind == "glass")
    assert claims.speaker == (spec.kind == "voice")
    assert claims.surface == spec.surface
    if claims.impact_sound is not None:
        assert IMPACT_NOUNS[claims.impact_sound] == IMPACT_NOUNS[spec.surface]
    assert claims.impact_level == spec.impact_level
    assert (claims.ambience, claims.ambience_level) == (spec.ambience, spec.ambience_level)
    assert claims.manner == (spec.voice.manner if spec.voice else None)
    assert claims.pacing == (spec.voice.pacing if spec.voice else None)
    assert claims.music == (spec.music is not None)
    assert claims.music_level == (spec.music.level if spec.music else None)
    return claims


def test_every_caption_claim_matches_the_scene(specs):
    for spec in specs:
        for wording in range(3):
            _check_claims(spec, describe(spec, wording))


def test_every_property_word_in_a_caption_is_read(specs):
    vocabulary = property_words()
    for spec in specs:
        caption = describe(spec, 0)
        words = caption_words(caption)
        understood = parse_caption(caption).understood
        unread = [w for i, w in enumerate(words) if w in vocabulary and i not in understood]
        assert not unread, f"{caption!r}: {unread}"


def test_claims_match_the_rendered_ground_truth():
    bounce_claims = wall_claims = 0
    for seed in range(16):
        clip = render(sample_spec(seed, kinds=("impacts",)))
        for wording in range(4):
            claims = parse_caption(describe(clip.spec, wording))
            claimed = Counter()
            for claim in claims.balls:
                claimed[claim.colour] += claim.count
            assert claimed == Counter(clip.truth.colour_counts)
            if claims.bounces is not None:
                bounce_claims += 1
                assert claims.bounces == clip.truth.bounces(0)
            if claims.walls:
                wall_claims += 1
                assert any(c.side != "floor" for c in clip.truth.contacts)
    assert bounce_claims and wall_claims


def test_captions_vary_and_say_no_music_about_as_often_as_music(specs):
    assert len({describe(specs[0], w) for w in range(10)}) > 1
    saying_none = sum(parse_caption(describe(s)).music is False for s in specs)
    assert 0.35 < saying_none / len(specs) < 0.65


def test_handwritten_captions_in_the_vocabulary_are_read():
    claims = parse_caption(
        "Two big red balls and a blue ball bounce on a metal plate in heavy rain. Loud clangs, no music."
    )
    assert [(c.count, c.size, c.colour) for c in claims.balls] == [(2, "big", "red"), (1, None, "blue")]
    assert (claims.surface, claims.impact_sound, claims.impact_level) == ("metal", "metal", "loud")
    assert (claims.ambience, claims.ambience_level, claims.music) == ("rain", "loud", False)
    claims = parse_caption(
        "A cartoon face whispers slowly at night with faint crickets, with a gentle melody."
    )
    assert (claims.manner, claims.pacing, claims.ambience, claims.ambience_level) == (
        "whispers",
        "slow",
        "night",
        "soft",
    )
    assert (claims.music, claims.music_level, claims.speaker) == (True, "soft", True)
    claims = parse_caption("A yellow ball bounces twice on a soft rug.")
    assert (claims.bounces, claims.surface, claims.ball_count) == (2, "soft", 1)
