"""Generic server-rendered views: list, detail (with history and journal), edit and delete.

Per-model views declare `model`, `filterset_class`, `columns`, `form_class` and a
`save_object()`; everything else (scoping, permissions, filters, sorting, pagination,
export links, change history, journal) is done once here.

Permissions are enforced here and not by the templates: every object comes from
`scope_queryset()` (another school's object is a 404) and every write checks `can()`
(403). Buttons are hidden too, but only as a courtesy. Writes go through the app's
services, never `form.save()`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Manager, Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import date as date_filter
from django.urls import NoReverseMatch, reverse
from django.utils.encoding import force_str
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import ListView, TemplateView

from core.choices import ChoiceSet
from core.models import ChangeAction, JournalEntry, JournalKind, ObjectChange
from core.roles import ADD, CHANGE, DELETE, VIEW, can, scope_queryset
from core.selectors import changes_for, journal_for
from core.services import journal_entry_create

EMPTY = "—"
EXPORT_FORMATS = ("csv", "xlsx")


# --------------------------------------------------------------------------- rendering helpers


def badge(choices: type[ChoiceSet], value: Any) -> SafeString:
    """A Bootstrap badge with the choice's translated label and colour."""
    if value in (None, ""):
        return mark_safe(EMPTY)
    colour = choices.colour(value)
    text = "text-bg-light border" if colour == "light" else f"text-bg-{colour}"
    return format_html('<span class="badge {}">{}</span>', text, choices.label(value))


