"""The admin of actors, their aliases and affiliations."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest

from claims.admin.base import (
    AUDIT,
    ClaimsModelAdmin,
    StatementCountColumn,
    VersionCheckedAdmin,
    VersionCheckedForm,
    _on_changelist,
)
from claims.models import (
    Actor,
    ActorAlias,
    Affiliation,
)  # fmt: skip


class ActorAliasInline(admin.TabularInline):
    model = ActorAlias
    extra = 1


class AffiliationInline(admin.TabularInline):
    model = Affiliation
    fk_name = "actor"
    extra = 1
    autocomplete_fields = ("target",)
    fields = ("role", "target", "start_date", "end_date")


@admin.register(Actor)
class ActorAdmin(VersionCheckedAdmin, StatementCountColumn, ClaimsModelAdmin):
    form = VersionCheckedForm
    statement_fk = "speaker"
    list_display = ("name", "kind", "alias_list", "wikidata_id", "statement_count", "updated_at")
    list_filter = ("kind",)
    search_fields = ("name", "aliases__name", "description", "wikidata_id")
    readonly_fields = AUDIT
    fields = ("name", "kind", "description", "wikidata_id", *AUDIT)
    inlines = (ActorAliasInline, AffiliationInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        if _on_changelist(request):
            qs = qs.prefetch_related(
                Prefetch("aliases", queryset=ActorAlias.objects.order_by("name"))
            )
        return qs

    @admin.display(description="aliases")
    def alias_list(self, obj: Actor) -> str:
        return ", ".join(a.name for a in obj.aliases.all())

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ActorAlias)
class ActorAliasAdmin(ClaimsModelAdmin):
    list_display = ("name", "actor")
    list_select_related = ("actor",)
    search_fields = ("name", "actor__name")
    autocomplete_fields = ("actor",)


@admin.register(Affiliation)
class AffiliationAdmin(VersionCheckedAdmin, ClaimsModelAdmin):
    form = VersionCheckedForm
    list_display = ("actor", "role", "target", "start_date", "end_date")
    list_select_related = ("actor", "target")
    list_filter = ("role",)
    search_fields = ("actor__name", "target__name")
    autocomplete_fields = ("actor", "target")
    readonly_fields = ("created_at", "updated_at", "version")
