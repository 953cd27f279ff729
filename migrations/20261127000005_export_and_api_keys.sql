-- Export jobs started from the dashboard, label aggregates of imported messages, and API keys
-- for integrations.

-- Imported messages arrive with label means and counts, not single reviews; they are kept as
-- they came and merged with live labels on export.
create table message_label_import (
    message_id  uuid not null references message (message_id),
    name        text not null,
    value       double precision not null,
    count       integer not null check (count > 0),
    primary key (message_id, name)
);

-- Exports leave out trees with model-generated messages; few messages are, so a partial index
-- answers "does this tree have one" without scanning every message.
create index message_synthetic_tree on message (message_tree_id) where synthetic;

create table export_job (
    export_job_id   uuid primary key default gen_random_uuid(),
    requested_by    uuid not null references app_user (user_id),
    format          text not null,
    options         jsonb not null,
    status          text not null default 'running'
                    constraint export_job_status_check check (status in ('running', 'done', 'failed')),
    trees_total     bigint not null default 0,
    trees_done      bigint not null default 0,
    records         bigint not null default 0,
    bytes           bigint not null default 0,
    file_name       text,
    error           text,
    created_at      timestamptz not null default now(),
    finished_at     timestamptz
);

create index export_job_created_idx on export_job (created_at desc);

create table api_key (
    api_key_id    uuid primary key default gen_random_uuid(),
    name          text not null check (char_length(name) between 1 and 100),
    -- sha256 of the key; the key itself is shown once at creation
    key_hash      text not null unique,
    scopes        text[] not null constraint api_key_scopes_check
                  check (scopes <@ array['read', 'annotate', 'export', 'admin']::text[] and cardinality(scopes) > 0),
    -- the account an "annotate" key acts for
    user_id       uuid references app_user (user_id),
    created_by    uuid not null references app_user (user_id),
    created_at    timestamptz not null default now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
