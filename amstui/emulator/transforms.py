"""The account's transforms: the kinds of job the simulation runs, in both API generations.

In v3 a job belongs to a transform and has one output per transform output; in v2 the same
kind of job has one task per output, run by the media processor that did that work in v2
(an Indexing job runs the indexer, not an encoder). So one table drives the job's name, its
tasks (v2) and its outputs (v3), and the two wire shapes describe the same account.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

ENCODER_STANDARD = ("nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56", "Media Encoder Standard")
ENCODER_PREMIUM = (
    "nb:mpid:UUID:1b1da727-93ae-4e46-a8a1-268828765609",
    "Media Encoder Premium Workflow",
)
INDEXER = ("nb:mpid:UUID:a2f9afe9-7146-4882-a5f7-da4a85e06a93", "Azure Media Indexer 2 Preview")
THUMBNAILER = ("nb:mpid:UUID:6b9c5d3a-2ee8-4c51-b2f6-9d7a2f8b5c11", "Azure Media Video Thumbnails")
MEDIA_PROCESSORS = (ENCODER_STANDARD, ENCODER_PREMIUM, INDEXER, THUMBNAILER)


@dataclass(frozen=True, slots=True)
class TransformOutput:
    #: v3 preset: its `@odata.type` and, for built-in presets, `presetName`.
    preset_type: str
    preset_name: str | None
    #: v2: the media processor (id, name) and the configuration (preset) of the task.
    processor: tuple[str, str]
    configuration: str
    #: `StopProcessingJob` (a failure fails the job) or `ContinueJob` (it does not).
    on_error: str = "StopProcessingJob"
    relative_priority: str = "Normal"
    #: Relative length of this output's work (1.0 = a typical task).
    weight: float = 1.0

    def default_label(self, index: int) -> str:
        """The label AMS gives an output that has none: `{preset type}_{index}`
        (`BuiltInStandardEncoderPreset_0`)."""
        return f"{self.preset_type.rsplit('.', 1)[-1]}_{index}"


@dataclass(frozen=True, slots=True)
class Transform:
    name: str
    description: str
    outputs: tuple[TransformOutput, ...]
    #: How jobs of this kind are named in v2 (`{title}`, `{preset}` are filled in).
    v2_name: str
    #: The slug of v3 job names (`{slug}-{title}-{serial}`).
    slug: str
    #: Relative share of the account's jobs.
    share: int = 1


_BUILTIN = "#Microsoft.Media.BuiltInStandardEncoderPreset"

TRANSFORMS: tuple[Transform, ...] = (
    Transform(
        name="AdaptiveStreaming",
        description="Multi-bitrate H.264 ladder for adaptive streaming, with a thumbnail sprite.",
        outputs=(
            TransformOutput(_BUILTIN, "AdaptiveStreaming", ENCODER_STANDARD, "Adaptive Streaming"),
            TransformOutput(
                "#Microsoft.Media.StandardEncoderPreset",
                None,
                THUMBNAILER,
                "Thumbnail sprite",
                on_error="ContinueJob",
                relative_priority="Low",
                weight=0.2,
            ),
        ),
        v2_name="Encoding {title} into Adaptive Streaming",
        slug="abr",
        share=4,
    ),
    Transform(
        name="ContentAwareEncoding",
        description="Content-aware encoding: the ladder is chosen from the content.",
        outputs=(
            TransformOutput(
                _BUILTIN,
                "ContentAwareEncoding",
                ENCODER_STANDARD,
                "Content Adaptive Multiple Bitrate MP4",
                weight=1.4,
            ),
        ),
        v2_name="Encoding {title} into Content Adaptive Multiple Bitrate MP4",
        slug="cae",
        share=3,
    ),
    Transform(
        name="H264Renditions",
        description="Fixed H.264 renditions at 720p and 1080p, and an AAC audio rendition.",
        outputs=(
            TransformOutput(
                _BUILTIN, "H264MultipleBitrate720p", ENCODER_STANDARD, "H264 Multiple Bitrate 720p"
            ),
            TransformOutput(
                _BUILTIN,
                "H264MultipleBitrate1080p",
                ENCODER_PREMIUM,
                "H264 Multiple Bitrate 1080p",
                weight=1.3,
            ),
            TransformOutput(
                _BUILTIN,
                "AACGoodQualityAudio",
                ENCODER_STANDARD,
                "AAC Good Quality Audio",
                weight=0.2,
            ),
        ),
        v2_name="{title} - H264 Multiple Bitrate 720p and 1080p",
        slug="h264",
        share=2,
    ),
    Transform(
        name="Thumbnails",
        description="JPEG thumbnails every 10% of the video, and a PNG poster frame.",
        outputs=(
            TransformOutput(
                "#Microsoft.Media.StandardEncoderPreset",
                None,
                THUMBNAILER,
                "Thumbnails JPG",
                weight=0.15,
            ),
            TransformOutput(
                "#Microsoft.Media.StandardEncoderPreset",
                None,
                THUMBNAILER,
                "Poster PNG",
                weight=0.05,
            ),
        ),
        v2_name="Thumbnails for {title}",
        slug="thumbs",
        share=2,
    ),
    Transform(
        name="AudioAnalysis",
        description="Transcript and audio insights (speech-to-text, language detection).",
        outputs=(
            TransformOutput(
                "#Microsoft.Media.AudioAnalyzerPreset", None, INDEXER, "Audio indexing", weight=0.5
            ),
        ),
        v2_name="Indexing {title}",
        slug="audio",
        share=2,
    ),
)
TRANSFORM_NAMES = tuple(t.name for t in TRANSFORMS)
#: ARM allows at most 100 transforms in an account (limits-quotas-constraints-reference).
MAX_TRANSFORMS = 100


@functools.cache
def account_transforms(count: int = len(TRANSFORMS)) -> tuple[Transform, ...]:
    """The first `count` transforms of an account: the five kinds above, then numbered
    variants of them (`AdaptiveStreaming2`, `ContentAwareEncoding2`, ...), so that an account
    can have as many transforms as ARM allows."""
    if not 1 <= count <= MAX_TRANSFORMS:
        raise ValueError(f"an account has 1 to {MAX_TRANSFORMS} transforms (got {count})")
    kinds = len(TRANSFORMS)
    return tuple(
        TRANSFORMS[i] if i < kinds else _variant(TRANSFORMS[i % kinds], i // kinds + 1)
        for i in range(count)
    )


def _variant(base: Transform, number: int) -> Transform:
    return replace(
        base,
        name=f"{base.name}{number}",
        slug=f"{base.slug}{number}",
        description=f"{base.description} (set {number})",
    )


def weighted(transforms: tuple[Transform, ...]) -> tuple[Transform, ...]:
    """One entry per share, for a weighted draw with `rng.choice`."""
    return tuple(t for t in transforms for _ in range(t.share))


#: The five kinds, weighted (an account with the default transforms).
WEIGHTED = weighted(TRANSFORMS)


def by_name(name: str, count: int = MAX_TRANSFORMS) -> Transform | None:
    """The transform of this name among an account's first `count` (ARM names are
    case-insensitive)."""
    lowered = name.lower()
    return next((t for t in account_transforms(count) if t.name.lower() == lowered), None)
