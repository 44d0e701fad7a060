"""Statement, in-place actor/claim and contradiction forms for the annotation workspace."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field

from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db.models import Q
from django.utils.functional import cached_property

from claims import anchoring
from claims.compiled import by_pk, by_pks
from claims.models import Actor, ActorAlias, Claim, Contradiction, Source, Statement
from claims.search import Query, search_actors, search_claims
from claims.services.statements import SELECTION_ERROR, NewActor, Selection

STANCE_CHOICES = [("", "none"), *Statement.Stance.choices]


class RowChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField over a whole table whose chosen row is read by SQL compiled once
    (claims.compiled.by_pk): the speaker and the claim are read on every statement save.
    A row already read for the value sent (`read`: StatementForm.read_with) is not read
    again."""

    read: tuple | None = None  # (the value sent, its row or None)

    def __init__(self, queryset, **kwargs):
        if queryset.query.has_filters():
            raise ImproperlyConfigured("RowChoiceField chooses from a whole table.")
        super().__init__(queryset, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        model = self.queryset.model
        if self.read is not None and self.read[0] == value:
            row = self.read[1]
        else:
            try:
                row = by_pk(model, value.pk if isinstance(value, model) else value)
            except (ValueError, TypeError, ValidationError):
                row = None
        if row is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return row


class StatementForm(forms.Form):
    """Create (with a selection) or edit (without one) a statement.

    Speaker, via and claim are chosen from find-as-you-type lists, or created
    in place: a name typed into `speaker_new_name` (etc.) creates the actor
    when nothing is chosen. The selection arrives as UTF-16 offsets (what
    browsers measure) plus the quote and its context; clean() turns it into a
    verified code-point anchor or refuses it.
    """

    # the selection (create only)
    exact = forms.CharField(
        label="Quote",
        strip=False,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "quote-field"}),
    )
    start = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    end = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    prefix = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    suffix = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    offsets_unit = forms.ChoiceField(
        choices=[("utf16", "UTF-16 code units"), ("cp", "code points")],
        required=False,
        widget=forms.HiddenInput,
    )
    # who
    speaker = RowChoiceField(Actor.objects.all(), required=False)
    speaker_new_name = forms.CharField(label="New actor's name", required=False, max_length=200)
    speaker_new_kind = forms.ChoiceField(
        label="Kind", choices=Actor.Kind.choices, initial=Actor.Kind.PERSON, required=False
    )
    via = RowChoiceField(Actor.objects.all(), required=False)
    via_new_name = forms.CharField(label="New actor's name", required=False, max_length=200)
    via_new_kind = forms.ChoiceField(
        label="Kind", choices=Actor.Kind.choices, initial=Actor.Kind.PERSON, required=False
    )
    reporting = forms.ChoiceField(
        label="How reported", choices=Statement.Reporting.choices, initial="reported"
    )
    # what
    claim = RowChoiceField(Claim.objects.all(), required=False)
    claim_new_text = forms.CharField(label="New claim", required=False, max_length=500)
    stance = forms.ChoiceField(choices=STANCE_CHOICES, required=False)
    said_on = forms.DateField(
        label="Date said",
        required=False,
        # rarely used: out of the tab order (a click or the label still reaches it)
        widget=forms.DateInput(attrs={"type": "date", "tabindex": "-1"}),
    )
    summary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    ROWS = {"speaker": Actor, "via": Actor, "claim": Claim}  # the fields that choose a row

    @classmethod
    def read_with(cls, data, *wanted: tuple) -> tuple[list, dict]:
        """The rows `wanted` asks for (claims.compiled.by_pks) and the rows chosen in
        `data`'s speaker, via and claim fields, read in one query: give the second to the
        form as `read` and its fields read nothing (the statement save: one round trip to
        the database for the source, the speaker and the claim)."""
        sent = {name: data.get(name) for name in cls.ROWS}
        asked = []  # only what can be a key: anything else is refused by the field
        for name, value in sent.items():
            try:
                key = cls.ROWS[name]._meta.pk.to_python(value) if value else None
            except ValidationError:
                key = None
            asked.append((cls.ROWS[name], key))
        rows = by_pks(*wanted, *asked)
        read = {
            name: (sent[name], row)
            for (name, value), row in zip(sent.items(), rows[len(wanted) :], strict=True)
            if value
        }
        return rows[: len(wanted)], read

    def __init__(
        self,
        *args,
        source: Source,
        statement: Statement | None = None,
        action_url: str | None = None,
        place_selection: bool = True,
        read: dict | None = None,
        **kwargs,
    ):
        self.source = source
        self.statement = statement
        self.action_url = action_url  # where it posts, when not the create/edit view
        # False: cleaned_data["anchor"] is the Selection as sent, placed in the text by
        # services.statement_create under the source's row lock (the create view): the text
        # is read and the span checked once, there. The form still places it when other
        # fields have errors, so that every error shows at once.
        self.place_selection = place_selection
        if statement is not None and not kwargs.get("initial"):
            kwargs["initial"] = {
                "speaker": statement.speaker_id,
                "via": statement.via_id,
                "reporting": statement.reporting,
                "claim": statement.claim_id,
                "stance": statement.stance,
                "said_on": statement.said_on,
                "summary": statement.summary,
                "version": statement.version,
            }
        super().__init__(*args, **kwargs)
        for name, row in (read or {}).items():
            self.fields[name].read = row
        if statement is None:
            self.fields["offsets_unit"].initial = "utf16"
        else:
            self.fields["version"].required = True

    @property
    def editing(self) -> bool:
        return self.statement is not None

    @property
    def hidden_error_fields(self) -> list:
        hidden = ("start", "end", "prefix", "suffix", "offsets_unit", "version")
        return [self[name] for name in hidden if name in self.errors]

    @cached_property
    def pickers(self) -> dict:
        return {name: picker_for(self, name) for name in ("speaker", "via", "claim")}

    # the chosen or typed values, for the pickers ---------------------------

    def chosen(self, name: str):
        """The actor or claim currently chosen in field `name` (bound or initial)."""
        model = Claim if name == "claim" else Actor
        raw = self.data.get(name) if self.is_bound else self.initial.get(name)
        if not raw:
            return None
        cleaned = getattr(self, "cleaned_data", {}).get(name)
        if isinstance(cleaned, model) and str(cleaned.pk) == str(raw):
            return cleaned  # already read by the field's validation: not queried again
        try:
            return model.objects.filter(pk=int(raw)).first()
        except (TypeError, ValueError):
            return None

    def _new_actor(self, prefix: str) -> NewActor | None:
        name = (self.cleaned_data.get(f"{prefix}_new_name") or "").strip()
        if not name:
            return None
        return NewActor(name=name, kind=self.cleaned_data.get(f"{prefix}_new_kind") or "person")

    def _typed(self, name: str):
        """Without JavaScript the find-as-you-type lists stay empty: the words typed into
        `<name>_q` are resolved here. One match (an exact name or alias first) is chosen;
        several become the list's options and the form asks which; none is an error."""
        q = " ".join(str(self.data.get(f"{name}_q", "")).split())
        if not q or not self.is_bound:
            return None
        if name == "claim":
            exact = list(Claim.objects.filter(text__iexact=q).order_by("id")[:2])
            found = exact or claim_matches(q, limit=OPTIONS_LIMIT + 1)
            label = "claim"
        else:
            exact = list(
                Actor.objects.filter(
                    Q(name__iexact=q)
                    | Q(pk__in=ActorAlias.objects.filter(name__iexact=q).values("actor_id"))
                )
                .prefetch_related("aliases")
                .order_by("id")[:2]
            )
            found = exact or actor_matches(q, limit=OPTIONS_LIMIT + 1)
            label = "actor"
        if len(found) == 1:
            return found[0]
        self.typed_options[name] = found[:OPTIONS_LIMIT]
        if found:
            self.add_error(name, f"Several {label}s match “{q}”: choose one in the list.")
        elif name == "claim":
            self.add_error(name, f"No claim matches “{q}”: change the words or add a new claim.")
        else:
            self.add_error(name, f"No actor matches “{q}”: change the words or add a new actor.")
        return None

    def clean(self) -> dict:
        cleaned = super().clean()
        self.typed_options = {}
        for name in ("speaker", "via", "claim"):
            if cleaned.get(name) is None and name not in self.errors:
                typed = self._typed(name)
                if typed is not None:
                    cleaned[name] = typed
        speaker = cleaned.get("speaker") or self._new_actor("speaker")
        via = cleaned.get("via") or self._new_actor("via")
        claim = cleaned.get("claim") or (cleaned.get("claim_new_text") or "").strip() or None
        if speaker is None and "speaker" not in self.errors:
            self.add_error("speaker", "Choose who said it, or type a new actor's name.")
        if speaker is not None and via is not None and _same_actor(speaker, via):
            self.add_error("via", "The speaker cannot deliver their own statement via themselves.")
        stance = cleaned.get("stance") or ""
        if claim is not None and not stance:
            self.add_error(
                "stance", "Say whether the statement asserts, denies or questions the claim."
            )
        if stance and claim is None:
            self.add_error("claim", "A stance needs a claim: choose one or type a new one.")
        cleaned["speaker"], cleaned["via"], cleaned["claim"] = speaker, via, claim
        if not self.editing:
            cleaned["anchor"] = self._anchor(cleaned)
        return cleaned

    def _anchor(self, cleaned: dict) -> anchoring.Anchor | Selection | None:
        exact = cleaned.get("exact") or ""
        if not exact.strip():
            self.add_error("exact", "Select the words of the statement in the text first.")
            return None
        selection = Selection(
            exact=exact,
            start=cleaned.get("start"),
            end=cleaned.get("end"),
            prefix=cleaned.get("prefix") or "",
            suffix=cleaned.get("suffix") or "",
            utf16=(cleaned.get("offsets_unit") or "utf16") == "utf16",
        )
        if not self.place_selection and not self.errors:
            return selection
        try:
            return selection.resolve(self.source.text)
        except anchoring.AnchorError as exc:
            self.add_error("exact", SELECTION_ERROR.format(exc))
            return None


