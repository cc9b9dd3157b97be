import lzma
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from cunwu.regions import codes
from cunwu.regions.importer import DATA_DIR, ImportRejected, import_regions
from cunwu.regions.models import Region

from .conftest import run

HEADERS = {
    "provinces": "code,name",
    "cities": "code,name,provinceCode",
    "areas": "code,name,cityCode,provinceCode",
    "streets": "code,name,areaCode,provinceCode,cityCode",
    "villages": "code,name,streetCode,provinceCode,cityCode,areaCode",
}


def write_edition(directory: Path, rows: dict[str, list[str]]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for stem, header in HEADERS.items():
        (directory / f"{stem}.csv").write_text("\n".join([header, *rows.get(stem, [])]) + "\n", encoding="utf-8")
    return directory


SMALL = {
    "provinces": ['99,"测试省"'],
    "cities": ['9901,"测试市",99'],
    "areas": ['990101,"测试县",9901,99'],
    "streets": ['990101100,"测试镇",990101,99,9901'],
    "villages": ['990101100200,"东村村委会",990101100,99,9901,990101',
                 '990101100001,"镇区社区居委会",990101100,99,9901,990101'],
}


def test_codes_levels_and_ranges():
    assert [codes.level_of(c) for c in ("22", "2203", "220322", "220322100", "220322100201")] == [1, 2, 3, 4, 5]
    assert codes.code_range("220322") == ("220322", "220323")
    assert codes.upper_bound("2209") == "220:"
    assert codes.parent_code("220322100201") == "220322100"
    for bad in ("", "2", "abc", "2203221", "22032210020１", "1234567890123"):
        with pytest.raises(codes.InvalidRegionCode):
            codes.level_of(bad)


@pytest.mark.django_db
def test_within_is_a_code_range_not_a_walk(django_assert_num_queries):
    with django_assert_num_queries(1):
        n = Region.objects.within("220322").count()
    assert n == 1 + 24 + 346  # the county, its 24 townships and 346 committees (source README)
    assert Region.objects.within("220322").filter(level=5).count() == 346


@pytest.mark.django_db
def test_small_edition_imports_once_and_later_edition_updates(tmp_path):
    first = import_regions(write_edition(tmp_path / "e1", SMALL), within="99")
    assert first.created == 6 and first.changed == 6
    village = Region.objects.get(code="990101100200")
    assert village.is_rural is True and village.parent_id == "990101100"
    assert Region.objects.get(code="990101100001").is_rural is False
    again = import_regions(tmp_path / "e1", within="99")
    assert again.changed == 0 and again.unchanged == 6

    later = dict(SMALL)
    later["villages"] = ['990101100200,"东风村委会",990101100,99,9901,990101',  # renamed
                         '990101100201,"西村村委会",990101100,99,9901,990101']  # new; the community vanished
    result = import_regions(write_edition(tmp_path / "e2", later), within="99", edition="2024")
    assert (result.created, result.updated, result.deactivated) == (1, 1, 1)
    assert Region.objects.get(code="990101100200").name == "东风村委会"
    gone = Region.objects.get(code="990101100001")  # never deleted, only inactive
    assert gone.active is False
    assert not Region.objects.active().filter(code="990101100001").exists()
    back = import_regions(tmp_path / "e1", within="99")
    assert back.reactivated == 1 and Region.objects.get(code="990101100001").active


@pytest.mark.django_db
def test_bad_rows_are_all_named_and_nothing_is_written(tmp_path):
    bad = dict(SMALL)
    bad["villages"] = [
        '990101100200,"东村村委会",990101100,99,9901,990101',
        '99010110020X,"坏代码",990101100,99,9901,990101',  # malformed code
        '990101100200,"重复",990101100,99,9901,990101',  # duplicate
        '990101999201,"无上级",990101999,99,9901,990101',  # parent missing everywhere
        '990101100203,"",990101100,99,9901,990101',  # no name
        '990101100204,"错上级",990101101,99,9901,990101',  # parent column disagrees with the code
    ]
    with pytest.raises(ImportRejected) as caught:
        import_regions(write_edition(tmp_path / "bad", bad), within="99")
    problems = "\n".join(caught.value.problems)
    for line in (3, 4, 5, 6, 7):
        assert f"villages.csv:{line}:" in problems
    assert "villages.csv:2:" not in problems
    assert not Region.objects.filter(code__startswith="99").exists()


@pytest.mark.django_db
def test_import_command_reports_bad_rows(tmp_path):
    bad = dict(SMALL)
    bad["streets"] = ['9901011X0,"坏",990101,99,9901']
    with pytest.raises(CommandError) as caught:
        run("regions", "import", "--from", str(write_edition(tmp_path / "bad", bad)), "--within", "99", "--no-progress")
    assert "streets.csv:2" in str(caught.value) and "nothing was written" in str(caught.value)
    with pytest.raises(CommandError):
        run("regions", "import", "--province", "2203", "--no-progress")


@pytest.mark.django_db
@pytest.mark.slow
def test_national_import_loads_every_division_and_a_second_run_changes_nothing():
    out = run("regions", "import", "--no-progress")
    assert Region.objects.count() == 665_276
    assert dict(Region.objects.values_list("level").annotate(n=__import__("django.db.models", fromlist=["Count"]).Count("code"))
                .values_list("level", "n")) == {1: 31, 2: 342, 3: 2978, 4: 41352, 5: 620573}
    assert "read 665276" in out
    out = run("regions", "import", "--no-progress")
    assert "created 0, updated 0, deactivated 0, reactivated 0, unchanged 665276" in out
    # irregular places load: cities without counties hang a same-named county row
    assert Region.objects.get(code="441900").parent_id == "4419"


def test_packaged_data_is_the_published_edition():
    import hashlib

    expected = {"provinces": "b17e76dab634e24e0f56021f15737c0a526dc7f0c4e39d21abeba5a8668383cd",
                "cities": "a9c818e8a5120189173668b40882ce8bf59a7ec2b057c49d7a724a04bec727f2"}
    for stem, digest in expected.items():
        assert hashlib.sha256(lzma.open(DATA_DIR / f"{stem}.csv.xz").read()).hexdigest() == digest


@pytest.mark.django_db
def test_region_api(client):
    body = client.get("/api/v1/regions/220322").json()
    assert body == {"code": "220322", "name": "梨树县", "level": "county", "parent": "2203", "is_rural": None, "active": True}
    children = client.get("/api/v1/regions/220322/children").json()
    assert len(children) == 24 and all(c["parent"] == "220322" for c in children)
    found = client.get("/api/v1/regions", {"q": "南杏山", "within": "220322"}).json()
    assert [r["code"] for r in found] == ["220322100201"]
    assert client.get("/api/v1/regions", {"q": "南杏山", "within": "220323"}).json() == []
    assert client.get("/api/v1/regions/999999").status_code == 404
    bad = client.get("/api/v1/regions/22X")
    assert bad.status_code == 422 and "区划代码" in bad.json()["detail"]
    english = client.get("/api/v1/regions/22X", HTTP_ACCEPT_LANGUAGE="en")
    assert "is not a region code" in english.json()["detail"]


@pytest.mark.django_db
def test_region_browser_pages(client):
    page = client.get("/regions/220322/")
    assert page.status_code == 200 and "梨树县" in page.content.decode() and "梨树镇" in page.content.decode()
    search = client.get("/regions/220322/", {"q": "南杏山"}).content.decode()
    assert "220322100201" in search
    assert client.get("/regions/22X/").status_code == 404
