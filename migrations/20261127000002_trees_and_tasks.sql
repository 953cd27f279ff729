-- Conversation trees, their messages, the tasks that grow and judge them, and what users say
-- about messages (labels, rankings, reactions, reports, revisions).

create table message_tree (
    message_tree_id       uuid primary key,
    state                 text not null
                          constraint message_tree_state_check check (state in (
                              'initial_prompt_review', 'prompt_lottery_waiting', 'growing', 'ranking',
                              'ready_for_scoring', 'ready_for_export', 'scoring_failed',
                              'aborted_low_grade', 'halted_by_moderator', 'backlog_ranking')),
    lang                  text not null,
    -- limits frozen at creation, so a configuration change never breaks a tree in progress
    goal_tree_size        integer not null check (goal_tree_size > 0),
    max_depth             integer not null check (max_depth > 0),
    max_children_count    integer not null check (max_children_count > 0),
    num_prompter_replies  integer not null check (num_prompter_replies >= 0),
    origin                text,
    won_lottery_at        timestamptz,
    created_at            timestamptz not null default now(),
    updated_at            timestamptz not null default now()
);

create index message_tree_lang_state_idx on message_tree (lang, state);

create trigger message_tree_set_updated_at before update on message_tree
    for each row execute function set_updated_at();

create table message (
    message_id       uuid primary key,
    message_tree_id  uuid not null references message_tree (message_tree_id),
    parent_id        uuid references message (message_id),
    user_id          uuid not null references app_user (user_id),
    role             text not null constraint message_role_check check (role in ('prompter', 'assistant')),
    depth            integer not null check (depth >= 0),
    lang             text not null,
    text             text not null check (char_length(text) between 1 and 100000),
    review_count     integer not null default 0 check (review_count >= 0),
    -- null while under review, true accepted, false rejected (spam)
    review_result    boolean,
    ranking_count    integer not null default 0 check (ranking_count >= 0),
    -- consensus rank among siblings, 0 = best
    rank             integer check (rank >= 0),
    -- replies that are not deleted, whatever their review state
    children_count   integer not null default 0 check (children_count >= 0),
    deleted          boolean not null default false,
    synthetic        boolean not null default false,
    model_name       text,
    edited           boolean not null default false,
    thumbs_up        integer not null default 0 check (thumbs_up >= 0),
    thumbs_down      integer not null default 0 check (thumbs_down >= 0),
    red_flags        integer not null default 0 check (red_flags >= 0),
    skip_count       integer not null default 0 check (skip_count >= 0),
    task_id          uuid,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    constraint message_root_shape check ((parent_id is null) = (depth = 0)),
    constraint message_root_is_prompter check (depth > 0 or role = 'prompter'),
    -- the target of (message, author) foreign keys that forbid reviewing one's own message
    constraint message_author_key unique (message_id, user_id)
);

create index message_tree_idx on message (message_tree_id);
create index message_parent_idx on message (parent_id);
create index message_user_created_idx on message (user_id, created_at desc);
create index message_lang_created_idx on message (lang, created_at desc);
-- one reply per user per parent
create unique index message_one_reply_per_user on message (parent_id, user_id)
    where parent_id is not null and not deleted;

create trigger message_set_updated_at before update on message
    for each row execute function set_updated_at();

create table task (
    task_id            uuid primary key,
    kind               text not null constraint task_kind_check check (kind in (
                           'initial_prompt', 'assistant_reply', 'prompter_reply',
                           'rank_assistant_replies', 'rank_prompter_replies',
                           'label_initial_prompt', 'label_assistant_reply', 'label_prompter_reply')),
    user_id            uuid not null references app_user (user_id),
    lang               text not null,
    message_tree_id    uuid references message_tree (message_tree_id),
    -- the message replied to, ranked under, or labelled
    message_id         uuid references message (message_id),
    -- what the annotator was shown, as sent
    payload            jsonb not null,
    created_at         timestamptz not null default now(),
    expires_at         timestamptz not null,
    acked_at           timestamptz,
    done_at            timestamptz,
    skipped_at         timestamptz,
    skip_reason        text,
    constraint task_done_or_skipped check (done_at is null or skipped_at is null)
);

