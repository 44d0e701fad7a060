"""What every resource module of the API uses: one page of a queryset (a count and a
slice: a fixed number of queries whatever the data size), ids in a body turned into
records with a message per field, and the version check's query parameter."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404

from claims.api.schemas import MAX_ID, ListFilters


def page_of(qs: QuerySet, filters: ListFilters, rows=None) -> dict:
    """{count, page, page_size, results}. `rows` turns the sliced queryset into the list
    the schema reads (e.g. to attach data loaded in one extra query)."""
    size = filters.page_size
    offset = (filters.page - 1) * size
    count = qs.count()
    results = list(qs[offset : offset + size]) if offset < count else []
    if rows is not None and results:
        results = rows(results)
    return {"count": count, "page": filters.page, "page_size": size, "results": results}


def get_or_404(qs, pk: int, what: str) -> Model:
    if not 0 < pk <= MAX_ID:
        raise Http404(f"There is no {what} #{pk}.")
    try:
        return qs.get(pk=pk)
    except qs.model.DoesNotExist:
        raise Http404(f"There is no {what} #{pk}.") from None


def refer(model: type[Model], pk: int | None, field: str, what: str) -> Model | None:
    """The record a body names by id, or a 422 message on that field."""
    if pk is None:
        return None
    obj = model._default_manager.filter(pk=pk).first()
    if obj is None:
        raise ValidationError({field: f"There is no {what} #{pk}."})
    return obj
