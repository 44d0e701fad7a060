"""Links without a reverse() per row: `{{ pk|pk_url:"claims:actor_detail" }}`, and a
memoised `{% url %}` that replaces Django's everywhere (below).

A page of cards links each card to its speaker, claim, history, edit and delete pages;
`{% url %}` resolves the pattern again for every one of them. Here each URL name is
reversed once per process (and script prefix) with a placeholder, and the page only
puts the id in.
"""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import defaulttags
from django.template.defaulttags import URLNode
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()

_PLACEHOLDER = 987654321987


@lru_cache(maxsize=256)
def _halves(name: str, prefix: str) -> tuple[str, str]:
    url = reverse(name, args=[_PLACEHOLDER])
    head, _, tail = url.partition(str(_PLACEHOLDER))
    return head, tail


def pk_url(pk: int | str, name: str) -> str:
    """The URL of the view `name` whose only argument is the integer `pk`."""
    head, tail = _halves(name, get_script_prefix())
    return f"{head}{int(pk)}{tail}"


register.filter("pk_url", pk_url)


# --- {% url %}, reversed once per distinct link ------------------------------------------
#
# Installed as a template builtin (TEMPLATES OPTIONS "builtins" in config/settings.py), so it
# replaces Django's {% url %} in every template, the admin's included. The result of
# reverse() depends only on its arguments, the URLconf and the script prefix: with those in
# the key, a link is resolved once per process and the same link on the next request (the
# navigation bar, a page's own links) is a dictionary lookup. Links whose arguments are not
# plain ints or strings (a model instance: its str() could change) are reversed each time.


@lru_cache(maxsize=4096)
def _reverse(
    view_name: str,
    args: tuple,
    kwargs: tuple,
    current_app: str | None,
    urlconf: str | None,
    prefix: str,
) -> str:
    return reverse(
        view_name, urlconf=urlconf, args=args, kwargs=dict(kwargs), current_app=current_app
    )


def _plain(values) -> bool:
    return all(isinstance(v, (int, str)) for v in values)


class CachedURLNode(URLNode):
    def render(self, context):
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        if not (isinstance(view_name, str) and _plain(args) and _plain(kwargs.values())):
            return super().render(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        urlconf = get_urlconf() or settings.ROOT_URLCONF
        try:
            url = _reverse(
                view_name,
                args,
                tuple(sorted(kwargs.items())),
                current_app,
                urlconf,
                get_script_prefix(),
            )
        except NoReverseMatch:
            if self.asvar is None:
                raise
            url = ""
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token) -> CachedURLNode:
    """Django's {% url %} (same syntax, same result), memoised: see above."""
    node = defaulttags.url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)


@receiver(setting_changed)
def _forget_links(*, setting: str, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _reverse.cache_clear()
        _halves.cache_clear()