def _same_actor(a, b) -> bool:
    if isinstance(a, Actor) and isinstance(b, Actor):
        return a.pk == b.pk
    if isinstance(a, NewActor) and isinstance(b, NewActor):
        return a.name.casefold() == b.name.casefold()
    return False


class ActorQuickForm(forms.Form):
    """Create an actor in place from the statement form (name + kind)."""

    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=Actor.Kind.choices, initial=Actor.Kind.PERSON)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError("Type the actor's name.")
        return name


class ClaimQuickForm(forms.Form):
    text = forms.CharField(max_length=500)

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise ValidationError("Type the claim, stated neutrally.")
        return text


class ContradictionForm(forms.Form):
    """Link a statement to another one that it contradicts."""

    other = forms.ModelChoiceField(
        Statement.objects.all(),
        label="The other statement",
        error_messages={
            "required": "Pick the statement it contradicts.",
            "invalid_choice": "That statement no longer exists.",
        },
    )
    kind = forms.ChoiceField(choices=Contradiction.Kind.choices, initial="denial")
    rationale = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why they cannot both stand.",
    )

    def __init__(self, *args, statement: Statement, **kwargs):
        self.statement = statement
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        cleaned = super().clean()
        other = cleaned.get("other")
        if other is None:
            return cleaned
        if other.pk == self.statement.pk:
            self.add_error("other", "A statement cannot contradict itself.")
        elif Contradiction.objects.filter(
            first__in=[self.statement.pk, other.pk], second__in=[self.statement.pk, other.pk]
        ).exists():
            self.add_error("other", "These two statements are already linked.")
        return cleaned


