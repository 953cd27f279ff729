-- Trust in the data: gold items and the answers annotators gave them, the decided outcome of
-- every review and ranking, and the running evidence behind each annotator's reliability
-- weights (domain::quality).

-- A message's expected labels, or the expected order of a parent's replies.
create table gold_item (
    gold_id      uuid primary key default gen_random_uuid(),
    kind         text not null constraint gold_item_kind_check check (kind in ('labels', 'ranking')),
    -- the labelled message, or the parent whose replies are ranked
    message_id   uuid not null references message (message_id),
    -- domain::quality::gold::Expected as JSON
    expected     jsonb not null,
    explanation  text not null default '' constraint gold_item_explanation_length
                 check (char_length(explanation) <= 2000),
    created_by   uuid not null references app_user (user_id),
    created_at   timestamptz not null default now(),
    -- retired items are no longer handed out; their answers stay
    retired_at   timestamptz,
    constraint gold_item_one_per_target unique (message_id, kind)
);

-- A task that serves a gold item; its answer goes to gold_answer, not to label or ranking.
alter table task add column gold_id uuid references gold_item (gold_id);

create table gold_answer (
    gold_id     uuid not null references gold_item (gold_id),
    user_id     uuid not null references app_user (user_id),
    task_id     uuid not null references task (task_id),
    -- the answer as submitted (labels or ranking)
    answer      jsonb not null,
    correct     boolean not null,
    checked     integer not null check (checked >= 0),
    matched     integer not null check (matched >= 0),
    created_at  timestamptz not null default now(),
    primary key (gold_id, user_id)
);

create index gold_answer_user_idx on gold_answer (user_id, created_at desc);

-- Whether a review agreed with the decision on its message (set when it is decided), and how a
-- ranking compares with the consensus of its replies (Kendall tau-b, set when they are scored).
alter table label add column agrees boolean;
alter table ranking add column consensus_tau double precision
    constraint ranking_consensus_tau_range check (consensus_tau between -1.000001 and 1.000001);

-- Running evidence per annotator (domain::quality::reliability::Evidence) and the weights and
-- flag derived from it, updated as reviews are decided, rankings scored and gold answered.
create table annotator_quality (
    user_id             uuid primary key references app_user (user_id),
    agreed_yes   integer not null default 0,
    missed_yes   integer not null default 0,
    false_yes    integer not null default 0,
    agreed_no  integer not null default 0,
    pairs_agreed        integer not null default 0,
    pairs_reversed      integer not null default 0,
    rankings            integer not null default 0,
    gold_correct        integer not null default 0,
    gold_total          integer not null default 0,
    -- tasks completed, for the calibration share of gold items
    tasks_done          integer not null default 0,
    label_weight        double precision not null default 1,
    ranking_weight      double precision not null default 1,
    -- 'rankings', 'labels' or 'gold' while flagged
    flag                text constraint annotator_quality_flag_check check (flag in ('rankings', 'labels', 'gold')),
    flagged_at          timestamptz,
    updated_at          timestamptz not null default now()
);

create index annotator_quality_flagged_idx on annotator_quality (user_id) where flag is not null;
