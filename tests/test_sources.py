"""Sources: list, import, and the reading page (text equals Source.text, escaped, fixed queries)."""

from __future__ import annotations

import html
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from claims.models import Source
from claims.pagecache import bump
from claims.views.sources import CARDS_PER_PAGE, SOURCES_PER_PAGE
from tests.conftest import HTMX
from tests.factories import make_actor, make_claim, make_source, make_statement

pytestmark = pytest.mark.django_db

LIST = reverse("claims:source_list")
NEW = reverse("claims:source_create")


def detail(source) -> str:
    return reverse("claims:source_detail", args=[source.pk])


class _ContainerText(HTMLParser):
    """The text of the element with a given id, and the marks inside it."""

    def __init__(self, element_id: str):
        super().__init__(convert_charrefs=True)
        self.element_id = element_id
        self.depth = 0
        self.text: list[str] = []
        self.marks: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.depth:
            self.depth += 1
            if tag == "mark":
                self.marks.append(attrs)
        elif attrs.get("id") == self.element_id:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)


def container_text(content: bytes, element_id: str = "source-text") -> tuple[str, list[dict]]:
    parser = _ContainerText(element_id)
    parser.feed(content.decode())
    return "".join(parser.text), parser.marks


# --- who may -------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["source_list", "source_create"])
def test_anonymous_is_sent_to_login(anon_client, url_name):
    response = anon_client.get(reverse(f"claims:{url_name}"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_anonymous_cannot_read_a_source(anon_client):
    response = anon_client.get(detail(make_source()))
    assert response.status_code == 302 and "/login/" in response.url


def test_outsider_gets_403_everywhere(outsider_client):
    source = make_source()
    for url in [LIST, NEW, detail(source), reverse("claims:source_text", args=[source.pk])]:
        assert outsider_client.get(url).status_code == 403
    response = outsider_client.post(NEW, {"title": "x", "text": "some text"})
    assert response.status_code == 403
    assert Source.objects.count() == 1


def test_unknown_source_is_404(researcher_client):
    assert researcher_client.get(reverse("claims:source_detail", args=[999])).status_code == 404


# --- list ------------------------------------------------------------------------


def test_list_shows_sources_with_statement_counts(researcher_client, researcher):
    source = make_source(title="Bridge report")
    make_statement(source=source, quote="Critics said", created_by=researcher)
    make_statement(source=source, quote="An engineer said", created_by=researcher)
    make_source(title="Other paper")
    response = researcher_client.get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Bridge report" in body and "Other paper" in body
    assert "<td>2</td>" in body
    assert 'hx-trigger="input changed delay:250ms, search"' in body


def test_search_as_you_type_returns_the_results_fragment(researcher_client):
    make_source(title="Bridge report")
    make_source(title="Harbour news", publisher="Coast Times")
    response = researcher_client.get(
        LIST, {"q": "coast"}, headers={**HTMX, "HX-Target": "source-results"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and 'id="source-results"' in body
    assert "Harbour news" in body and "Bridge report" not in body


def test_list_is_paginated(researcher_client):
    for i in range(30):
        make_source(title=f"Paper {i:02d}")
    first = researcher_client.get(LIST).content.decode()
    second = researcher_client.get(LIST, {"page": 2}).content.decode()
    assert "Page 1 of 2" in first and "Paper 29" in first and "Paper 00" not in first
    assert "Paper 00" in second


@pytest.mark.parametrize("rows", [5, 50])
def test_list_query_count_is_fixed(researcher_client, researcher, django_assert_num_queries, rows):
    for i in range(rows):
        source = make_source(title=f"Paper {i}")
        make_statement(source=source, quote="Critics said", created_by=researcher)
    # the user with their permissions, count, page, review badge; a first page that holds every
    # source is its own count (selectors.Pager)
    with django_assert_num_queries(4 if rows > SOURCES_PER_PAGE else 3):
        assert researcher_client.get(LIST).status_code == 200
    # a search: user, permissions, the page's candidates, the page (no count)
    with django_assert_num_queries(3):
        researcher_client.get(LIST, {"q": "Paper"}, headers={**HTMX, "HX-Target": "source-results"})


# --- import --------------------------------------------------------------------------


def test_import_pasted_text_is_normalised_and_kept_whole(researcher_client, researcher):
    raw = "  Title line\r\nCafe\u0301 said “yes”.\rEnd  "
    response = researcher_client.post(
        NEW,
        {
            "title": "Pasted",
            "kind": "article",
            "publisher": "Example",
            "url": "https://example.org/a",
            "published_on": "2008-04-03",
            "dateline": "BAGHDAD",
            "byline": "A. Writer",
            "language": "en",
            "text": raw,
        },
    )
    source = Source.objects.get()
    assert response.status_code == 302 and response.url == detail(source)
    assert source.text == "  Title line\nCafé said “yes”.\nEnd  "
    assert source.created_by == researcher
    assert (source.dateline, source.byline, str(source.published_on)) == (
        "BAGHDAD",
        "A. Writer",
        "2008-04-03",
    )


def test_import_txt_upload_with_bom(researcher_client):
    upload = SimpleUploadedFile("a.txt", "\ufeffFirst line\r\nSecond 😀 line\n".encode())
    response = researcher_client.post(NEW, {"title": "Up", "kind": "article", "upload": upload})
    assert response.status_code == 302
    assert Source.objects.get().text == "First line\nSecond 😀 line\n"


def test_import_html_upload_keeps_only_the_article(researcher_client):
    page = """<html><head><title>T</title><style>.x{color:red}</style>
    <script>alert('chrome script')</script></head><body>
    <nav><a href="/">Home</a> | <a href="/world">World</a> | Menu item</nav>
    <article><h1>Al-Sadr offers to help</h1>
    <p>BAGHDAD, Iraq (CNN) -- Shiite cleric Muqtada al-Sadr offered Thursday to help purge Iraqi
    security forces of militia members, a long sentence so the extractor keeps the paragraph.</p>
    <p>But he also criticized the Iraqi government for denying that it sent envoys to him to
    discuss last week's government offensive in Basra, the spokesman said on Thursday.</p>
    <script>document.write('inline script')</script>
    </article><footer>Copyright footer links</footer></body></html>"""
    upload = SimpleUploadedFile("page.html", page.encode())
    response = researcher_client.post(NEW, {"title": "Web", "kind": "article", "upload": upload})
    assert response.status_code == 302, response.content.decode()[:2000]
    text = Source.objects.get().text
    assert "he also criticized the Iraqi government" in text
    assert "alert" not in text and "inline script" not in text and "color:red" not in text


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"   \n ", "empty"),
        ("binary.txt", b"abc\x00\x01\x02def", "NUL"),
        ("latin1.txt", "caf\xe9".encode("latin-1"), "not valid UTF-8"),
        ("picture.png", b"\x89PNG....", ".txt, .md or .html"),
    ],
)
def test_bad_uploads_are_refused_with_a_message(researcher_client, name, data, message):
    upload = SimpleUploadedFile(name, data)
    response = researcher_client.post(NEW, {"title": "Bad", "kind": "article", "upload": upload})
    assert response.status_code == 422
    assert message in html.unescape(response.content.decode())
    assert not Source.objects.exists()


def test_oversized_upload_and_paste_are_refused(researcher_client, settings):
    settings.SOURCE_UPLOAD_MAX_BYTES = 100
    upload = SimpleUploadedFile("big.txt", b"x" * 101)
    response = researcher_client.post(NEW, {"title": "Big", "kind": "article", "upload": upload})
    assert response.status_code == 422 and "the limit is 100 bytes" in response.content.decode()
    response = researcher_client.post(NEW, {"title": "Big", "kind": "article", "text": "é" * 60})
    assert response.status_code == 422 and "longer than the limit" in response.content.decode()
    assert not Source.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "No text", "text": ""}, "Paste the text"),
        ({"title": "Nul", "text": "a\x00b"}, "Null characters are not allowed"),
        ({"title": "", "text": "Some text"}, "This field is required"),
        (
            {"title": "Ftp", "text": "Some text", "url": "ftp://example.org/x"},
            "http:// or https://",
        ),
        ({"title": "Js", "text": "Some text", "url": "javascript:alert(1)"}, "http:// or https://"),
    ],
)
def test_bad_import_input_gets_a_form_error(researcher_client, data, message):
    response = researcher_client.post(NEW, {"kind": "article", **data})
    assert response.status_code == 422
    assert message in html.unescape(response.content.decode())
    assert not Source.objects.exists()


