"""Every socket keeps its prepared queries for hours; thousands of sockets ask the same few
queries with values of their own. The SQL and the conversions are kept once per process and
shared (accounts.realtime.Prepared): each socket still gets its own answer, with its own values,
and a values_list whose order differs from the SQL's is not given another's order."""

from __future__ import annotations

import pytest
from django.db.models import F, Value
from django.db.models.functions import Concat

from accounts.models import Role, User
from accounts.realtime import Prepared
from tests.helpers import make_user

pytestmark = pytest.mark.django_db


def test_two_sockets_share_the_sql_and_each_gets_its_own_rows() -> None:
    ann = make_user("ann@example.org", [Role.PARTICIPANT], name="Ann")
    bo = make_user("bo@example.org", [Role.PARTICIPANT], name="Bo")
    for_ann = Prepared(User.objects.filter(pk=ann.pk).values_list("email", "date_joined"))
    for_bo = Prepared(User.objects.filter(pk=bo.pk).values_list("email", "date_joined"))
    assert for_ann.sql is for_bo.sql
    assert for_ann.converters is for_bo.converters
    assert for_ann.rows() == [(ann.email, ann.date_joined)]
    assert for_bo.rows() == [(bo.email, bo.date_joined)]
    # Changes show: the rows are asked anew each time, never kept.
    User.objects.filter(pk=bo.pk).update(email="bo2@example.org")
    assert for_bo.rows()[0][0] == "bo2@example.org"


def test_the_same_sql_in_another_order_keeps_its_own_order() -> None:
    ann = make_user("ann@example.org", [Role.PARTICIPANT], name="Ann")
    tagged = User.objects.filter(pk=ann.pk).annotate(tag=Concat(F("email"), Value("!")))
    tag_first = Prepared(tagged.values_list("tag", "email"))
    email_first = Prepared(tagged.values_list("email", "tag"))
    assert tag_first.rows() == [("ann@example.org!", "ann@example.org")]
    assert email_first.rows() == [("ann@example.org", "ann@example.org!")]
