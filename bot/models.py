"""Every table of the bot, in one place.

Privacy by design: a person is a chat id plus the few choices they made. No names, no phone numbers, no free
text. Every table that holds something about a person has a `person_id` column: `/forget` and the data export
find those tables by that column, so a new table is covered the day it is added.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlmodel import Field, SQLModel

PERSON_COLUMN = "person_id"
# Marks a column of a person's row that is about someone else, and so stays out of their data export.
PRIVATE = "not_exported"


def as_utc(moment: datetime) -> datetime:
    """A stored time, aware: every time is written in UTC, but SQLite gives it back without its zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# Statuses, stored as their string values (the columns are VARCHAR: no migration, readable in SQL).
# "sending" is two things: a run in progress, and an outbox row handed to Telegram; hence two enums.


class TicketStatus(StrEnum):
    OPEN = "open"  # waiting for a referent
    TAKEN = "taken"  # a referent took it: the conversation is relayed
    CLOSED = "closed"


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"  # waiting for a second coordinator's approval
    APPROVED = "approved"  # scheduled: its runs start when due
    PAUSED = "paused"
    CANCELLED = "cancelled"
    DONE = "done"  # its last run finished
    MISSED = "missed"  # a one-off campaign whose only run was missed


class RunStatus(StrEnum):
    SENDING = "sending"  # the run is in progress
    DONE = "done"
    CANCELLED = "cancelled"
    MISSED = "missed"  # due while the bot was stopped, past the grace period: not sent


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for its moment (and for quiet hours to end, when `held`)
    IN_FLIGHT = "sending"  # handed to the sender: after a crash, possibly delivered
    SENT = "sent"
    FAILED = "failed"
    UNREACHABLE = "unreachable"  # the person blocked the bot or deleted their account
    OPTED_OUT = "opted_out"
    CAPPED = "capped"  # the weekly cap of campaign messages per person was reached
    PAUSED = "paused"  # its campaign is paused
    CANCELLED = "cancelled"


class Person(SQLModel, table=True):
    """Someone who accepted the privacy notice. Nothing exists here before they do."""

    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, unique=True, nullable=False, index=True))
    language: str = Field(max_length=8)
    role: str = Field(max_length=16)
    territory: str = Field(max_length=32)
    messages_enabled: bool = True
    # The deep-link code (poster, partner, neighbourhood) the person came from, for anonymous attribution.
    source: str | None = Field(default=None, max_length=64)
    consented_at: datetime
    # Day precision only: enough to delete people who stopped using the bot, not enough to follow them.
    last_active_on: date
    # Review questions and "you left a module unfinished" nudges; off with /settings.
    training_reminders: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    # Telegram said the chat is gone (bot blocked, account deleted): no campaign targets them until they
    # write to the bot again.
    unreachable: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class Attribution(SQLModel, table=True):
    """How many people joined per deep-link code, territory and month: a count, never a person."""

    __tablename__ = "attribution"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=64)
    territory: str = Field(max_length=32)
    month: str = Field(max_length=7)  # "2026-11"
    joined: int = 0

    __table_args__ = (UniqueConstraint("source", "territory", "month"),)


class Subscription(SQLModel, table=True):
    """What optional messages a person asked for, such as the card of the week."""

    __tablename__ = "subscription"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    topic: str = Field(max_length=32)

    __table_args__ = (UniqueConstraint("person_id", "topic"),)


class MythCount(SQLModel, table=True):
    """Right and wrong answers per myth card, territory and month: how beliefs shift, never who answered."""

    __tablename__ = "myth_count"

    id: int | None = Field(default=None, primary_key=True)
    myth: str = Field(max_length=32)
    territory: str = Field(max_length=32)
    month: str = Field(max_length=7)
    correct: int = 0
    mistaken: int = 0

    __table_args__ = (UniqueConstraint("myth", "territory", "month"),)


