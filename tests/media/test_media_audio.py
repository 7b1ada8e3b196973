"""The sound of a clip: sample-exact length, alignment with the picture, layouts, loudness."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
import torch
import torchaudio.functional as AF

from talkies.model.media.audio_conform import remix_matrix, samples_for_frames
from talkies.model.media.envelope import waveform_envelope
from talkies.model.media.loudness import (
    integrated_loudness,
    limit_true_peak,
    normalize_loudness,
    true_peak_dbtp,
)
from talkies.model.media.mp4 import delivery_report, probe_clip, read_clip, write_clip

from media_samples import audio, moving_frames, tone

RATE = 48000


def dominant_hz(waveform: torch.Tensor, rate: int) -> float:
    spectrum = torch.fft.rfft(waveform.double()).abs()
    return float(spectrum.argmax()) * rate / waveform.shape[-1]


def peaky(seconds: float = 1.0, rate: int = RATE) -> torch.Tensor:
    """A quiet steady tone with rare sharp clicks: reaching -14 LUFS needs the peak limiter."""
    t = torch.arange(round(seconds * rate)) / rate
    clicks = ((t % 0.25) < 0.002).float() * 0.5 * torch.sin(2 * math.pi * 2500 * t)
    noise = torch.randn(2, t.numel(), generator=torch.Generator().manual_seed(0)) * 0.005
    return 0.05 * torch.sin(2 * math.pi * 220 * t).repeat(2, 1) + noise + clicks


def test_sample_count_is_frames_over_fps():
    assert samples_for_frames(25, Fraction(25), 48000) == 48000
    assert samples_for_frames(25, Fraction(24000, 1001), 48000) == 50050
    assert samples_for_frames(7, Fraction(30000, 1001), 44100) == round(7 * 1001 * 44100 / 30000)


def test_short_22k_mono_is_resampled_upmixed_and_padded(tmp_path):
    source = tone(0.5, 22050, channels=1, hz=1000.0)
    path = write_clip(tmp_path / "padded.mp4", moving_frames(25), 25, audio(source, 22050), loudness=None)
    sound = probe_clip(path).first("audio")
    assert (sound.sample_rate, sound.channels, sound.samples) == (48000, 2, 48000)
    clip = read_clip(path)
    assert clip.waveform.shape == (2, 48000)
    left, right = clip.waveform
    assert torch.allclose(left, right, atol=1e-3)
    assert dominant_hz(left[:22000], RATE) == pytest.approx(1000.0, abs=5)
    assert left[4000:22000].abs().max() == pytest.approx(0.3, abs=0.03)
    assert left[26000:].abs().max() < 1e-3


def test_long_44k_surround_is_downmixed_and_trimmed(tmp_path):
    rate = 44100
    surround = torch.zeros(6, 2 * rate)
    surround[2] = tone(2.0, rate, hz=660.0, level=0.5)[0]  # centre: belongs in both sides
    surround[3] = tone(2.0, rate, hz=60.0, level=0.9)[0]  # LFE: left out of a downmix
    path = write_clip(tmp_path / "trimmed.mp4", moving_frames(25), 25, audio(surround, rate))
    assert probe_clip(path).first("audio").samples == 48000
    clip = read_clip(path)
    assert clip.waveform.shape == (2, 48000)
    left, right = clip.waveform
    assert torch.allclose(left, right, atol=1e-3)
    assert dominant_hz(left, RATE) == pytest.approx(660.0, abs=5)
    assert left.abs().max() > 0.1


def test_surround_can_stay_surround(tmp_path):
    surround = tone(1.0, 44100, channels=6, level=0.1)
    path = write_clip(tmp_path / "surround.mp4", moving_frames(25), 25, audio(surround, 44100), channels=6)
    sound = probe_clip(path).first("audio")
    assert (sound.channels, sound.layout, sound.samples) == (6, "5.1", 48000)


def test_remix_matrices():
    assert torch.equal(remix_matrix(1, 2), torch.ones(2, 1))
    assert torch.allclose(remix_matrix(2, 1), torch.tensor([[0.5, 0.5]]))
    down = remix_matrix(6, 2)
    assert torch.all(down.sum(dim=1) <= 1 + 1e-6), "a downmix must not be able to clip"
    assert torch.all(down[:, 3] == 0) and down[0, 2] == down[1, 2] > 0
    with pytest.raises(ValueError, match="cannot remix 7"):
        remix_matrix(7, 2)


def test_sound_lines_up_with_the_picture(tmp_path):
    """A noise burst starts on the frame that turns white: the decoded sound must start
    there too, neither before the picture (leading) nor a priming frame late."""
    frames = torch.zeros(25, 64, 64, 3)
    frames[10:] = 1.0
    onset = samples_for_frames(10, Fraction(25), RATE)
    burst = torch.zeros(2, RATE)
    burst[:, onset:] = torch.randn(2, RATE - onset, generator=torch.Generator().manual_seed(1)) * 0.3
    clip = read_clip(write_clip(tmp_path / "sync.mp4", frames, 25, audio(burst, RATE)))

    first_white = int((clip.frames.float().mean(dim=(1, 2, 3)) > 128).nonzero()[0])
    assert first_white == 10
    heard = clip.waveform[0]
    loud = (heard.abs() > 0.05).nonzero()
    assert int(loud[0]) >= onset - 64, "sound leads the picture"
    assert int(loud[0]) <= onset + 64, "sound lags the picture"
    lags = range(-1500, 1501)
    score = [float(heard[onset + lag : onset + lag + 8000] @ burst[0, onset : onset + 8000]) for lag in lags]
    assert lags[max(range(len(lags)), key=score.__getitem__)] == 0


def test_report_gives_durations_offsets_and_their_difference(tmp_path):
    sound = audio(tone(2, RATE), RATE)
    path = write_clip(tmp_path / "r.mp4", moving_frames(25), Fraction(24000, 1001), sound, loudness=None)
    report = delivery_report(path)
    assert report["video_frames"] == 25 and report["audio_samples"] == 50050
    assert report["video_start"] == 0 and report["audio_start"] == 0
    assert report["video_duration"] == pytest.approx(25 * 1001 / 24000)
    assert report["duration_difference"] <= 1024 / RATE
    # The mono tone is written to both sides of a stereo file.
    expected = integrated_loudness(tone(2, RATE, channels=2)[:, :50050], RATE)
    assert report["integrated_lufs"] == pytest.approx(expected, abs=0.5)


@pytest.mark.parametrize("target", [-14, -16, -23])
def test_loudness_targets_are_met_in_the_file_under_the_peak_ceiling(tmp_path, target):
    path = write_clip(tmp_path / "loud.mp4", moving_frames(25), 25, audio(peaky(), RATE), loudness=target)
    report = delivery_report(path)
    assert report["integrated_lufs"] == pytest.approx(target, abs=1.0)
    assert report["true_peak_dbtp"] <= -1.0


def test_a_very_loud_signal_is_brought_down_to_the_target(tmp_path):
    square = torch.sign(tone(1.0, RATE, channels=2, hz=200.0)) * 0.999
    assert integrated_loudness(square, RATE) > 0
    path = write_clip(tmp_path / "square.mp4", moving_frames(25), 25, audio(square, RATE), loudness=-16)
    report = delivery_report(path)
    assert report["integrated_lufs"] == pytest.approx(-16, abs=1.0)
    assert report["true_peak_dbtp"] <= -1.0


def test_silence_stays_silent(tmp_path):
    path = write_clip(
        tmp_path / "quiet.mp4", moving_frames(25), 25, audio(torch.zeros(2, RATE), RATE), loudness=-14
    )
    clip = read_clip(path)
    assert clip.waveform.shape == (2, RATE) and torch.all(clip.waveform == 0)
    assert delivery_report(path)["integrated_lufs"] == float("-inf")
    out = normalize_loudness(torch.zeros(2, RATE), RATE, -14)
    assert torch.all(out == 0) and torch.isfinite(out).all()


def test_normalize_hits_the_target_under_the_ceiling_without_clipping():
    source = peaky(2.0)
    out = normalize_loudness(source, RATE, -14, peak_dbtp=-1.0)
    assert integrated_loudness(out, RATE) == pytest.approx(-14, abs=0.2)
    assert true_peak_dbtp(out, RATE) <= -1.0 + 1e-6
    # A single static gain would have put the clicks above full scale.
    static = source * 10 ** ((-14 - integrated_loudness(source, RATE)) / 20)
    assert true_peak_dbtp(static, RATE) > 0


def test_audio_too_short_to_measure_is_left_alone():
    short = tone(0.2, RATE)
    assert math.isnan(integrated_loudness(short, RATE))
    assert torch.equal(normalize_loudness(short, RATE, -14), short)


def test_loudness_matches_torchaudio_and_keeps_loud_signals_honest():
    moderate = tone(1.0, RATE, channels=2, level=0.1)
    assert integrated_loudness(moderate, RATE) == pytest.approx(float(AF.loudness(moderate, RATE)), abs=1e-3)
    # Loudness scales with level (20 dB per 10x); torchaudio's clamping filters alone would
    # under-read a full-scale signal.
    loud = torch.sign(tone(1.0, RATE, channels=2, hz=3000.0)) * 0.999
    quieter = integrated_loudness(loud * 0.1, RATE)
    assert integrated_loudness(loud, RATE) == pytest.approx(quieter + 20, abs=0.01)


def test_lfe_does_not_count_towards_loudness():
    surround = torch.zeros(6, RATE)
    surround[0] = surround[1] = tone(1.0, RATE, level=0.1)[0]
    with_lfe = surround.clone()
    with_lfe[3] = tone(1.0, RATE, hz=50.0, level=0.9)[0]
    assert integrated_loudness(with_lfe, RATE) == integrated_loudness(surround, RATE)


def test_limiter_keeps_peaks_under_the_ceiling_and_leaves_quiet_audio_alone():
    quiet = tone(0.5, RATE, channels=2, level=0.1)
    assert torch.equal(limit_true_peak(quiet, RATE, 0.5), quiet)
    hot = peaky(0.5) * 4
    limited = limit_true_peak(hot, RATE, 0.5)
    assert true_peak_dbtp(limited, RATE) <= 20 * math.log10(0.5) + 0.1
    steady = slice(int(0.1 * RATE), int(0.12 * RATE))  # between clicks, away from the limiter
    assert torch.allclose(limited[:, steady], hot[:, steady])


def test_envelope_buckets_follow_time():
    rate, pps = 1000, 10
    ramp = torch.linspace(-1, 1, 2050)
    lowest, highest = waveform_envelope(torch.stack([ramp, -ramp]), rate, pps)
    assert lowest.shape == highest.shape == (21,)
    assert torch.all(lowest <= highest)
    # Bucket 0 holds samples 0..99 of both channels: ramp and its mirror.
    assert lowest[0] == pytest.approx(-1) and highest[0] == pytest.approx(1)
    one = waveform_envelope(ramp, rate, pps)
    assert one[0][1] == pytest.approx(float(ramp[100])) and one[1][1] == pytest.approx(float(ramp[199]))
    # The last, partial bucket holds samples 2000..2049.
    assert one[0][-1] == pytest.approx(float(ramp[2000])) and one[1][-1] == pytest.approx(1.0)
    assert waveform_envelope(torch.zeros(1, 2, 0), rate, pps)[0].numel() == 0
    with pytest.raises(ValueError):
        waveform_envelope(ramp, rate, 0)
