"""Pages link to the history of what they show; merge links only for editors."""

from django.urls import reverse

from tests.factories import make_actor, make_source, make_statement


def test_actor_page_links_history_and_merge_for_editor(editor_client, researcher):
    actor = make_actor("Nuri al-Maliki")
    page = editor_client.get(reverse("claims:actor_detail", args=[actor.pk])).content.decode()
    assert reverse("claims:actor_history", args=[actor.pk]) in page
    assert reverse("claims:actor_merge", args=[actor.pk]) in page


def test_actor_page_has_no_merge_link_for_researcher(researcher_client):
    actor = make_actor("Nuri al-Maliki")
    page = researcher_client.get(reverse("claims:actor_detail", args=[actor.pk])).content.decode()
    assert reverse("claims:actor_history", args=[actor.pk]) in page
    assert reverse("claims:actor_merge", args=[actor.pk]) not in page


def test_source_page_links_source_and_statement_history(researcher_client, researcher):
    source = make_source()
    statement = make_statement(source=source, quote="the cracks were old", created_by=researcher)
    page = researcher_client.get(reverse("claims:source_detail", args=[source.pk])).content.decode()
    assert reverse("claims:source_history", args=[source.pk]) in page
    assert reverse("claims:statement_history", args=[statement.pk]) in page


def test_user_without_role_sees_no_app_links_and_is_told_how_to_get_one(outsider_client):
    response = outsider_client.get(reverse("claims:source_list"))
    assert response.status_code == 403
    page = response.content.decode()
    assert f'href="{reverse("claims:review_queue")}"' not in page
    assert f'href="{reverse("claims:claim_list")}"' not in page
    assert "Researchers or the Editors group" in page


def test_members_see_the_navigation(researcher_client):
    page = researcher_client.get(reverse("claims:source_list")).content.decode()
    for name in ["source_list", "actor_list", "claim_list", "review_queue"]:
        assert f'href="{reverse(f"claims:{name}")}"' in page