class Ticket(SQLModel, table=True):
    """A request to be contacted by a local professional: only its territory, topic and number.

    The messages relayed through it are never stored. The ticket goes a while after it is closed.
    """

    __tablename__ = "ticket"

    id: int | None = Field(default=None, primary_key=True)  # the request's number, shown to both sides
    person_id: int = Field(
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    territory: str = Field(max_length=32)
    topic: str = Field(max_length=32)
    status: str = Field(default=TicketStatus.OPEN, max_length=8, index=True)  # a TicketStatus
    # The referent who took it: their Telegram id, needed to relay while the conversation lasts, cleared
    # when it ends, and never shown to the person (left out of their export, see `PRIVATE`).
    referent_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, nullable=True, index=True, info={PRIVATE: True})
    )
    # The announcement in the referents' chat, edited as the request moves; not the person's business either.
    referents_message_id: int | None = Field(
        default=None, sa_column=Column(Integer, nullable=True, info={PRIVATE: True})
    )
    reminders: int = 0
    created_at: datetime
    taken_at: datetime | None = None
    reminded_at: datetime | None = None
    closed_at: datetime | None = None
    # The referent's first relayed message: set once, so the request counts as answered once.
    answered_at: datetime | None = None

    # The database keeps "one request at a time per person" and "one conversation at a time per referent"
    # true even when two presses (or two instances) check and write at the same moment.
    __table_args__ = (
        Index(
            "uq_ticket_live_person",
            "person_id",
            unique=True,
            sqlite_where=text("status IN ('open', 'taken')"),
            postgresql_where=text("status IN ('open', 'taken')"),
        ),
        Index(
            "uq_ticket_taken_referent",
            "referent_id",
            unique=True,
            sqlite_where=text("status = 'taken'"),
            postgresql_where=text("status = 'taken'"),
        ),
        # The id is the number both sides see: SQLite must never hand out a deleted request's number again
        # (PostgreSQL's sequence never does).
        {"sqlite_autoincrement": True},
    )


class Invite(SQLModel, table=True):
    """A code a coordinator hands out so that professionals are recorded as verified."""

    __tablename__ = "invite"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True, index=True)
    territory: str | None = Field(default=None, max_length=32)
    kind: str | None = Field(default=None, max_length=16)  # teacher, youth_worker, coach...
    uses_left: int
    expires_at: datetime
    created_at: datetime


class Professional(SQLModel, table=True):
    """A person recorded as a verified professional, through an invite."""

    __tablename__ = "professional"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, unique=True)
    )
    kind: str | None = Field(default=None, max_length=16)  # from the invite: which modules come first
    verified_at: datetime


class Progress(SQLModel, table=True):
    """Where a person stands in a module: the card they are on, attempts and best score."""

    __tablename__ = "progress"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    module: str = Field(max_length=32)
    card: int = 0
    attempts: int = 0
    best_score: int = 0  # percent
    # The quiz in progress, kept here rather than in the buttons so that a score cannot be forged.
    quiz_question: int | None = None
    quiz_points: int = 0
    reviews_sent: int = 0  # spaced review: one question about 3 days after passing, another about 10
    nudged: bool = False  # a single nudge when a module is left unfinished
    started_at: datetime
    updated_at: datetime
    passed_at: datetime | None = None

    __table_args__ = (UniqueConstraint("person_id", "module"),)


class Certificate(SQLModel, table=True):
    """A passed module's attestation: what `/verify CODE` and the public page check.

    It keeps the name printed on it, so that a copy showing another name is caught; being the holder's,
    the row goes with them on /forget (and the code then verifies nothing)."""

    __tablename__ = "certificate"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True, index=True)
    module: str = Field(max_length=32)
    score: int
    issued_on: date
    # NULL on the certificates issued before names were kept: they name nobody and belong to nobody.
    person_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=True, index=True),
    )
    holder_name: str | None = Field(default=None, max_length=80)  # as printed; None: printed without one
    territory: str | None = Field(default=None, max_length=20)  # the commune named on it as the issuer


class CoordinatorGrant(SQLModel, table=True):
    """A coordinator added with /grant, on top of the COORDINATORS setting. Staff, not a person's data."""

    __tablename__ = "coordinator"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(BigInteger, unique=True, nullable=False))
    granted_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    granted_at: datetime
    # The territories this coordinator sees, targets, approves and exports; None: the whole deployment.
    territories: list[str] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True)
    )
    # The name other coordinators see in the audit, approvals and grants, instead of a Telegram id.
    display_name: str | None = Field(default=None, max_length=64)