def test_paste_and_upload_together_are_refused(researcher_client):
    upload = SimpleUploadedFile("a.txt", b"file text")
    response = researcher_client.post(
        NEW, {"title": "Both", "kind": "article", "text": "pasted", "upload": upload}
    )
    assert response.status_code == 422 and "not both" in response.content.decode()


def test_import_refuses_a_forged_request(researcher_client):
    response = researcher_client.post(NEW, {"title": "x", "text": "y"}, csrf=False)
    assert response.status_code == 403
    assert not Source.objects.exists()


# --- the reading page -------------------------------------------------------------------------


TRICKY = (
    "Line one\nAl-Sadr 😀 said “no” — قال الصدر إن\u200d الحكومة; e\u0301 combined.\n\n"
    "  Indented <b>not bold</b> & the end 👍🏽\n"
)


def test_reading_page_dom_text_equals_the_source_text(researcher_client, researcher):
    source = make_source(text=TRICKY)
    make_statement(source=source, quote="Al-Sadr 😀 said", created_by=researcher)
    make_statement(source=source, quote="😀 said “no”", created_by=researcher)
    make_statement(source=source, quote="قال الصدر", created_by=researcher)
    response = researcher_client.get(detail(source))
    text, marks = container_text(response.content)
    assert text == source.text
    assert any(len(m["data-statements"].split()) == 2 for m in marks)  # the overlap
    assert all(m["tabindex"] == "0" and m["title"] for m in marks)


