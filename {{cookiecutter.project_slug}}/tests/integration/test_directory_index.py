"""The directory (user.search) reads an index on PostgreSQL, not the whole user table."""

import json
import uuid

import pytest

from testservers.live import base_env, manage, run_django

pytestmark = [pytest.mark.timeout(180)]

EXPLAIN = """
import json
from django.contrib.auth import get_user_model
from django.db import connection
from chat.selectors.people import directory
User = get_user_model()
User.objects.bulk_create([User(username=f"user{i:05}") for i in range(20_000)])
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")
me = User.objects.get(username="user00000")
print(json.dumps(directory(me, "User0123")[:20].explain()))
"""


def test_a_keystroke_is_an_index_scan_on_postgresql(tmp_path, postgres_server):
    database = f"directory_{uuid.uuid4().hex[:8]}"
    env = base_env(tmp_path, DATABASE_URL=postgres_server.create_database(database))
    manage(env, "migrate", "--no-input")
    plan = json.loads(run_django(env, EXPLAIN).strip().splitlines()[-1])
    assert "chat_user_username_prefix_idx" in plan, plan
    assert "Seq Scan on accounts_user" not in plan, plan