def display_value(value: Any) -> SafeString | str:
    """One value as a person reads it, localised (dates, numbers) and escaped."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.datetime):
        return date_filter(value, "DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return date_filter(value, "DATE_FORMAT")
    if isinstance(value, dt.time):
        return date_filter(value, "TIME_FORMAT")
    if isinstance(value, int):
        return intcomma(value)
    if isinstance(value, Decimal | float):
        return localize(value)
    if isinstance(value, Manager):
        items = list(value.all())
        if not items:
            return EMPTY
        if hasattr(items[0], "color"):  # tags carry their own colour
            return format_html_join(
                " ",
                '<span class="badge border text-body" style="border-color:{} !important">{}</span>',
                ((getattr(i, "color", ""), i) for i in items),
            )
        return format_html("<bdi>{}</bdi>", ", ".join(str(i) for i in items))
    # <bdi> isolates each value's direction: a phone number or a Latin model name stays in order in RTL.
    return format_html("<bdi>{}</bdi>", force_str(value))


def resolve(obj: Any, accessor: str) -> Any:
    """Follow a dotted path ("school.directorate.name"); None anywhere on the way gives None."""
    for part in accessor.split("."):
        if obj is None:
            return None
        obj = getattr(obj, part)
        if callable(obj) and not isinstance(obj, Manager | Model):
            obj = obj()
    return obj


def model_field(model: type[Model], accessor: str):
    """The model field an accessor ends on, or None (properties, annotations)."""
    try:
        for part in accessor.split(".")[:-1]:
            model = model._meta.get_field(part).related_model
        return model._meta.get_field(accessor.split(".")[-1])
    except (FieldDoesNotExist, AttributeError):
        return None


@dataclass(frozen=True)
class Column:
    """One column of a list, or one row of a detail page's field table.

    `link=True` links the cell to the row's own page; `link="value"` links to the
    value's page (a school column linking to that school). `choices` renders a badge.
    `sort` names the ORM field the column sorts by (None: not sortable).
    """

    accessor: str
    label: Any = None
    sort: str | None = None
    link: bool | str = False
    choices: type[ChoiceSet] | None = None
    render_fn: Callable[[Any], Any] | None = None

    def header(self, model: type[Model]) -> str:
        if self.label is not None:
            return force_str(self.label)
        field = model_field(model, self.accessor)
        return force_str(field.verbose_name) if field is not None else self.accessor

    def render(self, obj: Any) -> SafeString | str:
        if self.render_fn is not None:
            return self.render_fn(obj)
        value = resolve(obj, self.accessor)
        html = badge(self.choices, value) if self.choices is not None else display_value(value)
        if value in (None, ""):
            return html
        url = None
        if self.link == "value":
            url = _url_of(value)
        elif self.link:
            url = _url_of(obj)
        return format_html('<a href="{}">{}</a>', url, html) if url else html


def _url_of(obj: Any) -> str | None:
    try:
        return obj.get_absolute_url()
    except (AttributeError, NoReverseMatch):
        return None


def style_form(form: forms.BaseForm) -> forms.BaseForm:
    """Bootstrap classes on every widget, and `is-invalid` on fields with errors."""
    errors = form.errors if form.is_bound else {}
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        else:
            css = "form-control"
        classes = [c for c in widget.attrs.get("class", "").split() if c not in ("is-invalid",)]
        if css and css not in classes:
            classes.append(css)
        if name in errors:
            classes.append("is-invalid")
        widget.attrs["class"] = " ".join(classes)
    return form


def scope_form_fields(form: forms.BaseForm, user) -> forms.BaseForm:
    """Limit every model-choice field to what `user` may see (no other school's names in a dropdown).

    `select_related()` (all non-null foreign keys) keeps option labels such as
    "school — location" from costing one query per option.
    """
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField) and field.queryset is not None:
            field.queryset = scope_queryset(field.queryset.select_related(), user)
    return form


def apply_validation_error(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form, field by field where the form has the field."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            # Errors on fields the form does not show (or __all__) go to the top of the form.
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def url_name(model: type[Model], action: str) -> str:
    """Our convention: `<app_label>:<model_name>_<action>` (assets:school_edit)."""
    return f"{model._meta.app_label}:{model._meta.model_name}_{action}"


def reverse_or_none(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


# --------------------------------------------------------------------------- mixins


class ActionPermissionMixin(LoginRequiredMixin):
    """Anonymous users go to the login page; a signed-in user needs `can(user, action, model)`."""

    model: type[Model]
    permission_action: str = VIEW

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not can(request.user, self.get_permission_action(), self.model):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_permission_action(self) -> str:
        return self.permission_action


class ScopedQuerysetMixin:
    """Objects always come through `scope_queryset`, from `base_queryset()` (a selector)."""

    model: type[Model]
    request: HttpRequest
    queryset_function: Callable[[], QuerySet] | None = None

    def base_queryset(self) -> QuerySet:
        if self.queryset_function is not None:
            return type(self).queryset_function()  # a plain function stored on the class
        return self.model._default_manager.all()

    def scoped_queryset(self) -> QuerySet:
        return scope_queryset(self.base_queryset(), self.request.user)

    def get_scoped_object(self) -> Model:
        return get_object_or_404(self.scoped_queryset(), pk=self.kwargs["pk"])

    def permissions_context(self, obj: Model | None = None) -> dict[str, Any]:
        user = self.request.user
        model = self.model
        return {
            "model": model,
            "verbose_name": model._meta.verbose_name,
            "verbose_name_plural": model._meta.verbose_name_plural,
            "can_add": can(user, ADD, model),
            "can_change": can(user, CHANGE, model),
            "can_delete": can(user, DELETE, model),
            "list_url": reverse_or_none(url_name(model, "list")),
            "add_url": reverse_or_none(url_name(model, "add")),
            "edit_url": reverse_or_none(url_name(model, "edit"), obj.pk) if obj is not None else None,
            "delete_url": reverse_or_none(url_name(model, "delete"), obj.pk) if obj is not None else None,
        }


# --------------------------------------------------------------------------- list


class ObjectListView(ActionPermissionMixin, ScopedQuerysetMixin, ListView):
    """A filtered, sorted, paginated list; `?export=csv|xlsx` exports the same filtered rows."""

    template_name = "core/object_list.html"
    filterset_class: type | None = None
    columns: list[Column] = []
    paginate_by = 50
    export_kind: str | None = None
    title: Any = None

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        fmt = request.GET.get("export")
        if fmt is not None and self.export_kind:
            if fmt not in EXPORT_FORMATS:
                return HttpResponseBadRequest(_("Unknown export format."))
            return self.export_response(self.get_queryset(), fmt)
        return super().get(request, *args, **kwargs)

    def export_response(self, queryset: QuerySet, fmt: str) -> HttpResponse:
        raise NotImplementedError("an app's list view provides its exporter")

    def get_filterset(self, queryset: QuerySet):
        if self.filterset_class is None:
            return None
        data = self.request.GET.copy()
        for key in ("page", "sort", "export"):
            data.pop(key, None)
        filterset = self.filterset_class(data or None, queryset=queryset, request=self.request)
        scope_form_fields(filterset.form, self.request.user)
        return filterset

    def sort_fields(self) -> dict[str, str]:
        return {c.sort: c.sort for c in self.columns if c.sort}

    def current_sort(self) -> str | None:
        sort = self.request.GET.get("sort", "")
        return sort if sort.lstrip("-") in self.sort_fields() else None

    def get_queryset(self) -> QuerySet:
        queryset = self.scoped_queryset()
        self.filterset = self.get_filterset(queryset)
        if self.filterset is not None:
            queryset = self.filterset.qs
        sort = self.current_sort()
        if sort:
            # The primary key last keeps pages stable when the sort field has ties.
            queryset = queryset.order_by(sort, "pk")
        elif not queryset.ordered:
            # Django leaves Meta.ordering out of GROUP BY queries (annotated counts): say it again.
            queryset = queryset.order_by(*(self.model._meta.ordering or []), "pk")
        return queryset

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        can_change = can(user, CHANGE, self.model)
        edit_name = url_name(self.model, "edit")
        rows = []
        for obj in context["object_list"]:
            rows.append(
                {
                    "object": obj,
                    "cells": [column.render(obj) for column in self.columns],
                    "edit_url": reverse_or_none(edit_name, obj.pk) if can_change else None,
                }
            )
        params = self.request.GET.copy()
        params.pop("page", None)
        params.pop("export", None)
        sort = self.current_sort()
        headers = []
        for column in self.columns:
            header: dict[str, Any] = {"label": column.header(self.model), "url": None, "direction": None}
            if column.sort:
                next_sort = f"-{column.sort}" if sort == column.sort else column.sort
                header["direction"] = "asc" if sort == column.sort else "desc" if sort == f"-{column.sort}" else None
                query = params.copy()
                query["sort"] = next_sort
                header["url"] = "?" + query.urlencode()
            headers.append(header)
        export_links = []
        if self.export_kind:
            for fmt in EXPORT_FORMATS:
                query = params.copy()
                query["export"] = fmt
                export_links.append({"format": fmt.upper(), "url": "?" + query.urlencode()})
        filter_form = style_form(self.filterset.form) if self.filterset is not None else None
        context.update(self.permissions_context())
        context.update(
            {
                "title": self.title or self.model._meta.verbose_name_plural,
                "headers": headers,
                "rows": rows,
                "filter_form": filter_form,
                "filters_active": any(k not in ("q", "page", "sort") and v for k, v in self.request.GET.items()),
                "export_links": export_links,
                "total": context["paginator"].count if context.get("paginator") else len(rows),
            }
        )
        return context


# --------------------------------------------------------------------------- detail


class JournalEntryForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=JournalKind.choices(), initial=JournalKind.INFO)
    comments = forms.CharField(label=gettext_lazy("Note"), widget=forms.Textarea(attrs={"rows": 3}))


class ObjectDetailView(ActionPermissionMixin, ScopedQuerysetMixin, TemplateView):
    """One object: its fields, its related lists (per model), the change history and the journal.

    POSTing the journal form (prefix `journal`) adds a note through `journal_entry_create`.
    """

    fields: list[Column] = []
    history_limit = 100

    def get_template_names(self) -> list[str]:
        meta = self.model._meta
        return [f"{meta.app_label}/{meta.model_name}_detail.html", "core/object_detail.html"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_scoped_object()
        return self.render_to_response(self.get_context_data())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_scoped_object()
        if not can(request.user, ADD, JournalEntry):
            raise PermissionDenied
        form = JournalEntryForm(request.POST, prefix="journal")
        if form.is_valid():
            try:
                journal_entry_create(
                    obj=self.object,
                    user=request.user,
                    kind=form.cleaned_data["kind"],
                    comments=form.cleaned_data["comments"],
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("The note was added to the journal."))
                return HttpResponseRedirect(request.path + "#journal")
        return self.render_to_response(self.get_context_data(journal_form=form), status=400)

    def extra_context_data(self) -> dict[str, Any]:
        """Per-model related lists."""
        return {}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        obj = self.object
        user = self.request.user
        journal_form = kwargs.get("journal_form")
        if journal_form is None and can(user, ADD, JournalEntry):
            journal_form = JournalEntryForm(prefix="journal")
        journal = list(journal_for(obj)[: self.history_limit])
        for entry in journal:
            entry.kind_badge = badge(JournalKind, entry.kind)
        context.update(self.permissions_context(obj))
        context.update(
            {
                "object": obj,
                "title": str(obj),
                "field_rows": [(column.header(self.model), column.render(obj)) for column in self.fields],
                "changes": history_rows(obj, user, limit=self.history_limit),
                "journal": journal,
                "journal_form": style_form(journal_form) if journal_form is not None else None,
            }
        )
        context.update(self.extra_context_data())
        return context


def history_rows(obj: Model, user, *, limit: int = 100) -> list[dict[str, Any]]:
    """The object's changes, newest first, each with its diff as readable (field, before, after) rows.

    Foreign keys are shown by name, resolved in one query per related model and through
    `scope_queryset`, so the history never names an object the user may not see.
    """
    changes: list[ObjectChange] = list(changes_for(obj)[:limit])
    model = type(obj)
    wanted: dict[type[Model], set[Any]] = {}
    for change in changes:
        for name, values in change.diff.items():
            field = _concrete_field(model, name)
            if field is not None and field.is_relation and field.related_model is not None:
                for value in values:
                    ids = value if isinstance(value, list) else [value]
                    wanted.setdefault(field.related_model, set()).update(i for i in ids if i is not None)
    names: dict[type[Model], dict[Any, str]] = {}
    for related, ids in wanted.items():
        queryset = scope_queryset(related._default_manager.filter(pk__in=ids).select_related(), user)
        names[related] = {o.pk: str(o) for o in queryset}

    def show(field, value: Any) -> str:
        if value is None or value == "" or value == []:
            return EMPTY
        if field is None:
            return force_str(value)
        if field.is_relation and field.related_model is not None:
            ids = value if isinstance(value, list) else [value]
            return ", ".join(names.get(field.related_model, {}).get(i, f"#{i}") for i in ids)
        if field.choices:
            return force_str(dict(field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if isinstance(value, list):
            return ", ".join(force_str(v) for v in value)
        return force_str(value)

    rows = []
    for change in changes:
        diff = []
        for name, (before, after) in change.diff.items():
            field = _concrete_field(model, name)
            label = force_str(field.verbose_name) if field is not None else name
            diff.append({"field": label, "before": show(field, before), "after": show(field, after)})
        rows.append(
            {
                "change": change,
                "user": change.user_name or (change.user.get_username() if change.user else ""),
                "action_badge": badge(ChangeAction, change.action),
                "diff": diff,
            }
        )
    return rows


def _concrete_field(model: type[Model], name: str):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


# --------------------------------------------------------------------------- add / edit


class ObjectEditView(ActionPermissionMixin, ScopedQuerysetMixin, TemplateView):
    """Add (no `pk` in the URL) or edit an object through a ModelForm and the app's service.

    Subclasses set `form_class` and implement `save_object(form) -> obj`, which calls the
    service; a ValidationError from the service is shown on the form, field by field.
    """

    template_name = "core/object_edit.html"
    form_class: type[forms.ModelForm]

    def get_permission_action(self) -> str:
        return CHANGE if "pk" in self.kwargs else ADD

    def get_object(self) -> Model | None:
        return self.get_scoped_object() if "pk" in self.kwargs else None

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"instance": self.object, "initial": self.get_initial()}
        if self.request.method == "POST":
            kwargs.update({"data": self.request.POST, "files": self.request.FILES})
        return kwargs

    def get_initial(self) -> dict[str, Any]:
        """Prefill an add form from the query string (?school=3 from a school's page)."""
        if self.object is not None:
            return {}
        return {k: v for k, v in self.request.GET.items() if k in self.form_class.base_fields}

    def get_form(self) -> forms.ModelForm:
        form = self.form_class(**self.get_form_kwargs())
        return scope_form_fields(form, self.request.user)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        form = self.get_form()
        if form.is_valid():
            try:
                obj = self.save_object(form)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                if self.object is None:
                    messages.success(request, _("Created %(object)s.") % {"object": obj})
                else:
                    messages.success(request, _("Saved %(object)s.") % {"object": obj})
                return HttpResponseRedirect(self.get_success_url(obj))
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def save_object(self, form: forms.ModelForm) -> Model:
        raise NotImplementedError

    def get_success_url(self, obj: Model) -> str:
        return obj.get_absolute_url()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(self.permissions_context(self.object))
        meta = self.model._meta
        if self.object is None:
            title = _("Add %(model)s") % {"model": meta.verbose_name}
            cancel_url = context.get("list_url")
        else:
            title = _("Edit %(object)s") % {"object": self.object}
            cancel_url = self.object.get_absolute_url()
        context.update(
            {"object": self.object, "title": title, "cancel_url": cancel_url, "form": style_form(kwargs["form"])}
        )
        return context


# --------------------------------------------------------------------------- delete


class ObjectDeleteView(ActionPermissionMixin, ScopedQuerysetMixin, TemplateView):
    """Confirm, then delete through `delete_object()`; a protected object shows why it stays."""

    template_name = "core/object_delete.html"
    permission_action = DELETE

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_scoped_object()
        return self.render_to_response(self.get_context_data())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_scoped_object()
        name = str(self.object)
        try:
            self.delete_object(self.object)
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(errors=exc.messages), status=409)
        messages.success(request, _("Deleted %(object)s.") % {"object": name})
        return HttpResponseRedirect(self.get_success_url())

    def delete_object(self, obj: Model) -> None:
        raise NotImplementedError

    def get_success_url(self) -> str:
        return reverse(url_name(self.model, "list"))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(self.permissions_context(self.object))
        context.update(
            {
                "object": self.object,
                "title": _("Delete %(object)s") % {"object": self.object},
                "cancel_url": _url_of(self.object) or context.get("list_url"),
            }
        )
        return context


def querystring(base: str, **params: Any) -> str:
    """`base?k=v…` without empty values."""
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{base}?{urlencode(clean, doseq=True)}" if clean else base


def choice_counts(choices: type[ChoiceSet], counts: dict[str, int], *, zeros: bool = True) -> list[dict[str, Any]]:
    """[{value, label, colour, count}] in the choice set's order (for dashboards and summaries)."""
    rows = []
    for value in choices.values():
        count = counts.get(value, 0)
        if count or zeros:
            rows.append(
                {
                    "value": value,
                    "label": choices.label(value),
                    "colour": choices.colour(value),
                    "count": count,
                    "badge": badge(choices, value),
                }
            )
    return rows
