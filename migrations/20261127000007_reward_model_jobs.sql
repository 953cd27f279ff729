-- The reward-model job queue. Workers on any machine claim queued jobs (or jobs whose lease ran
-- out) with FOR UPDATE SKIP LOCKED, renew the lease with heartbeats while they work, and finish
-- them; a moderator can cancel a job at any point.
create table model_job (
    job_id           uuid primary key default gen_random_uuid(),
    kind             text not null constraint model_job_kind_check check (kind in ('train', 'score')),
    spec             jsonb not null,
    state            text not null default 'queued'
                     constraint model_job_state_check
                     check (state in ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    created_by       uuid not null references app_user (user_id),
    created_at       timestamptz not null default now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    -- the lease: who holds the job and until when
    worker           text,
    lease_until      timestamptz,
    attempts         integer not null default 0,
    cancel_requested boolean not null default false,
    progress         jsonb,
    error            text,
    constraint model_job_lease_check check ((state = 'running') = (lease_until is not null))
);

create index model_job_claimable_idx on model_job (created_at) where state in ('queued', 'running');
create index model_job_created_idx on model_job (created_at desc);

-- Metrics over time (training loss per step, held-out accuracy per evaluation...), for charts.
create table model_job_metric (
    job_id      uuid not null references model_job (job_id) on delete cascade,
    step        bigint not null,
    name        text not null,
    value       double precision not null,
    recorded_at timestamptz not null default now(),
    primary key (job_id, name, step)
);