# --- find-as-you-type pickers --------------------------------------------------

OPTIONS_LIMIT = 20


@dataclass
class Picker:
    """What the template needs to draw one speaker/via/claim picker."""

    field: str  # "speaker", "via" or "claim"
    label: str
    id_prefix: str
    chosen: object | None = None
    options: list = dc_field(default_factory=list)
    new_name: str = ""
    new_kind: str = Actor.Kind.PERSON
    errors: list = dc_field(default_factory=list)
    required: bool = False
    message: str = ""
    query: str = ""

    @property
    def kind_choices(self) -> list:
        return Actor.Kind.choices

    @property
    def select_id(self) -> str:
        return f"{self.id_prefix}{self.field}"


PICKER_LABELS = {"speaker": "Speaker", "via": "Via (spokesperson or reader)", "claim": "Claim"}


def actor_matches(q: str, limit: int = OPTIONS_LIMIT) -> list[Actor]:
    """Actors whose name or an alias matches `q` by relevance: an exact name or alias
    first, whole words before prefixes ("Sadr": Muqtada al-Sadr before Sadrist movement)."""
    actors = Actor.objects.prefetch_related("aliases").only("id", "name", "kind")
    query = Query.parse(q)
    actors = search_actors(actors, query) if q.strip() else actors.order_by("name", "id")
    return list(actors[:limit])


def claim_matches(q: str, limit: int = OPTIONS_LIMIT) -> list[Claim]:
    """Claims matching `q` by relevance (claims/search.py)."""
    claims = Claim.objects.only("id", "text", "status")
    query = Query.parse(q)
    claims = search_claims(claims, query) if q.strip() else claims.order_by("text", "id")
    return list(claims[:limit])


def picker_for(form: StatementForm, field: str) -> Picker:
    chosen = form.chosen(field)
    data = form.data if form.is_bound else form.initial
    typed = getattr(form, "typed_options", {}).get(field)
    return Picker(
        field=field,
        label=PICKER_LABELS[field],
        id_prefix=form.auto_id.replace("%s", ""),
        chosen=chosen,
        options=typed if typed else ([chosen] if chosen is not None else []),
        query=str(data.get(f"{field}_q", "")) if form.is_bound else "",
        new_name=data.get(
            f"{field}_new_name", data.get("claim_new_text", "") if field == "claim" else ""
        ),
        new_kind=data.get(f"{field}_new_kind", Actor.Kind.PERSON),
        errors=[
            e
            for name in (field, f"{field}_new_name", f"{field}_new_kind", f"{field}_new_text")
            for e in form.errors.get(name, [])
        ],
        required=field == "speaker",
    )


class SuggestionDecisionForm(forms.Form):
    """What a researcher may add when accepting a suggestion in one step: a claim (one of
    the candidates or any other) and the stance. Both or neither."""

    claim = forms.ModelChoiceField(
        Claim.objects.all(),
        required=False,
        error_messages={"invalid_choice": "That claim no longer exists."},
    )
    stance = forms.ChoiceField(choices=STANCE_CHOICES, required=False)

    def __init__(self, *args, suggestion=None, **kwargs):
        self.suggestion = suggestion
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        cleaned = super().clean()
        claim, stance = cleaned.get("claim"), cleaned.get("stance") or ""
        if claim is not None and not stance:
            self.add_error(
                "stance", "Say whether it asserts, denies or questions the claim, then accept."
            )
        if stance and claim is None and "claim" not in self.errors:
            self.add_error("claim", "A stance needs a claim: choose one, or accept without both.")
        cleaned["stance"] = stance
        return cleaned
