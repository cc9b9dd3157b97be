"""Open311 GeoReport v2 at /open311/v2/, read as a partner system would: with the third-party `georeport` client
(discovery, services, a service definition, requests and one request, in JSON and in XML), and every documented
error in the specification's shape. Nothing personal is ever in an answer."""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from cunwu.audit.context import Actor
from cunwu.cases import services as cases
from cunwu.directory import seed

from .helpers import LISHU, TOWN_A, VILLAGE_A1, VILLAGE_A2, actor, person

pytestmark = pytest.mark.django_db
ROOT = "/open311/v2"


@pytest.fixture
def place():
    seed.seed_jilin(Actor.console())
    staff = actor(person("village_staff", VILLAGE_A1))
    villager = actor(person("villager", VILLAGE_A1, phone="13904345678"))
    lamp = cases.submit(villager, cases.CaseInput(village=VILLAGE_A1, title="王秀英家门口路灯不亮",
                                                  description="我叫王秀英，电话13904345678，家住三组", category="roads"))[0]
    insured = cases.submit(staff, cases.CaseInput(village=VILLAGE_A1, kind="application", item="22-YB-001",
                                                  answers={"phone": "13904341111", "insured_year": "2027"},
                                                  applicant_name="李大娘", consent="当面同意"))[0]
    cases.take(staff, insured.number)
    cases.resolve(staff, insured.number, "已为李大娘办好参保登记")
    other = cases.submit(actor(person("village_staff", VILLAGE_A2)), cases.CaseInput(
        village=VILLAGE_A2, title="桥面开裂", applicant_name="赵某", consent="当面同意"))[0]
    return {"lamp": lamp, "insured": insured, "other": other}


def _json(client, path, **query):
    answer = client.get(ROOT + path, query)
    return answer.status_code, answer.json()


def test_services_and_a_definition_in_json_and_xml(client, place):
    status, services = _json(client, "/services.json", jurisdiction_id=VILLAGE_A1)
    codes = {s["service_code"]: s for s in services}
    assert status == 200 and codes["22-YB-001"]["metadata"] is True and codes["22-YB-001"]["type"] == "realtime"
    assert codes["demand.roads"]["metadata"] is False and codes["demand.roads"]["service_name"]
    xml = ElementTree.fromstring(client.get(ROOT + "/services.xml", {"jurisdiction_id": VILLAGE_A1}).content)
    assert xml.tag == "services" and {s.findtext("service_code") for s in xml.findall("service")} == set(codes)
    status, definition = _json(client, "/services/22-YB-001.json", jurisdiction_id=VILLAGE_A1)
    attributes = {a["code"]: a for a in definition["attributes"]}
    assert attributes["insured_year"]["datatype"] == "number" and attributes["insured_year"]["required"] is True
    assert attributes["phone"]["datatype"] == "string" and attributes["phone"]["variable"] is True
    tree = ElementTree.fromstring(client.get(ROOT + "/services/22-YB-001.xml",
                                             {"jurisdiction_id": VILLAGE_A1}).content)
    assert tree.tag == "service_definition" and len(tree.findall("attributes/attribute")) == len(attributes)
    assert _json(client, "/services.json", jurisdiction_id=LISHU)[0] == 200  # a county is a jurisdiction too


