-- Many servers on one database: rate limits, export files and export work live here, so any
-- server can take any request.

-- Token buckets shared by every server. Unlogged: no WAL for a counter that refills anyway;
-- after a Postgres crash the buckets start full again.
create unlogged table rate_bucket (
    bucket      text primary key,
    tokens      double precision not null,
    burst       double precision not null,
    per_second  double precision not null,
    updated_at  timestamptz not null default now()
);

-- Export jobs are claimed by any server under a lease; a server that dies mid-export loses the
-- lease and another one starts the job again.
alter table export_job
    add column lease_owner text,
    add column lease_until timestamptz,
    add column attempts    integer not null default 0;

create index export_job_open_idx on export_job (created_at) where status = 'running';

-- Export files kept in the database (the default store): the gzip stream in pieces.
create table export_chunk (
    export_job_id uuid not null references export_job (export_job_id) on delete cascade,
    seq           integer not null,
    data          bytea not null,
    primary key (export_job_id, seq)
);

-- The open tasks of a language: the reservations the shared survey of available work reads
-- once a second, and the crowd (people holding a task there) that decides how many trees grow.
create index task_open_by_lang_idx on task (lang, created_at) include (user_id, message_id, kind, gold_id)
    where done_at is null and skipped_at is null;
