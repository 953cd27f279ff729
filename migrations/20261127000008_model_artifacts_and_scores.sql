-- What a finished training job produced: its summary, and its model folder as a tar archive in
-- chunks (any worker or server sharing the database can fetch it; no shared disk needed).
alter table model_job add column result jsonb;
alter table model_job add column artifact_bytes bigint check (artifact_bytes >= 0);

create table model_artifact_chunk (
    job_id  uuid not null references model_job (job_id) on delete cascade,
    chunk   integer not null check (chunk >= 0),
    bytes   bytea not null,
    primary key (job_id, chunk)
);

-- The reward a trained model (its training job) gives a message; a new scoring run by the
-- same model overwrites it.
create table message_score (
    message_id  uuid not null references message (message_id),
    model_job   uuid not null references model_job (job_id) on delete cascade,
    score       real not null,
    scored_at   timestamptz not null default now(),
    primary key (message_id, model_job)
);

create index message_score_model_idx on message_score (model_job);