def test_highlight_describes_speaker_and_stance(researcher_client, researcher):
    source = make_source()
    speaker = make_actor("Nuri al-Maliki")
    claim = make_claim("The bridge is safe.")
    statement = make_statement(
        source=source,
        quote="Critics said the bridge was not safe.",
        speaker=speaker,
        claim=claim,
        stance="denies",
        created_by=researcher,
    )
    _, marks = container_text(researcher_client.get(detail(source)).content)
    assert marks == [
        {
            "class": "hl hl-1 hl-denies",
            "data-statements": str(statement.pk),
            "tabindex": "0",
            "title": "Nuri al-Maliki denies: The bridge is safe.",
        }
    ]


def test_hostile_text_and_names_are_escaped(researcher_client, researcher):
    hostile = 'Hello <script>alert("x")</script> and <img src=x onerror=alert(1)> end'
    source = make_source(text=hostile, title="<script>alert('t')</script>")
    make_statement(
        source=source,
        quote="<img src=x onerror=alert(1)>",
        speaker=make_actor('<img src=y onerror="alert(2)">'),
        created_by=researcher,
    )
    body = researcher_client.get(detail(source)).content.decode()
    assert "<script>alert" not in body and "<img src=x" not in body and "<img src=y" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
    text, _ = container_text(body.encode())
    assert text == hostile


def test_statement_cards_are_listed_beside_the_text(researcher_client, researcher):
    source = make_source()
    statement = make_statement(
        source=source,
        quote="An engineer said the cracks were old.",
        speaker=make_actor("Eng. Ana"),
        claim=make_claim("The cracks are new."),
        stance="denies",
        created_by=researcher,
        summary="Says the damage predates the flood.",
    )
    body = researcher_client.get(detail(source)).content.decode()
    assert f'id="statement-{statement.pk}"' in body
    assert "Eng. Ana" in body and "The cracks are new." in body
    assert "Says the damage predates the flood." in body


@pytest.mark.parametrize("rows", [5, 50])
def test_reading_page_query_count_is_fixed(
    researcher_client, researcher, django_assert_num_queries, rows
):
    text = " ".join(f"Sentence number {i} was said." for i in range(rows))
    source = make_source(text=text)
    speaker, claim = make_actor(), make_claim()
    statements = [
        make_statement(
            source=source,
            quote=f"Sentence number {i} was said.",
            speaker=speaker,
            claim=claim if i % 2 else None,
            created_by=researcher,
        )
        for i in range(rows)
    ]
    from tests.factories import make_contradiction

    make_contradiction(statements[0], statements[1])
    make_contradiction(statements[2], statements[3])
    # Fragments are cached per version (claims/caching.py). First view: the user with
    # their permissions, source, text key, highlights, card count, card versions, link
    # versions, the cards with their links (3), suggestions count, review badge (the
    # session is cached).
    # A first page of cards that holds them all is its own count (selectors.Pager).
    uncounted = rows <= CARDS_PER_PAGE
    with django_assert_num_queries(12 - uncounted):
        assert researcher_client.get(detail(source)).status_code == 200
    # after a write elsewhere (a new page cache generation): the page is rendered again,
    # its text and cards come from the fragment cache (key queries only)
    bump()
    with django_assert_num_queries(8 - uncounted):
        assert researcher_client.get(detail(source)).status_code == 200
    # asked for twice in one generation, the page is kept; a third view is answered by the
    # page cache (claims/pagecache.py)
    researcher_client.get(detail(source))
    with django_assert_num_queries(0):
        assert researcher_client.get(detail(source)).status_code == 200
    with django_assert_num_queries(3):
        researcher_client.get(reverse("claims:source_text", args=[source.pk]), headers=HTMX)
    with django_assert_num_queries(5 - uncounted):
        researcher_client.get(reverse("claims:source_cards", args=[source.pk]), headers=HTMX)


def test_text_fragment_is_just_the_text(researcher_client):
    source = make_source()
    response = researcher_client.get(reverse("claims:source_text", args=[source.pk]), headers=HTMX)
    body = response.content.decode()
    assert body.startswith('<div id="source-text"') and "<html" not in body
    assert container_text(response.content)[0] == source.text


def test_cards_fragment_pages(researcher_client, researcher):
    text = " ".join(f"Sentence number {i:02d} was said." for i in range(30))
    source = make_source(text=text)
    for i in range(30):
        make_statement(
            source=source, quote=f"Sentence number {i:02d} was said.", created_by=researcher
        )
    url = reverse("claims:source_cards", args=[source.pk])
    first = researcher_client.get(url, headers=HTMX).content.decode()
    second = researcher_client.get(url, {"page": 2}, headers=HTMX).content.decode()
    assert "Sentence number 00" in first and "Sentence number 29" not in first
    assert "Sentence number 29" in second and "<html" not in second