def test_requests_are_listed_filtered_and_carry_nothing_personal(client, place):
    status, found = _json(client, "/requests.json", jurisdiction_id=VILLAGE_A1)
    by_id = {r["service_request_id"]: r for r in found}
    assert status == 200 and set(by_id) == {place["lamp"].number, place["insured"].number}  # not the other village
    lamp, insured = by_id[place["lamp"].number], by_id[place["insured"].number]
    assert (lamp["status"], insured["status"]) == ("open", "closed")
    assert lamp["service_code"] == "demand.roads" and insured["service_code"] == "22-YB-001"
    assert lamp["agency_responsible"] == "南杏山村" and lamp["expected_datetime"] and lamp["requested_datetime"]
    assert insured["status_notes"] and lamp["address_id"] == VILLAGE_A1
    body = client.get(ROOT + "/requests.json", {"jurisdiction_id": LISHU}).content.decode()
    for personal in ("王秀英", "13904345678", "13904341111", "李大娘", "三组", "赵某"):
        assert personal not in body, personal
    assert place["other"].number in body  # the county sees its villages' requests
    assert [r["service_request_id"] for r in _json(client, "/requests.json", jurisdiction_id=VILLAGE_A1,
                                                   status="closed")[1]] == [place["insured"].number]
    assert [r["service_request_id"] for r in _json(client, "/requests.json", jurisdiction_id=VILLAGE_A1,
                                                   service_code="demand.roads,22-YB-002")[1]] == [place["lamp"].number]
    listed = _json(client, "/requests.json", jurisdiction_id=VILLAGE_A1,
                   service_request_id=f"{place['insured'].number},{place['other'].number}")[1]
    assert [r["service_request_id"] for r in listed] == [place["insured"].number]  # another place's is not here
    past = (timezone.now() - dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _json(client, "/requests.json", jurisdiction_id=VILLAGE_A1, end_date=past)[1] == []
    one = ElementTree.fromstring(client.get(ROOT + f"/requests/{place['lamp'].number}.xml",
                                            {"jurisdiction_id": VILLAGE_A1}).content)
    assert one.tag == "service_requests" and one.findtext("request/status") == "open"


def test_the_agency_responsible_follows_the_case_up_the_chain(client, place):
    staff, township = actor(person("village_staff", VILLAGE_A1)), actor(person("township_officer", TOWN_A))
    housing = actor(person("department_officer", LISHU, department="housing"))

    def agency():
        return _json(client, f"/requests/{place['lamp'].number}.json", jurisdiction_id=LISHU)[1][0][
            "agency_responsible"]

    cases.escalate(staff, place["lamp"].number, "需要镇里协调")
    assert agency() == "梨树镇"
    cases.dispatch(township, place["lamp"].number, ["housing"])
    cases.sign_in(housing, place["lamp"].number)
    assert agency() == str(housing.user.assignments.get().department.get_kind_display())


def test_requests_come_a_page_at_a_time_newest_first(client, place):
    first = client.get(ROOT + "/requests.json", {"jurisdiction_id": VILLAGE_A1, "page_size": "1"})
    assert [r["service_request_id"] for r in first.json()] == [place["insured"].number]  # the newer of the two
    assert first["Link"] == (f'</open311/v2/requests.json?jurisdiction_id={VILLAGE_A1}&page_size=1&page=2>; '
                             'rel="next"')
    second = client.get(ROOT + "/requests.json", {"jurisdiction_id": VILLAGE_A1, "page_size": "1", "page": "2"})
    assert [r["service_request_id"] for r in second.json()] == [place["lamp"].number]
    third = client.get(ROOT + "/requests.json", {"jurisdiction_id": VILLAGE_A1, "page_size": "1", "page": "3"})
    assert third.json() == [] and "Link" not in third
    assert "Link" not in client.get(ROOT + "/requests.json", {"jurisdiction_id": VILLAGE_A1})  # all on one page


@pytest.mark.parametrize(("path", "query", "code"), [
    ("/services.json", {}, 400),  # no jurisdiction
    ("/services.json", {"jurisdiction_id": "999999"}, 404),
    ("/services/22-XX-999.json", {"jurisdiction_id": VILLAGE_A1}, 404),
    ("/requests.json", {"jurisdiction_id": VILLAGE_A1, "start_date": "yesterday"}, 400),
    ("/requests.json", {"jurisdiction_id": VILLAGE_A1, "start_date": "2026-01-01T00:00:00Z",
                        "end_date": "2026-06-01T00:00:00Z"}, 400),  # more than 90 days
    ("/requests.json", {"jurisdiction_id": VILLAGE_A1, "status": "pending"}, 400),
    ("/requests.json", {"jurisdiction_id": VILLAGE_A1, "end_date": "0001-01-02T00:00:00"}, 400),  # absurd
    ("/requests.json", {"jurisdiction_id": VILLAGE_A1, "start_date": "99999-01-01T00:00:00Z"}, 400),
    ("/requests/220322100201-20260101-0001.json", {"jurisdiction_id": VILLAGE_A1}, 404),
    ("/requests.json", {"jurisdiction_id": VILLAGE_A1, "page_size": "0"}, 400),
    ("/requests.json", {"jurisdiction_id": VILLAGE_A1, "page_size": "1001"}, 400),
    ("/requests.json", {"jurisdiction_id": VILLAGE_A1, "page": "-1"}, 400),
    ("/requests.json", {"jurisdiction_id": VILLAGE_A1, "page": "二"}, 400),
    ("/requests.json", {"jurisdiction_id": VILLAGE_A1, "page": "²"}, 400),  # a digit to isdigit(), not to int()
    ("/requests.yaml", {"jurisdiction_id": VILLAGE_A1}, 404),
    ("/services/22-YB-001.yaml", {"jurisdiction_id": VILLAGE_A1}, 404),
])
def test_every_error_answers_in_the_specifications_shape(client, place, path, query, code):
    answer = client.get(ROOT + path, query)
    assert answer.status_code == code
    errors = answer.json()
    assert errors[0]["code"] == code and errors[0]["description"]
    if path.endswith(".json") and code != 404 or "/requests/" in path:
        xml = client.get(ROOT + path.replace(".json", ".xml"), query)
        tree = ElementTree.fromstring(xml.content)
        assert xml.status_code == code and tree.tag == "errors" and tree.findtext("error/code") == str(code)


def test_a_partner_system_reads_with_a_third_party_open311_client(live_server, place):
    from georeport import GeoReport

    for fmt in ("json", "xml"):
        client = GeoReport(live_server.url + ROOT, jurisdiction=VILLAGE_A1, output_format=fmt)
        services = client.get_service_list()
        assert any(s["service_code"] == "22-YB-001" for s in services)
        definition = client.get_service_definition("22-YB-001")
        assert definition["service_code"] == "22-YB-001"
        listed = client.get_service_requests(status="open")
        listed = listed if isinstance(listed, list) else [listed]  # (xmltodict gives one request as a dict)
        assert [r["service_request_id"] for r in listed] == [place["lamp"].number]
        one = client.get_service_request(place["insured"].number)
        assert one["status"] == "closed" and one["service_code"] == "22-YB-001"
