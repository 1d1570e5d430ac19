"""Source choice and fallback: publisher transcripts first, ranked, audio last; errors typed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from schemas import EpisodeDiscovered, EpisodeInfo, TranscriptLink
from services.runtime.errors import PermanentError, TransientError
from services.transcriber.sentences import Fragment
from services.transcriber.sources import (
    SourceSettings,
    TranscriptSources,
    load_file,
    rank_links,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "transcripts"
VTT = (FIXTURES / "speakers.vtt").read_bytes()
JSON = (FIXTURES / "episode.json").read_bytes()
AUDIO = b"RIFF....WAVEfake audio bytes"


class FakeSpeech:
    name = "fake"
    by_fragment = True

    def __init__(self) -> None:
        self.heard: list[bytes] = []

    def transcribe(self, audio: Path) -> list[Fragment]:
        self.heard.append(audio.read_bytes())
        return [Fragment("first utterance", 0.0, 2.0), Fragment("second one", 2.5, 4.0)]


Handler = Callable[[httpx.Request], httpx.Response]


def _sources(
    handler: Handler, speech: FakeSpeech | None = None, **settings: object
) -> TranscriptSources:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return TranscriptSources(client, speech, SourceSettings(**settings))  # type: ignore[arg-type]


def _episode(**fields: object) -> EpisodeDiscovered:
    return EpisodeDiscovered(episode=EpisodeInfo(episode_id="ep1"), **fields)


def _routes(table: dict[str, httpx.Response]) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        return table.get(request.url.path, httpx.Response(404))

    return handle


def test_ranking_prefers_language_then_json_vtt_srt_html_text() -> None:
    links = [
        TranscriptLink(url="https://x/a.txt", type="text/plain", language="en"),
        TranscriptLink(url="https://x/b.json", type="application/json", language="de"),
        TranscriptLink(url="https://x/c.srt", type="application/x-subrip", language="en-GB"),
        TranscriptLink(url="https://x/d.vtt", type="text/vtt"),
        TranscriptLink(url="https://x/e.html", type="text/html", language="en"),
        TranscriptLink(url="https://x/f.json", type="application/json", language="en"),
    ]
    ranked = [link.url.rsplit("/", 1)[1] for link in rank_links(links, ["en"])]
    assert ranked == ["f.json", "c.srt", "e.html", "a.txt", "d.vtt", "b.json"]


async def test_a_transcript_wins_over_audio() -> None:
    speech = FakeSpeech()
    sources = _sources(_routes({"/t.vtt": httpx.Response(200, content=VTT)}), speech)
    links = [TranscriptLink(url="https://pub.example/t.vtt", type="text/vtt")]
    t = await sources.load(_episode(transcripts=links, audio_url="https://pub.example/a.mp3"))
    assert t.format == "vtt"
    assert t.cues[0].speaker == "Maya Chen"
    assert speech.heard == []


async def test_a_failing_transcript_url_falls_back_to_the_next() -> None:
    sources = _sources(_routes({"/t.vtt": httpx.Response(200, content=VTT)}))
    links = [
        TranscriptLink(url="https://pub.example/gone.json", type="application/json"),
        TranscriptLink(url="https://pub.example/t.vtt", type="text/vtt"),
    ]
    assert (await sources.load(_episode(transcripts=links))).format == "vtt"


async def test_audio_is_downloaded_and_transcribed_when_transcripts_fail() -> None:
    speech = FakeSpeech()
    routes = {
        "/t.json": httpx.Response(200, content=b"{not json"),
        "/a.mp3": httpx.Response(200, content=AUDIO),
    }
    sources = _sources(_routes(routes), speech)
    links = [TranscriptLink(url="https://pub.example/t.json", type="application/json")]
    t = await sources.load(_episode(transcripts=links, audio_url="https://pub.example/a.mp3"))
    assert speech.heard == [AUDIO]
    assert t.format == "asr:fake"
    assert t.text == "first utterance\nsecond one"
    assert [(c.start_s, c.end_s) for c in t.cues] == [(0.0, 2.0), (2.5, 4.0)]


async def test_transient_failures_make_the_whole_load_transient() -> None:
    routes = {
        "/busy.vtt": httpx.Response(503, headers={"Retry-After": "30"}),
        "/bad.srt": httpx.Response(200, content=b"1\nnot a time\n"),
    }
    links = [
        TranscriptLink(url="https://pub.example/busy.vtt"),
        TranscriptLink(url="https://pub.example/bad.srt"),
    ]
    with pytest.raises(TransientError, match="503") as caught:
        await _sources(_routes(routes)).load(_episode(transcripts=links))
    assert caught.value.retry_after == 30.0
    assert "malformed SRT" in str(caught.value)


async def test_timeouts_are_transient() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    links = [TranscriptLink(url="https://pub.example/t.vtt")]
    with pytest.raises(TransientError, match="ReadTimeout"):
        await _sources(timeout).load(_episode(transcripts=links))


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, content=b"x" * 2048),
        httpx.Response(200, content=b"x" * 2048, headers={"Content-Length": "2048"}),
    ],
)
async def test_bodies_over_the_cap_are_refused(response: httpx.Response) -> None:
    sources = _sources(lambda request: response, max_bytes=1024)
    links = [TranscriptLink(url="https://pub.example/t.txt")]
    with pytest.raises(PermanentError, match="1024-byte cap"):
        await sources.load(_episode(transcripts=links))


async def test_inline_text_is_parsed_without_fetching() -> None:
    sources = _sources(lambda request: pytest.fail("no fetch expected"))
    t = await sources.load(_episode(text=JSON.decode(), text_format="application/json"))
    assert t.format == "json"


async def test_audio_only_without_speech_to_text_is_permanent() -> None:
    with pytest.raises(PermanentError, match="speech-to-text is off"):
        await _sources(_routes({})).load(_episode(audio_url="https://pub.example/a.mp3"))


async def test_nothing_to_load_is_permanent() -> None:
    with pytest.raises(PermanentError, match="no transcript, text or audio"):
        await _sources(_routes({})).load(_episode())


async def test_local_files_only_when_allowed(tmp_path: Path) -> None:
    path = tmp_path / "episode.json"
    path.write_bytes(JSON)
    links = [TranscriptLink(url=path.as_uri())]
    with pytest.raises(PermanentError, match="not an http"):
        await _sources(_routes({})).load(_episode(transcripts=links))
    allowed = _sources(_routes({}), allow_local_files=True)
    assert (await allowed.load(_episode(transcripts=links))).format == "json"
    speech = FakeSpeech()
    local_audio = tmp_path / "a.wav"
    local_audio.write_bytes(AUDIO)
    heard = _sources(_routes({}), speech, allow_local_files=True)
    await heard.load(_episode(audio_url=str(local_audio)))
    assert speech.heard == [AUDIO]


async def test_load_file_tells_audio_from_transcripts(tmp_path: Path) -> None:
    speech = FakeSpeech()
    wav = tmp_path / "clip.bin"
    wav.write_bytes(AUDIO)
    assert (await load_file(wav, speech)).format == "asr:fake"
    vtt = tmp_path / "captions.vtt"
    vtt.write_bytes(VTT)
    assert (await load_file(vtt, speech)).format == "vtt"
    assert speech.heard == [AUDIO]
    with pytest.raises(PermanentError, match="speech-to-text is off"):
        await load_file(wav, None)