class AuditEntry(SQLModel, table=True):
    """One administrative action: who (a coordinator's Telegram id), what, when, on which campaign."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    actor_id: int = Field(sa_column=Column(BigInteger, nullable=False))  # 0: the bot itself
    action: str = Field(max_length=24)
    campaign_id: int | None = None
    detail: str = Field(default="", max_length=200)
    # The territories the action was about (a grant, an invite), so that a territory coordinator reads only
    # the entries about theirs; None: the whole deployment, or a campaign's (read from its audience).
    territories: list[str] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True)
    )


class Campaign(SQLModel, table=True):
    """A broadcast: its message per language, its audience, its schedule and where it stands.

    `status`: draft, pending (waiting for a second coordinator), approved (goes out when due), paused,
    cancelled, done, missed. Only approved campaigns are ever sent.
    """

    __tablename__ = "campaign"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=64)
    created_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime
    status: str = Field(default=CampaignStatus.DRAFT, max_length=12, index=True)  # a CampaignStatus
    # {"fr": {"text": "...", "photo": file_id, "document": file_id}, "item": "myth:id"}
    messages: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # {"roles": [...], "territories": [...], "languages": [...], "topics": [...], "sources": [...]}
    audience: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    schedule: str = Field(default="now", max_length=8)  # now, once, weekly
    # Wall-clock time of a once or weekly send, read in each recipient's zone when `local_time`.
    on_date: date | None = None
    weekday: int | None = None  # 0 = Monday
    time_of_day: str | None = Field(default=None, max_length=5)  # "18:00"
    local_time: bool = True
    urgent: bool = False
    sequence: str | None = Field(default=None, max_length=32)  # set for a content file's weekly series
    approved_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    approved_at: datetime | None = None
    next_run_at: datetime | None = Field(default=None, index=True)
    runs: int = 0
    # Raised at each submission: an approval button names the version it was sent for.
    revision: int = 0


class CampaignRun(SQLModel, table=True):
    """One sending of a campaign (a weekly campaign has one a week): its figures and progress message."""

    __tablename__ = "campaign_run"

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(
        sa_column=Column(Integer, ForeignKey("campaign.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    number: int = 1
    planned_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    status: str = Field(default=RunStatus.SENDING, max_length=12, index=True)  # a RunStatus
    targeted: int = 0
    # Messages in flight when the process stopped: they may have reached their recipient twice.
    possible_duplicates: int = 0
    report_chat: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    report_message: int | None = None
    # The final figures, kept when the run ends: its outbox rows are deleted a month later (privacy), the
    # report stays.
    figures: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True)
    )


class Outbox(SQLModel, table=True):
    """One message to one person: written when a send starts, so a restart knows who still waits.

    `status`: pending, sending (claimed by the sender; after a crash, maybe delivered), sent, failed,
    unreachable, opted_out, capped, cancelled. `held`: quiet hours postponed it at least once.
    """

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("campaign_run.id", ondelete="CASCADE"), nullable=True, index=True
        ),
    )
    person_id: int = Field(
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    # A welcome series' step (its day), for messages that belong to no campaign.
    sequence: str | None = Field(default=None, max_length=32)
    step: int | None = None
    status: str = Field(default=OutboxStatus.PENDING, max_length=12)  # an OutboxStatus
    held: bool = False
    not_before: datetime
    attempts: int = 0
    sent_at: datetime | None = None

    __table_args__ = (
        Index("ix_outbox_due", "status", "not_before"),
        Index("ix_outbox_run_status", "run_id", "status"),  # a run's figures, and whether it is finished
        UniqueConstraint("run_id", "person_id"),
        UniqueConstraint("person_id", "sequence", "step"),
    )


class Conversation(SQLModel, table=True):
    """What a chat is in the middle of, when the bot waits for something typed: one row per chat at most.

    The one place that decides where typed text goes (see bot/core/text_router.py), shared by every
    instance and kept across restarts. `data` holds ids and short codes only (a campaign id and the field
    it waits for, a module id, a request's number), never what the person types. `version` grows with every
    new wait, so a step that finishes late cannot end a newer one. Keyed by chat rather than person: a
    coordinator or a referent may never have accepted the notice; `/forget` deletes the row by chat id.
    """

    __tablename__ = "conversation"

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    kind: str = Field(max_length=16)  # a `bot.domain.conversations.Kind`
    # JSON text of ids, compared as a whole (a relay ends "where data is this request"), so not a JSON column:
    # PostgreSQL's json type has no equality. Short on purpose: there is no room for free text.
    data: str = Field(default="{}", sa_column=Column(String(200), nullable=False, server_default="{}"))
    version: int = 1
    updated_at: datetime
    # None: until the conversation is ended (a relay, a draft's question); else typed text after this time
    # is not taken as an answer any more.
    expires_at: datetime | None = Field(default=None, index=True)


class DashboardLink(SQLModel, table=True):
    """A single-use login link to the dashboard, sent by /dashboard to a coordinator. Staff, not a person's
    data. Only the token's keyed hash is kept: reading the table gives no link that works."""

    __tablename__ = "dashboard_link"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    language: str = Field(max_length=8)  # the coordinator's language in the bot, the dashboard's first
    expires_at: datetime = Field(index=True)
    used_at: datetime | None = None  # set once, by the one request that logs in with it


class DashboardSession(SQLModel, table=True):
    """A coordinator logged in to the dashboard: the cookie's keyed hash, whose, until when. Staff data."""

    __tablename__ = "dashboard_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    language: str = Field(max_length=8)  # switchable on the dashboard
    expires_at: datetime = Field(index=True)


class ResourceCount(SQLModel, table=True):
    """How often each resource was opened, per territory and month: a count, never who opened it."""

    __tablename__ = "resource_count"

    id: int | None = Field(default=None, primary_key=True)
    resource: str = Field(max_length=32)
    territory: str = Field(max_length=32)
    month: str = Field(max_length=7)
    opened: int = 0

    __table_args__ = (UniqueConstraint("resource", "territory", "month"),)


class RequestCount(SQLModel, table=True):
    """Contact requests per topic, territory and month, counted as they move: requests are deleted a while
    after they close, these counts stay. Each event counts in the month it happens; `answer_seconds` adds up
    the waits from a request to the referent's first relayed message, to give the average wait."""

    __tablename__ = "request_count"

    id: int | None = Field(default=None, primary_key=True)
    topic: str = Field(max_length=32)
    territory: str = Field(max_length=32)
    month: str = Field(max_length=7)
    opened: int = 0
    taken: int = 0
    answered: int = 0
    closed: int = 0
    answer_seconds: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))

    __table_args__ = (UniqueConstraint("topic", "territory", "month"),)


