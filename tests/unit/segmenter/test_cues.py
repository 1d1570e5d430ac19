"""The default cue lexicon on sentences hosts actually say (and on ones that only look alike)."""

from __future__ import annotations

import pytest

from services.segmenter.cues import CueBook


@pytest.mark.parametrize(
    "sentence",
    [
        "Next up, a new release from XAI.",
        "And speaking of Meta, next story, China has blocked the takeover.",
        "And one more open sourced model.",
        "And one last story for the section, we have a new benchmark.",
        "Onto another legal case, a judge has rejected the bid.",
        "And now on to the legal drama between Elon Musk and OpenAI.",
        "Next, a slightly more practical safety concern.",
        "Next non-legal drama story.",
        "And we'll just have one paper to cover this week.",
        "In other news, the council approved the budget.",
        "Now the weather.",
        "Moving on, the markets rallied.",
    ],
)
def test_transitions_open_a_story(book: CueBook, sentence: str) -> None:
    assert book.mark(sentence).story


@pytest.mark.parametrize(
    "sentence",
    [
        "So the other story to this, too, is the hardware.",
        "I will say one last thing on this.",
        "Next year the company plans to expand.",
        "They're still holding onto this model.",
        "That's what the next generation will want.",
        "It's a both story, right?",
    ],
)
def test_look_alikes_do_not(book: CueBook, sentence: str) -> None:
    assert not book.mark(sentence).story


@pytest.mark.parametrize(
    ("sentence", "slug"),
    [
        ("Onto policy and safety.", "policy-and-safety"),
        ("On to applications and business, starting up with a deal.", "applications-and-business"),
        (
            "And moving straight on to projects on open source, where we have",
            "projects-and-open-source",
        ),
        ("so getting the news tools and apps we begin with gpt 5.5", "tools-and-apps"),
        ("Next up, we do have one synthetic media and art story.", "synthetic-media-and-art"),
        ("We begin with some research evaluating AI models.", None),
        ("But there are papers and policy and safety things we'll mention.", None),
    ],
)
def test_section_announcements(book: CueBook, sentence: str, slug: str | None) -> None:
    assert book.mark(sentence).section == slug


@pytest.mark.parametrize(
    ("sentence", "brand"),
    [
        ("This episode is brought to you by OutShift, Cisco's incubation engine.", "outshift"),
        ("Today's episode is sponsored by Box.", "box"),
        ("This briefing is supported by Fernway, the sleep company.", "fernway"),
        ("Support for this podcast comes from Ledgerly.", "ledgerly"),
        ("Thanks to Acme Cloud for sponsoring this week.", "acme"),
    ],
)
def test_sponsor_reads_and_their_brand(book: CueBook, sentence: str, brand: str) -> None:
    marks = book.mark(sentence)
    assert marks.ad_start
    assert brand in marks.brands


@pytest.mark.parametrize(
    "sentence",
    ["The bill is sponsored by Senator Reyes.", "The study was funded by the university."],
)
def test_sponsorship_in_the_news_is_not_an_ad(book: CueBook, sentence: str) -> None:
    assert not book.mark(sentence).ad_start


@pytest.mark.parametrize(
    ("sentence", "sells"),
    [
        ("Learn more at box.com.", True),
        ("That's fernway dot com, code BRIEFING.", True),
        ("Box helps you bring that content into the AI era.", True),
        ("Humans didn't just get smarter individually.", False),
    ],
)
def test_sponsor_lines(book: CueBook, sentence: str, sells: bool) -> None:
    assert book.sponsor_line(sentence, ["box"])[0] is sells


def test_sponsor_lines_add_web_names(book: CueBook) -> None:
    assert book.sponsor_line("Explore it at outshift.com.", [])[1] == ("outshift",)


@pytest.mark.parametrize(
    ("sentence", "intro", "outro"),
    [
        ("Hello, and welcome to the Last Week in AI podcast.", True, False),
        ("Good morning. This is The Harbor Morning Briefing.", True, False),
        ("On the briefing today: floods and rates.", True, False),
        ("Thank you so much for listening to this week's episode.", False, True),
        ("That's Circuit Daily for today.", False, True),
        ("And with that, we are done with this episode.", False, True),
        ("The floods forced thousands from their homes.", False, False),
    ],
)
def test_intro_and_outro(book: CueBook, sentence: str, intro: bool, outro: bool) -> None:
    marks = book.mark(sentence)
    assert (marks.intro, marks.outro) == (intro, outro)


def test_intro_and_outro_only_where_asked(book: CueBook) -> None:
    marks = book.mark(
        "Thanks for listening, and welcome to the show.", opening=False, closing=False
    )
    assert not marks.intro and not marks.outro


def test_sign_offs_end_a_story(book: CueBook) -> None:
    assert book.mark("Reporting from Millbrook, I'm Tom Reyes.").story_end
    assert book.mark("Tom Reyes, Harbor Public Radio, Millbrook.").story_end
    assert not book.mark("I'm Tom Reyes.").story_end


def test_run_on_lines_split_at_cue_phrases(book: CueBook) -> None:
    line = (
        "xai certainly has put out good models and i wouldn't be surprised if this is a leading "
        "model and one last little story here claude can now plug in directly into photoshop"
    )
    cuts = book.runon_splits(line)
    assert [line[c:].split()[:4] for c in cuts] == [["and", "one", "last", "little"]]
    assert book.runon_splits("And speaking of partnerships, the next story, Meta agreed.") == []


def test_chatty_sentences(book: CueBook) -> None:
    assert book.mark("Yeah, I think you're right about that.").conversational
    assert not book.mark('The governor said "we will rebuild" on Monday.').conversational
