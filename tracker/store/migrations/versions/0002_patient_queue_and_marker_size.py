"""Per-patient queue rows (so the clinician queue is one indexed scan) and each patient's
measured card size.

``patient_queue`` is filled here from the existing records. The backfill is written
against the tables as they are at this revision, on purpose: it must keep working when
the models move on. It computes what ``Repository.refresh_queue`` computes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 09:00:00
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Patients per backfill batch.
_BATCH = 500


def upgrade() -> None:
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('marker_mm', sa.Float(), nullable=True))

    op.create_table('patient_queue',
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('priority', sa.SmallInteger(), nullable=False),
    sa.Column('sort_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.String(length=16), nullable=True),
    sa.Column('level_rank', sa.SmallInteger(), nullable=True),
    sa.Column('assessed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('open_assessment_ids', sa.JSON(none_as_null=True), nullable=True),
    sa.Column('reasons', sa.JSON(none_as_null=True), nullable=True),
    sa.Column('last_checkin_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('injected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('photo_id', sa.Integer(), nullable=True),
    sa.Column('photo_hours_since_injection', sa.Float(), nullable=True),
    sa.Column('photo_usable', sa.Boolean(), nullable=True),
    sa.Column('area_mm2', sa.Float(), nullable=True),
    sa.Column('area_px', sa.Integer(), nullable=True),
    sa.Column('mean_delta_a', sa.Float(), nullable=True),
    sa.Column('trend_direction', sa.String(length=16), nullable=True),
    sa.Column('trend_pct', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_patient_queue_assessment_id_assessments')),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_patient_queue_clinic_id_clinics')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_patient_queue_patient_id_patients')),
    sa.ForeignKeyConstraint(['photo_id'], ['photos.id'], name=op.f('fk_patient_queue_photo_id_photos')),
    sa.PrimaryKeyConstraint('patient_id', name=op.f('pk_patient_queue'))
    )
    with op.batch_alter_table('patient_queue', schema=None) as batch_op:
        batch_op.create_index('ix_patient_queue_clinic_id_injected_at', ['clinic_id', 'injected_at'], unique=False)
        batch_op.create_index('ix_patient_queue_clinic_id_priority_sort_at',
                              ['clinic_id', 'priority', 'sort_at', 'patient_id'], unique=False)

    _backfill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table('patient_queue', schema=None) as batch_op:
        batch_op.drop_index('ix_patient_queue_clinic_id_priority_sort_at')
        batch_op.drop_index('ix_patient_queue_clinic_id_injected_at')
    op.drop_table('patient_queue')
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_column('marker_mm')


# -- the backfill, against the tables of this revision ------------------------------------
_meta = sa.MetaData()
_patients = sa.Table('patients', _meta, sa.Column('id', sa.Integer), sa.Column('clinic_id', sa.Integer),
                     sa.Column('last_checkin_at', sa.DateTime(timezone=True)),
                     sa.Column('created_at', sa.DateTime(timezone=True)))
_treatments = sa.Table('treatments', _meta, sa.Column('patient_id', sa.Integer),
                       sa.Column('injected_at', sa.DateTime(timezone=True)))
_assessments = sa.Table('assessments', _meta, sa.Column('id', sa.Integer), sa.Column('patient_id', sa.Integer),
                        sa.Column('site_id', sa.Integer), sa.Column('level', sa.String),
                        sa.Column('level_rank', sa.SmallInteger), sa.Column('created_at', sa.DateTime(timezone=True)),
                        sa.Column('acknowledged_at', sa.DateTime(timezone=True)), sa.Column('is_latest', sa.Boolean),
                        sa.Column('data', sa.JSON))
_reasons = sa.Table('assessment_reasons', _meta, sa.Column('assessment_id', sa.Integer),
                    sa.Column('position', sa.SmallInteger), sa.Column('rule', sa.String), sa.Column('text', sa.Text),
                    sa.Column('clinician_text', sa.Text), sa.Column('source', sa.String))
_photos = sa.Table('photos', _meta, sa.Column('id', sa.Integer), sa.Column('patient_id', sa.Integer),
                   sa.Column('site_id', sa.Integer), sa.Column('taken_at', sa.DateTime(timezone=True)))
_measurements = sa.Table('measurements', _meta, sa.Column('id', sa.Integer), sa.Column('photo_id', sa.Integer),
                         sa.Column('algorithm_version', sa.String), sa.Column('created_at', sa.DateTime(timezone=True)),
                         sa.Column('usable', sa.Boolean), sa.Column('area_mm2', sa.Float),
                         sa.Column('area_px', sa.Integer), sa.Column('mean_delta_a', sa.Float),
                         sa.Column('hours_since_injection', sa.Float))
_TIME = sa.DateTime(timezone=True)
_queue = sa.Table('patient_queue', _meta, *(sa.Column(name, kind) for name, kind in (
    ('patient_id', sa.Integer), ('clinic_id', sa.Integer), ('priority', sa.SmallInteger), ('sort_at', _TIME),
    ('assessment_id', sa.Integer), ('level', sa.String), ('level_rank', sa.SmallInteger), ('assessed_at', _TIME),
    ('open_assessment_ids', sa.JSON(none_as_null=True)), ('reasons', sa.JSON(none_as_null=True)), ('last_checkin_at', _TIME), ('injected_at', _TIME),
    ('photo_id', sa.Integer), ('photo_hours_since_injection', sa.Float), ('photo_usable', sa.Boolean),
    ('area_mm2', sa.Float), ('area_px', sa.Integer), ('mean_delta_a', sa.Float), ('trend_direction', sa.String),
    ('trend_pct', sa.Float))))


def _utc(value: Any) -> datetime | None:
    """A stored instant as an aware UTC datetime (SQLite keeps naive UTC, sometimes as text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _db_time(value: datetime | None, dialect: str) -> datetime | None:
    return value.replace(tzinfo=None) if value is not None and dialect == 'sqlite' else value


def _backfill(conn: sa.Connection) -> None:
    ids = list(conn.scalars(sa.select(_patients.c.id).order_by(_patients.c.id)))
    for i in range(0, len(ids), _BATCH):
        rows = _queue_rows(conn, ids[i:i + _BATCH])
        if rows:
            conn.execute(_queue.insert(), rows)


def _queue_rows(conn: sa.Connection, ids: list[int]) -> list[dict[str, Any]]:
    a = _assessments
    latest = defaultdict(list)
    for row in conn.execute(sa.select(a.c.patient_id, a.c.id, a.c.site_id, a.c.level, a.c.level_rank, a.c.created_at,
                                      a.c.acknowledged_at, a.c.data)
                            .where(a.c.patient_id.in_(ids), a.c.is_latest.is_(True))):
        latest[row.patient_id].append(row)
    injected = {pid: _utc(when) for pid, when in conn.execute(
        sa.select(_treatments.c.patient_id, sa.func.max(_treatments.c.injected_at))
        .where(_treatments.c.patient_id.in_(ids)).group_by(_treatments.c.patient_id))}
    tops = {pid: min(found, key=lambda r: (r.acknowledged_at is not None, -r.level_rank, -r.id))
            for pid, found in latest.items()}
    reasons = defaultdict(list)
    for r in conn.execute(sa.select(_reasons).where(_reasons.c.assessment_id.in_([t.id for t in tops.values()]))
                          .order_by(_reasons.c.assessment_id, _reasons.c.position)):
        reasons[r.assessment_id].append({"rule": r.rule, "text": r.text, "clinician_text": r.clinician_text,
                                         "source": r.source})
    photos = _latest_photos(conn, ids)
    dialect = conn.dialect.name
    out = []
    for p in conn.execute(sa.select(_patients).where(_patients.c.id.in_(ids))):
        top, when = tops.get(p.id), injected.get(p.id)
        if top is None and when is None:
            continue
        found = latest.get(p.id, [])
        open_ = sorted((r for r in found if r.acknowledged_at is None), key=lambda r: (-r.level_rank, -r.id))
        assessed_at = max((_utc(r.created_at) for r in found), default=None)
        last = _utc(p.last_checkin_at)
        photo = photos.get(p.id, {})
        trend = next(((r.data or {}).get("trend") or {} for r in found
                      if photo and r.site_id == photo["site_id"]), {})
        rank = top.level_rank if top is not None else -1
        out.append({
            "patient_id": p.id, "clinic_id": p.clinic_id, "priority": (10 if open_ else 0) + rank + 1,
            "sort_at": _db_time(max((t for t in (assessed_at, last) if t is not None), default=_utc(p.created_at)),
                                dialect),
            "assessment_id": top.id if top else None, "level": top.level if top else None,
            "level_rank": top.level_rank if top else None, "assessed_at": _db_time(assessed_at, dialect),
            "open_assessment_ids": [r.id for r in open_] or None, "reasons": reasons.get(top.id) if top else None,
            "last_checkin_at": _db_time(last, dialect), "injected_at": _db_time(when, dialect),
            "photo_id": photo.get("photo_id"), "photo_hours_since_injection": photo.get("hours_since_injection"),
            "photo_usable": photo.get("usable"), "area_mm2": photo.get("area_mm2"), "area_px": photo.get("area_px"),
            "mean_delta_a": photo.get("mean_delta_a"), "trend_direction": trend.get("direction"),
            "trend_pct": trend.get("area_change_per_day_pct"),
        })
    return out


def _latest_photos(conn: sa.Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Each patient's newest photo with its newest measurement's figures (every measurement
    in the database at this revision is the current algorithm's or older)."""
    ph, m = _photos, _measurements
    pos = sa.func.row_number().over(partition_by=ph.c.patient_id, order_by=(ph.c.taken_at.desc(), ph.c.id.desc()))
    ranked = sa.select(ph.c.id, ph.c.patient_id, ph.c.site_id, pos.label('pos')).where(ph.c.patient_id.in_(ids)).subquery()
    out: dict[int, dict[str, Any]] = {}
    for r in conn.execute(
        sa.select(ranked.c.id, ranked.c.patient_id, ranked.c.site_id, m.c.usable, m.c.area_mm2, m.c.area_px,
                  m.c.mean_delta_a, m.c.hours_since_injection)
        .join(m, m.c.photo_id == ranked.c.id).where(ranked.c.pos == 1).order_by(m.c.created_at, m.c.id)
    ):
        out[r.patient_id] = {"photo_id": r.id, "site_id": r.site_id, "usable": r.usable, "area_mm2": r.area_mm2,
                             "area_px": r.area_px, "mean_delta_a": r.mean_delta_a,
                             "hours_since_injection": r.hours_since_injection}
    return out
