"""Public legal services: consultations and the knowledge base, and the service network with its coverage."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Router, Schema, Status

from cunwu.audit.context import Actor
from cunwu.dates import PlausibleDate

from . import services
from .models import Article, Consultation

router = Router(tags=["legal"])


class ConsultationIn(Schema):
    village: str
    question: str
    topic: str = "other"
    channel: str = ""
    asker_name: str = ""
    asker_phone: str = ""


class ConsultationOut(Schema):
    id: int
    village: str
    channel: str
    topic: str
    question: str
    state: str
    adviser: str | None
    created_at: dt.datetime
    due_at: dt.datetime | None
    overdue: bool
    answer: str
    answered_at: dt.datetime | None
    article: int | None


class AnswerIn(Schema):
    answer: str


class ArticleIn(Schema):
    title: str
    question: str
    answer: str


class NewArticleIn(ArticleIn):
    county: str
    topic: str = "other"


class ArticleOut(Schema):
    id: int
    title: str
    question: str
    answer: str
    topic: str
    region: str
    published_at: dt.datetime


class HitOut(ArticleOut):
    score: float


class PointIn(Schema):
    region: str
    kind: str
    name: str
    address: str = ""
    phone: str = ""
    hours: str = ""


class PointOut(Schema):
    id: int
    region: str
    kind: str
    name: str
    address: str
    phone: str
    hours: str


class CommitteeIn(Schema):
    region: str
    name: str = ""
    established_on: PlausibleDate | None = None


class MemberOut(Schema):
    id: int
    name: str
    sex: str
    position: str


class CommitteeOut(Schema):
    id: int
    region: str
    name: str
    members: list[MemberOut]
    problems: list[str]


class MemberIn(Schema):
    name: str
    sex: str
    position: str = "member"
    username: str = ""


class NetworkPersonIn(Schema):
    village: str
    name: str
    sex: str
    occupation: str = ""
    phone: str = ""


class NetworkPersonOut(Schema):
    id: int
    village: str
    name: str
    sex: str
    occupation: str


class TrainingIn(Schema):
    day: PlausibleDate
    topic: str
    hours: Decimal
    organiser: str = ""


class TrainingOut(Schema):
    id: int
    day: dt.date
    topic: str
    hours: Decimal
    organiser: str


class CoverageRowOut(Schema):
    code: str
    name: str
    villages: int
    with_adviser: int
    with_committee: int
    with_enough_people: int
    people: int


class CoverageLackingOut(Schema):
    code: str
    name: str
    missing: list[str]


class CoverageOut(Schema):
    region: str
    total: CoverageRowOut
    rows: list[CoverageRowOut]
    lacking: list[CoverageLackingOut] | None


def _actor(request) -> Actor:
    return Actor.from_request(request, "api")


def _consultation(c: Consultation) -> dict:
    return {"id": c.pk, "village": c.village_id, "channel": c.channel, "topic": c.topic, "question": c.question,
            "state": c.state, "adviser": c.adviser.display_name if c.adviser_id else None, "created_at": c.created_at,
            "due_at": c.due_at, "overdue": c.overdue, "answer": c.answer, "answered_at": c.answered_at,
            "article": c.article_id}


def _article(a: Article) -> dict:
    return {"id": a.pk, "title": a.title, "question": a.question, "answer": a.answer, "topic": a.topic,
            "region": a.region_code, "published_at": a.published_at}


def _committee(c) -> dict:
    members = [m for m in c.members.all() if m.left_on is None]
    return {"id": c.pk, "region": c.region_id, "name": c.name, "problems": services.committee_problems(c),
            "members": [{"id": m.pk, "name": m.name, "sex": m.sex, "position": m.position} for m in members]}


def _row(r: services.CoverageRow) -> dict:
    return {k: getattr(r, k) for k in ("code", "name", "villages", "with_adviser", "with_committee",
                                       "with_enough_people", "people")}


@router.post("/consultations", response={201: ConsultationOut}, summary="Ask the village's legal adviser")
def ask(request, data: ConsultationIn):
    """Villagers ask about their own village; village staff take a question in on someone's behalf; the county
    justice bureau records 12348 calls and visits (`channel` hotline or visit)."""
    return Status(201, _consultation(services.ask(_actor(request), services.ConsultationInput(**data.dict()))))


@router.get("/consultations", response=list[ConsultationOut], summary="Questions to answer (advisers, bureau)")
def queue(request, state: str = "open", limit: int = 100):
    rows = services.adviser_queue(_actor(request), state)
    return [_consultation(c) for c in rows[: max(1, min(limit, 500))]]


@router.get("/consultations/mine", response=list[ConsultationOut], summary="Questions I asked or took in")
def mine(request):
    return [_consultation(c) for c in services.my_consultations(_actor(request))[:200]]


@router.get("/consultations/{consultation_id}", response=ConsultationOut, summary="One consultation (read audited)")
def get_consultation(request, consultation_id: int):
    return _consultation(services.get_consultation(_actor(request), consultation_id))


@router.post("/consultations/{consultation_id}/answer", response=ConsultationOut, summary="Answer a question")
def answer(request, consultation_id: int, data: AnswerIn):
    return _consultation(services.answer(_actor(request), consultation_id, data.answer))


@router.post("/consultations/{consultation_id}/publish", response={201: ArticleOut},
             summary="Publish an answered question, anonymised, to the knowledge base")
def publish(request, consultation_id: int, data: ArticleIn):
    return Status(201, _article(services.publish(_actor(request), consultation_id, data.title, data.question,
                                                 data.answer)))


@router.get("/knowledge", response=list[HitOut], auth=None, summary="Search the knowledge base (public)")
def knowledge(request, q: str, village: str = "", limit: int = 10):
    return [{**_article(a), "score": score}
            for a, score in services.similar(q[:200], village.strip()[:12], max(1, min(limit, 50)))]


@router.post("/articles", response={201: ArticleOut}, summary="The justice bureau writes a knowledge-base article")
def write_article(request, data: NewArticleIn):
    return Status(201, _article(services.write_article(_actor(request), data.county, data.title, data.question,
                                                       data.answer, data.topic)))


@router.post("/points", response={201: PointOut}, summary="Add a public legal service point")
def add_point(request, data: PointIn):
    p = services.add_point(_actor(request), data.region, data.kind, data.name, data.address, data.phone, data.hours)
    return Status(201, {"id": p.pk, "region": p.region_id, "kind": p.kind, "name": p.name, "address": p.address,
                        "phone": p.phone, "hours": p.hours})


@router.post("/committees", response=CommitteeOut, summary="Set up (or rename) a people's mediation committee")
def set_committee(request, data: CommitteeIn):
    return _committee(services.set_committee(_actor(request), data.region, data.name, data.established_on))


@router.post("/committees/{committee_id}/members", response={201: CommitteeOut}, summary="Add a committee member")
def add_member(request, committee_id: int, data: MemberIn):
    member = services.add_member(_actor(request), committee_id, data.name, data.sex, data.position, data.username)
    return Status(201, _committee(member.committee))


@router.delete("/members/{member_id}", response=CommitteeOut, summary="A member leaves the committee")
def remove_member(request, member_id: int):
    return _committee(services.remove_member(_actor(request), member_id).committee)


@router.post("/understanding-people", response={201: NetworkPersonOut}, summary="Register a legal-understanding person")
def add_person(request, data: NetworkPersonIn):
    p = services.add_understanding_person(_actor(request), data.village, data.name, data.sex, data.occupation,
                                          data.phone)
    return Status(201, {"id": p.pk, "village": p.village_id, "name": p.name, "sex": p.sex,
                        "occupation": p.occupation})


@router.post("/understanding-people/{person_id}/trainings", response={201: TrainingOut},
             summary="Record a training of a legal-understanding person")
def add_training(request, person_id: int, data: TrainingIn):
    t = services.record_training(_actor(request), person_id, data.day, data.topic, data.hours, data.organiser)
    return Status(201, {"id": t.pk, "day": t.day, "topic": t.topic, "hours": t.hours, "organiser": t.organiser})


@router.get("/coverage", response=CoverageOut, summary="Villages lacking an adviser, a committee or enough "
                                                       "legal-understanding people")
def coverage(request, region: str):
    place, rows, total = services.coverage(_actor(request), region)
    return {"region": place.code, "total": _row(total), "rows": [_row(r) for r in rows],
            "lacking": [{"code": c, "name": n, "missing": m} for c, n, m in total.lacking]
            if total.lacking is not None else None}


from .api_files import router as files_router  # noqa: E402  (legal aid, mediation, publicity, figures)

router.add_router("", files_router)