create index task_open_by_user_idx on task (user_id, created_at desc)
    where done_at is null and skipped_at is null;
-- parents with a recent open reply task are reserved for that annotator
create index task_open_by_message_idx on task (message_id, created_at desc)
    where done_at is null and skipped_at is null;

-- a retried submit with the same key answers what the first one answered
create table submission (
    user_id     uuid not null references app_user (user_id),
    client_key  text not null check (char_length(client_key) between 1 and 200),
    task_id     uuid not null references task (task_id),
    response    jsonb,
    created_at  timestamptz not null default now(),
    primary key (user_id, client_key)
);

create table label (
    label_id           uuid primary key default gen_random_uuid(),
    message_id         uuid not null,
    message_author_id  uuid not null,
    user_id            uuid not null references app_user (user_id),
    -- null for labels set freely on the message page
    task_id            uuid references task (task_id),
    mode               text constraint label_mode_check check (mode in ('full', 'simple')),
    -- {name: value in 0..1}; only answered labels are present
    labels             jsonb not null,
    created_at         timestamptz not null default now(),
    updated_at         timestamptz not null default now(),
    constraint label_message_fk foreign key (message_id, message_author_id)
        references message (message_id, user_id),
    constraint label_no_self_review check (task_id is null or user_id <> message_author_id)
);

-- one review per user per message, and one free label set per user per message
create unique index label_one_review_per_user on label (message_id, user_id) where task_id is not null;
create unique index label_one_free_label_per_user on label (message_id, user_id) where task_id is null;

create trigger label_set_updated_at before update on label
    for each row execute function set_updated_at();

create table ranking (
    ranking_id       uuid primary key default gen_random_uuid(),
    parent_id        uuid not null references message (message_id),
    message_tree_id  uuid not null references message_tree (message_tree_id),
    user_id          uuid not null references app_user (user_id),
    task_id          uuid references task (task_id),
    -- best first
    ranked_ids       uuid[] not null,
    -- tie group of each ranked id (0 = best group), non-decreasing; equal numbers are ties
    tie_groups       integer[] not null,
    not_rankable     boolean not null default false,
    created_at       timestamptz not null default now(),
    constraint ranking_one_per_user_parent unique (parent_id, user_id),
    constraint ranking_shape check (cardinality(ranked_ids) = cardinality(tie_groups))
);

create index ranking_tree_idx on ranking (message_tree_id);

create table reaction (
    message_id  uuid not null references message (message_id),
    user_id     uuid not null references app_user (user_id),
    kind        text not null constraint reaction_kind_check check (kind in (
                    'thumbs_up', 'thumbs_down', 'red_flag', 'skip_reply', 'skip_ranking', 'skip_labeling')),
    created_at  timestamptz not null default now(),
    primary key (message_id, user_id, kind)
);

-- a thumb is up or down, not both
create unique index reaction_one_thumb on reaction (message_id, user_id)
    where kind in ('thumbs_up', 'thumbs_down');
create index reaction_user_idx on reaction (user_id);

create table report (
    report_id    uuid primary key default gen_random_uuid(),
    message_id   uuid not null references message (message_id),
    user_id      uuid not null references app_user (user_id),
    reason       text not null check (char_length(reason) between 1 and 2000),
    created_at   timestamptz not null default now()
);

create index report_message_idx on report (message_id);

create table message_revision (
    revision_id    uuid primary key default gen_random_uuid(),
    message_id     uuid not null references message (message_id),
    editor_id      uuid not null references app_user (user_id),
    previous_text  text not null,
    new_text       text not null,
    created_at     timestamptz not null default now()
);

create index message_revision_message_idx on message_revision (message_id, created_at);