class CoordinatorLink(SQLModel, table=True):
    """A single-use "become a coordinator" link, then the grant it asks for until a second coordinator
    decides. Staff, not a person's data. Only a hash of the link's token is kept: the table read by someone
    else gives no link that works."""

    __tablename__ = "coordinator_link"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)  # SHA-256 of the token, in hex
    # The territories the role is for; None: the whole deployment.
    territories: list[str] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True)
    )
    created_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime
    expires_at: datetime
    status: str = Field(default="open", max_length=12)  # a bot.domain.grants.LinkStatus
    # Who opened the link (the candidate) and the name they gave for the other coordinators.
    candidate_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    display_name: str | None = Field(default=None, max_length=64)
    decided_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    decided_at: datetime | None = None


class CoordinatorName(SQLModel, table=True):
    """The display name of a coordinator who has no grant row: one from the COORDINATORS setting (given
    with /name), or one whose role was taken back (kept so that the audit log stays readable)."""

    __tablename__ = "coordinator_name"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    display_name: str = Field(max_length=64)
    updated_at: datetime


class Consultation(SQLModel, table=True):
    """A question on public space put to one territory's residents: 2 to 6 options, or an idea box (no
    options). Staff data. `counts`: the anonymous answers per option, written at closing, when the
    per-person answers are deleted. `salt`: keys the idea box's one-idea-per-person guard; None once closed.
    """

    __tablename__ = "consultation"

    id: int | None = Field(default=None, primary_key=True)
    question: str = Field(max_length=300)
    options: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    territory: str = Field(max_length=32)
    opens_at: datetime
    closes_at: datetime = Field(index=True)
    status: str = Field(default="draft", max_length=12, index=True)  # bot.domain.consultations.Status
    created_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime
    closed_at: datetime | None = None
    campaign_id: int | None = None  # the message to residents who accept messages, sent when it opens
    counts: list[int] | None = Field(default=None, sa_column=Column(JSON(none_as_null=True), nullable=True))
    salt: str | None = Field(default=None, max_length=64)


class ConsultationAnswer(SQLModel, table=True):
    """A person's current answer to a consultation: one row each, changed in place, deleted at closing."""

    __tablename__ = "consultation_answer"

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False)
    )
    person_id: int = Field(
        sa_column=Column(Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    choice: int  # the option's index

    __table_args__ = (UniqueConstraint("consultation_id", "person_id"),)


class ConsultationIdea(SQLModel, table=True):
    """An idea-box text, never with who wrote it: its id is random (no order to match against the guard's
    rows), it has no time. Once a coordinator tags it, the text is deleted and only the tag stays."""

    __tablename__ = "consultation_idea"

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    consultation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    text: str | None = Field(default=None, max_length=500)
    tag: str | None = Field(default=None, max_length=16)


class IdeaGuard(SQLModel, table=True):
    """One idea per person and idea box, without the person: an HMAC of their id keyed by the consultation's
    salt. All deleted, with the salt, when the consultation closes."""

    __tablename__ = "consultation_idea_guard"

    consultation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("consultation.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
        )
    )
    digest: str = Field(sa_column=Column(String(64), primary_key=True))
