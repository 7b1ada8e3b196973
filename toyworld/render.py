"""Rendering a scene spec into a clip: frames, sound, caption and exact ground truth."""

from __future__ import annotations

import numpy as np

from .caption import describe
from .dsp import db_to_gain
from .layout import Layout
from .physics import ball_trajectory, glass_size, glass_trajectory, shatter_fragments
from .picture import Actors, render_frames
from .sound_ambience import ambience_bed
from .sound_impacts import ball_impact, glass_shatter
from .sound_music import melody
from .sound_speech import mouth_opening, speech
from .soundtrack import (
    AMBIENCE_RMS_DB,
    AMBIENCE_UNDER_VOICE_RMS_DB,
    IMPACT_PEAK_DB,
    MUSIC_RMS_DB,
    MUSIC_UNDER_VOICE_RMS_DB,
    ROOM_TONE_RMS_DB,
    Mix,
    voice_gain,
)
from .spec import SceneSpec
from .truth import Clip, Contact, GroundTruth, SceneObject


def _rng(spec: SceneSpec, stream: int) -> np.random.Generator:
    return np.random.default_rng([spec.texture_seed, stream])


def caption_of(spec: SceneSpec, caption_seed: int | None = None) -> str:
    """The caption ``render`` gives ``spec``, without rendering it."""
    return describe(spec, spec.texture_seed if caption_seed is None else caption_seed)


def render(spec: SceneSpec, caption_seed: int | None = None) -> Clip:
    """Render ``spec``. The caption's wording is chosen by ``caption_seed`` (default: the
    spec's texture seed); every other random detail comes from the texture seed."""
    fmt = spec.format
    layout = Layout.of(fmt)
    fps = float(fmt.fps)
    sr, n = fmt.sample_rate, fmt.samples
    mix = Mix(fmt.channels, n)
    objects: list[SceneObject] = []
    contacts: list[Contact] = []
    actors = Actors()
    impact_rng = _rng(spec, 2)

    if spec.kind == "impacts":
        balls = []
        for i, ball in enumerate(spec.balls):
            trajectory = ball_trajectory(layout, fmt.frames, ball, spec.surface)
            radius = layout.radius(ball.size)
            balls.append((trajectory, radius, ball.colour))
            objects.append(
                SceneObject(object_id=i, kind="ball", colour=ball.colour, size=ball.size, radius=radius)
            )
            for event in trajectory.contacts:
                contacts.append(
                    Contact(
                        frame=round(event.time_frames),
                        time=event.time_frames / fps,
                        object_id=i,
                        kind="ball",
                        colour=ball.colour,
                        size=ball.size,
                        surface=spec.surface,
                        side=event.side,
                        x=event.x,
                        strength=event.strength,
                    )
                )
        actors = Actors(balls=tuple(balls))
        for contact in contacts:
            sound = ball_impact(spec.surface, contact.size, sr, impact_rng)
            gain = db_to_gain(IMPACT_PEAK_DB[spec.impact_level]) * contact.strength
            mix.add_at("impacts", sound, round(contact.time * sr), gain, contact.x / fmt.width)
    elif spec.kind == "glass":
        trajectory = glass_trajectory(layout, fmt.frames, spec.glass)
        half_w, _ = glass_size(layout)
        objects.append(SceneObject(object_id=0, kind="glass", colour=None, size=None, radius=half_w))
        landing = round(trajectory.contacts[0].time_frames) if trajectory.contacts else None
        fragments = None
        if landing is not None:
            event = trajectory.contacts[0]
            fragments = shatter_fragments(layout, fmt.frames, landing, event.x, _rng(spec, 3))
            contacts.append(
                Contact(
                    frame=landing,
                    time=landing / fps,
                    object_id=0,
                    kind="glass",
                    colour=None,
                    size=None,
                    surface=spec.surface,
                    side="floor",
                    x=event.x,
                    strength=1.0,
                )
            )
            gain = db_to_gain(IMPACT_PEAK_DB[spec.impact_level])
            mix.add_at(
                "impacts", glass_shatter(sr, impact_rng), round(landing / fps * sr), gain, event.x / fmt.width
            )
        actors = Actors(glass=trajectory, glass_landing=landing, fragments=fragments)

    mouth = None
    syllable_onsets: tuple[float, ...] = ()
    if spec.voice is not None:
        track = speech(spec.voice, n, sr, _rng(spec, 4))
        mix.add_centre("voice", track.audio, voice_gain(track.audio, track.amplitude, spec.voice.manner))
        mouth = mouth_opening(track.amplitude, fmt.frames, fps, sr)
        actors = Actors(mouth=mouth)
        syllable_onsets = tuple(s.onset for s in spec.voice.syllables if s.onset < fmt.duration)

    bed_db = AMBIENCE_RMS_DB[spec.ambience_level]
    if spec.ambience == "room":
        bed_db = ROOM_TONE_RMS_DB
    elif spec.voice is not None:
        bed_db = AMBIENCE_UNDER_VOICE_RMS_DB
    bed_rng = _rng(spec, 5)
    bed = np.stack(
        [ambience_bed(spec.ambience, n, sr, spec.texture_seed, bed_rng) for _ in range(fmt.channels)]
    )
    mix.add_centre("ambience", bed, db_to_gain(bed_db))
    if spec.music is not None:
        music_db = MUSIC_UNDER_VOICE_RMS_DB if spec.voice is not None else MUSIC_RMS_DB[spec.music.level]
        mix.add_centre("music", melody(spec.music, n, sr), db_to_gain(music_db))

    waveform, levels, peak_db = mix.render()
    frames = render_frames(spec, layout, actors)
    contacts.sort(key=lambda c: (c.time, c.object_id))
    truth = GroundTruth(
        scene=spec.kind,
        ambience=spec.ambience,
        ambience_level=spec.ambience_level,
        surface=spec.surface,
        impact_level=spec.impact_level,
        manner=spec.voice.manner if spec.voice else None,
        pacing=spec.voice.pacing if spec.voice else None,
        music=spec.music is not None,
        music_level=spec.music.level if spec.music else None,
        objects=tuple(objects),
        contacts=tuple(contacts),
        syllable_onsets=syllable_onsets,
        mouth_opening=mouth,
        levels_db=levels,
        peak_db=peak_db,
    )
    caption = caption_of(spec, caption_seed)
    return Clip(
        frames=frames, fps=fmt.fps, waveform=waveform, sample_rate=sr, caption=caption, truth=truth, spec=spec
    )
