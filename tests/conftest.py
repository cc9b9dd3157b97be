import os

import pytest
from django.core.management import call_command

from cunwu.regions.importer import import_regions

from .snapshots import built_once, restore, take

# Siping city (2203): Lishu County 220322 and its neighbours, enough for every isolation case
# (same village, sibling village, sibling township, another county).
TEST_SCOPE = "2203"


_SESSION_REGIONS: list[dict] = []


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from cunwu.regions.models import Region

    with django_db_blocker.unblock():
        import_regions(within=TEST_SCOPE)
        import_regions(within="220102")  # a county of another city (Changchun)
        import_regions(within="210102")  # a county of another province (Liaoning)
        _SESSION_REGIONS[:] = list(Region.objects.order_by("level", "code").values())
        # Jilin's, Siping's and Lishu's directories, which most tests ask for: published once per database, so a
        # test's own seed_jilin() finds them and returns (after a transactional test wiped them, it seeds again).
        from cunwu.audit.context import Actor
        from cunwu.directory import seed

        seed.seed_jilin(Actor.console())
        take("baseline")


ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")


def _weight(item) -> int:
    """The longest tests first, so that the processes of pytest-xdist (which steal from each other's queues) do
    not end waiting for one long test begun last."""
    if item.get_closest_marker("slow") or "test_every_page" in item.nodeid:
        return 0
    if item.get_closest_marker("browser") or "test_isolation_registry" in item.nodeid or "test_fuzz" in item.nodeid:
        return 1
    return 2


def pytest_collection_modifyitems(config, items):
    """Tests marked `once` run in the SQLite pass of `make test` only: what they check does not depend on the
    database (what a browser shows of the pages, a property of a pure function), and the PostgreSQL pass runs
    every service and path behind them."""
    items.sort(key=_weight)  # (stable: each file's order is kept)
    if ON_POSTGRES:
        skip = pytest.mark.skip(reason="the same on SQLite, where it runs")
        for item in items:
            if item.get_closest_marker("once"):
                item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test (the live server's) ends with the database wiped. Django runs those last; spread
    over processes (pytest-xdist) the next test of this process may be an ordinary one, so once the test's
    fixtures are torn down (the wipe included), the session's regions and directories are put back."""
    yield
    marker = item.get_closest_marker("django_db")
    names = getattr(item, "fixturenames", ())
    # (the live server asks for a transactional database from inside pytest-django: its name is not listed)
    wiped = "transactional_db" in names or "live_server" in names or bool(marker and marker.kwargs.get("transaction"))
    if wiped and _SESSION_REGIONS and nextitem is not None:  # (after the last test the database is gone)
        from pytest_django.plugin import blocking_manager_key

        from cunwu.audit.context import Actor
        from cunwu.directory import seed
        from cunwu.regions.models import Region

        with item.config.stash[blocking_manager_key].unblock():
            if restore("baseline")[0]:
                return
            Region.objects.bulk_create([Region(**row) for row in _SESSION_REGIONS], ignore_conflicts=True,
                                       batch_size=2000)
            seed.seed_jilin(Actor.console())  # (else every later test would seed again inside its own transaction)


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_refusals_held_from_before():
    """A test's transaction is rolled back, never committed: the refusals it held (see
    permissions.record_held_denials) are gone with it, not recorded by the next test's request."""
    from cunwu.accounts import permissions

    permissions.drop_held_denials()
    yield
    permissions.drop_held_denials()


@pytest.fixture(autouse=True)
def _own_audit_checkpoints(settings, tmp_path):
    """Each test keeps its own checkpoint key and file, and its own federation key (a shared file would outlive
    the test's database)."""
    settings.CUNWU = {**settings.CUNWU, "AUDIT_CHECKPOINT_KEY": str(tmp_path / "checkpoint.key"),
                      "AUDIT_CHECKPOINTS": str(tmp_path / "checkpoints.jsonl"),
                      "FEDERATION_KEY": str(tmp_path / "federation.key")}


@pytest.fixture
def regions_loaded(transactional_db):
    """For transactional tests (live server), which start from an empty database."""
    built_once("regions_loaded", lambda: import_regions(within="220322"))


def run(*args: str) -> str:
    """Run a `cunwu` command and return what it printed."""
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def huey_immediate():
    """Background tasks run at once, in the test's process (huey's immediate mode)."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield HUEY
    HUEY.immediate = False
