"""Conditioning pictures are prepared as the reference pipeline prepares them (ltx-pipelines), and every
common picture format gets there: gray, gray+alpha, RGB, RGBA, 8-bit, 16-bit, float, files and arrays."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from talkies.model.media.image_prep import (
    DEFAULT_IMAGE_CRF,
    h264_round_trip,
    image_to_pixels,
    load_image,
    pixels_to_image,
    prepare_conditioning,
    to_rgb,
)

from media_samples import write_png

media_io = pytest.importorskip(
    "ltx_pipelines.utils.media_io", reason="ltx-pipelines (the reference) is a test dependency"
)

TOL = 1e-4


def _picture(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A smooth colour gradient with a disc and some grain: content a codec treats like a photo."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    disc = ((y - h / 2) ** 2 + (x - w / 3) ** 2 < (min(h, w) / 4) ** 2) * 90.0
    rgb = np.stack([x * 200.0 / w + disc, y * 200.0 / h, (x + y) * 100.0 / (h + w) + 60 - disc / 2], axis=-1)
    return np.clip(rgb + rng.normal(0, 6, rgb.shape), 0, 255).astype(np.uint8)


def _reference(image: np.ndarray, height: int, width: int) -> torch.Tensor:
    resized = media_io.resize_and_center_crop(torch.tensor(image, dtype=torch.float32), height, width)
    return media_io.normalize_latent(resized, "cpu", torch.float32)


@pytest.mark.parametrize(
    ("src", "dst"),
    [
        ((100, 150), (64, 96)),
        ((480, 640), (64, 64)),
        ((40, 30), (64, 96)),
        ((64, 96), (64, 96)),
        ((97, 61), (32, 64)),
    ],
)
def test_resize_and_centre_crop_match_the_reference(src, dst):
    image = _picture(*src)
    got = prepare_conditioning(image, *dst, crf=0)
    expected = _reference(image, *dst)
    assert got.shape == expected.shape == (1, 3, 1, *dst)
    assert (got - expected).abs().max().item() <= TOL

    frames = np.stack([_picture(*src, seed=s) for s in range(3)])
    got = prepare_conditioning(frames, *dst, crf=0)
    expected = _reference(frames, *dst)
    assert got.shape == expected.shape == (1, 3, 3, *dst)
    assert (got - expected).abs().max().item() <= TOL


@pytest.mark.parametrize("size", [(64, 96), (65, 97)])
def test_h264_round_trip_matches_the_reference(size):
    image = _picture(*size, seed=1)
    expected = media_io.preprocess(image, crf=DEFAULT_IMAGE_CRF)
    got = h264_round_trip(image, DEFAULT_IMAGE_CRF)
    assert got.shape == expected.shape == (size[0] // 2 * 2, size[1] // 2 * 2, 3)
    assert np.array_equal(got, expected)
    assert np.abs(got.astype(int) - image[: got.shape[0], : got.shape[1]]).mean() > 0.5, (
        "H.264 must leave a trace"
    )
    assert h264_round_trip(image, 0) is image


def test_conditioning_image_from_a_file_matches_the_reference(tmp_path):
    image = _picture(90, 130, seed=2)
    path = write_png(tmp_path / "still.png", image, "rgb24")
    expected = media_io.load_image_conditioning(
        str(path), 64, 96, torch.float32, "cpu", crf=DEFAULT_IMAGE_CRF
    )
    got = prepare_conditioning(load_image(path), 64, 96)
    assert got.shape == expected.shape == (1, 3, 1, 64, 96)
    assert (got - expected).abs().max().item() <= TOL


def test_every_picture_format_reaches_the_same_pixels(tmp_path):
    rgb = _picture(48, 64, seed=3)
    gray = rgb[..., 1]
    alpha = np.full(gray.shape, 77, np.uint8)
    want_rgb = prepare_conditioning(rgb, 32, 32)
    want_gray = prepare_conditioning(np.repeat(gray[..., None], 3, -1), 32, 32)

    assert torch.equal(prepare_conditioning(np.dstack([rgb, alpha]), 32, 32), want_rgb)  # RGBA: alpha dropped
    assert torch.equal(prepare_conditioning(rgb.astype(np.uint16) * 257, 32, 32), want_rgb)  # 16-bit
    assert torch.equal(
        prepare_conditioning(rgb.astype(np.int32) * 257, 32, 32), want_rgb
    )  # PIL's 16-bit mode
    assert torch.equal(prepare_conditioning(torch.from_numpy(rgb).float() / 255, 32, 32), want_rgb)  # IMAGE
    assert torch.equal(prepare_conditioning(gray, 32, 32), want_gray)  # (H, W)
    assert torch.equal(prepare_conditioning(np.dstack([gray, alpha]), 32, 32), want_gray)  # gray + alpha

    files = {
        "rgb24": rgb,
        "rgba": np.dstack([rgb, alpha]),
        "gray": gray,
        "gray16be": gray.astype(np.uint16) * 257,
        "rgb48be": rgb.astype(np.uint16) * 257,
        "rgba64be": np.dstack([rgb, alpha]).astype(np.uint16) * 257,
    }
    for pix_fmt, array in files.items():
        loaded = load_image(write_png(tmp_path / f"{pix_fmt}.png", array, pix_fmt))
        assert np.array_equal(loaded, array), pix_fmt
        want = want_gray if pix_fmt.startswith("gray") else want_rgb
        assert torch.equal(prepare_conditioning(loaded, 32, 32), want), pix_fmt


def test_image_and_pixel_conversions():
    images = torch.rand(5, 32, 48, 3)
    pixels = image_to_pixels(images)
    assert pixels.shape == (1, 3, 5, 32, 48)
    assert pixels.min() >= -1 and pixels.max() <= 1
    assert torch.allclose(pixels_to_image(pixels), images, atol=1e-6)
    assert pixels_to_image(torch.full((2, 3, 4, 8, 8), 3.0)).shape == (8, 8, 8, 3)
    assert pixels_to_image(torch.full((1, 3, 1, 2, 2), -5.0)).max() == 0.0
    assert to_rgb(np.ones((4, 4), bool)).shape == (1, 4, 4, 3)


def test_bad_pictures_are_refused(tmp_path):
    with pytest.raises(ValueError, match=r"C = 1 \(gray\)"):
        to_rgb(np.zeros((8, 8, 5), np.uint8))
    with pytest.raises(ValueError, match="use uint8, uint16 or float"):
        to_rgb(np.zeros((8, 8, 3), np.int8))
    with pytest.raises(ValueError, match="target size must be positive"):
        prepare_conditioning(np.zeros((8, 8, 3), np.uint8), 0, 8)
    with pytest.raises(FileNotFoundError, match="no image at"):
        load_image(tmp_path / "missing.png")
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("hello")
    with pytest.raises(ValueError, match="not an image that PyAV can read"):
        load_image(not_an_image)
