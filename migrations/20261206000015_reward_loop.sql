-- Reward models in the loop: which trees a trained model held out (to compare models on the
-- same trees), per-language retraining schedules, and retraining runs. A run trains a
-- candidate, scores the held-out trees with it and with the language's current model, and
-- promotes it only if its held-out all-pairs accuracy is not worse. The latest promoted run
-- of a language is its current model (the chooser's active learning and the disagreement
-- review use it).

create table model_held_out_tree (
    model_job  uuid not null references model_job (job_id) on delete cascade,
    tree_id    uuid not null references message_tree (message_tree_id),
    primary key (model_job, tree_id)
);

create table retrain_schedule (
    lang            text primary key,
    every_rankings  integer not null check (every_rankings between 1 and 1000000),
    enabled         boolean not null default true,
    -- the training settings of its runs (languages: just this one)
    settings        jsonb not null,
    updated_by      uuid not null references app_user (user_id),
    updated_at      timestamptz not null default now()
);

create table retrain_run (
    run_id              uuid primary key default gen_random_uuid(),
    lang                text not null,
    trigger             text not null check (trigger in ('schedule', 'manual')),
    state               text not null check (state in ('training', 'scoring', 'promoted', 'kept', 'failed')),
    -- rankings in the language since the previous run (or the schedule) when it started
    new_rankings        bigint not null,
    train_job           uuid not null references model_job (job_id) on delete cascade,
    score_job           uuid references model_job (job_id) on delete set null,
    -- the current model when the candidate was scored, and the job scoring it again
    baseline_job        uuid references model_job (job_id) on delete set null,
    baseline_score_job  uuid references model_job (job_id) on delete set null,
    candidate_accuracy  double precision,
    baseline_accuracy   double precision,
    held_out_pairs      integer,
    reason              text,
    created_by          uuid not null references app_user (user_id),
    created_at          timestamptz not null default now(),
    decided_at          timestamptz
);

-- one run in flight per language
create unique index retrain_run_in_flight_idx on retrain_run (lang) where state in ('training', 'scoring');
create index retrain_run_lang_idx on retrain_run (lang, created_at desc);
create index retrain_run_current_idx on retrain_run (lang, decided_at desc) where state = 'promoted';
-- rankings counted per language since a run
create index ranking_created_idx on ranking (created_at);
