from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from assets.filtersets import SearchFilterSet
from notifications.catalog import notice_choices
from notifications.choices import Channel, MessageStatus
from notifications.models import Message


class MessageFilterSet(SearchFilterSet):
    search_fields = ("recipient", "subject", "ref", "last_error")
    status = django_filters.MultipleChoiceFilter(choices=MessageStatus.choices(), label=_("Status"))
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices(), label=_("Channel"))
    template = django_filters.MultipleChoiceFilter(choices=notice_choices, label=_("Notice"))

    class Meta:
        model = Message
        fields = ["status", "channel", "template"]
