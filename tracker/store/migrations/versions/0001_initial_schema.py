"""Initial schema: clinics, users, patients, invites, treatments, sites, photos,
measurements, symptom reports, assessments and reasons, clinician notes, audit log.

Revision ID: 0001
Revises: 
Create Date: 2026-11-21 00:26:28.596236
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op



revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target_type', sa.String(length=24), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('patient_id', sa.Integer(), nullable=True),
    sa.Column('allowed', sa.Boolean(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_actor_user_id_at', ['actor_user_id', 'at'], unique=False)
        batch_op.create_index('ix_audit_log_patient_id_at', ['patient_id', 'at'], unique=False)

    op.create_table('clinics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinics'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('clinician', 'patient')", name=op.f('ck_users_role')),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_users_clinic_id_clinics')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_clinic_id'), ['clinic_id'], unique=False)

    op.create_table('patients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('last_checkin_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_patients_clinic_id_clinics')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_patients_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patients')),
    sa.UniqueConstraint('user_id', name=op.f('uq_patients_user_id'))
    )
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patients_clinic_id'), ['clinic_id'], unique=False)

    op.create_table('invites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=True),
    sa.Column('code_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_by_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'], name=op.f('fk_invites_clinic_id_clinics')),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_invites_created_by_user_id_users')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_invites_patient_id_patients')),
    sa.ForeignKeyConstraint(['used_by_user_id'], ['users.id'], name=op.f('fk_invites_used_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invites')),
    sa.UniqueConstraint('code_sha256', name=op.f('uq_invites_code_sha256'))
    )
    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invites_clinic_id'), ['clinic_id'], unique=False)

    op.create_table('treatments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('injected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('product', sa.String(length=120), nullable=False),
    sa.Column('units', sa.Float(), nullable=True),
    sa.Column('areas', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_treatments_created_by_user_id_users')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_treatments_patient_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_treatments'))
    )
    with op.batch_alter_table('treatments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_treatments_patient_id'), ['patient_id'], unique=False)

    op.create_table('sites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('treatment_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_sites_patient_id_patients')),
    sa.ForeignKeyConstraint(['treatment_id'], ['treatments.id'], name=op.f('fk_sites_treatment_id_treatments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites')),
    sa.UniqueConstraint('treatment_id', 'name', name=op.f('uq_sites_treatment_id_name'))
    )
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sites_patient_id'), ['patient_id'], unique=False)

    op.create_table('photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('taken_at_source', sa.String(length=8), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by_user_id', sa.Integer(), nullable=True),
    sa.Column('original_name', sa.String(length=255), nullable=True),
    sa.Column('original_format', sa.String(length=16), nullable=True),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('image_key', sa.String(length=200), nullable=False),
    sa.Column('thumb_key', sa.String(length=200), nullable=False),
    sa.Column('overlay_key', sa.String(length=200), nullable=True),
    sa.CheckConstraint("taken_at_source IN ('exif', 'upload')", name=op.f('ck_photos_taken_at_source')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_photos_patient_id_patients')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_photos_site_id_sites')),
    sa.ForeignKeyConstraint(['uploaded_by_user_id'], ['users.id'], name=op.f('fk_photos_uploaded_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photos')),
    sa.UniqueConstraint('patient_id', 'content_sha256', name=op.f('uq_photos_patient_id_content_sha256'))
    )
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.create_index('ix_photos_patient_id_taken_at', ['patient_id', 'taken_at'], unique=False)
        batch_op.create_index('ix_photos_site_id_taken_at', ['site_id', 'taken_at'], unique=False)

    op.create_table('symptom_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('symptoms', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('reported_by_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_symptom_reports_patient_id_patients')),
    sa.ForeignKeyConstraint(['reported_by_user_id'], ['users.id'], name=op.f('fk_symptom_reports_reported_by_user_id_users')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_symptom_reports_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_symptom_reports'))
    )
    with op.batch_alter_table('symptom_reports', schema=None) as batch_op:
        batch_op.create_index('ix_symptom_reports_patient_id_reported_at', ['patient_id', 'reported_at'], unique=False)

    op.create_table('assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('photo_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('level_rank', sa.SmallInteger(), nullable=False),
    sa.Column('fda_grade', sa.SmallInteger(), nullable=True),
    sa.Column('algorithm_version', sa.String(length=32), nullable=False),
    sa.Column('is_latest', sa.Boolean(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_user_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("level IN ('expected', 'monitor', 'contact', 'urgent')", name=op.f('ck_assessments_level')),
    sa.ForeignKeyConstraint(['acknowledged_by_user_id'], ['users.id'], name=op.f('fk_assessments_acknowledged_by_user_id_users')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_assessments_patient_id_patients')),
    sa.ForeignKeyConstraint(['photo_id'], ['photos.id'], name=op.f('fk_assessments_photo_id_photos')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_assessments_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessments'))
    )
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.create_index('ix_assessments_is_latest_patient_id', ['is_latest', 'patient_id'], unique=False)
        batch_op.create_index('ix_assessments_patient_id_created_at', ['patient_id', 'created_at'], unique=False)
        batch_op.create_index('ix_assessments_site_id_created_at', ['site_id', 'created_at'], unique=False)

    op.create_table('measurements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('photo_id', sa.Integer(), nullable=False),
    sa.Column('algorithm_version', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('usable', sa.Boolean(), nullable=False),
    sa.Column('area_mm2', sa.Float(), nullable=True),
    sa.Column('area_px', sa.Integer(), nullable=False),
    sa.Column('mean_delta_a', sa.Float(), nullable=False),
    sa.Column('hours_since_injection', sa.Float(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['photo_id'], ['photos.id'], name=op.f('fk_measurements_photo_id_photos')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measurements')),
    sa.UniqueConstraint('photo_id', 'algorithm_version', name=op.f('uq_measurements_photo_id_algorithm_version'))
    )
    op.create_table('assessment_reasons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('rule', sa.String(length=80), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('clinician_text', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_assessment_reasons_assessment_id_assessments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_reasons'))
    )
    with op.batch_alter_table('assessment_reasons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_reasons_assessment_id'), ['assessment_id'], unique=False)

    op.create_table('clinician_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=True),
    sa.Column('author_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_clinician_notes_assessment_id_assessments')),
    sa.ForeignKeyConstraint(['author_user_id'], ['users.id'], name=op.f('fk_clinician_notes_author_user_id_users')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_clinician_notes_patient_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinician_notes'))
    )
    with op.batch_alter_table('clinician_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clinician_notes_patient_id'), ['patient_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('clinician_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clinician_notes_patient_id'))

    op.drop_table('clinician_notes')
    with op.batch_alter_table('assessment_reasons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_reasons_assessment_id'))

    op.drop_table('assessment_reasons')
    op.drop_table('measurements')
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_index('ix_assessments_site_id_created_at')
        batch_op.drop_index('ix_assessments_patient_id_created_at')
        batch_op.drop_index('ix_assessments_is_latest_patient_id')

    op.drop_table('assessments')
    with op.batch_alter_table('symptom_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_symptom_reports_patient_id_reported_at')

    op.drop_table('symptom_reports')
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.drop_index('ix_photos_site_id_taken_at')
        batch_op.drop_index('ix_photos_patient_id_taken_at')

    op.drop_table('photos')
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sites_patient_id'))

    op.drop_table('sites')
    with op.batch_alter_table('treatments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_treatments_patient_id'))

    op.drop_table('treatments')
    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invites_clinic_id'))

    op.drop_table('invites')
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patients_clinic_id'))

    op.drop_table('patients')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_clinic_id'))

    op.drop_table('users')
    op.drop_table('clinics')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_patient_id_at')
        batch_op.drop_index('ix_audit_log_actor_user_id_at')

    op.drop_table('audit_log')
