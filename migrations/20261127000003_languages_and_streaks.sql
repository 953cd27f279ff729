-- The languages a user writes and judges in, and their activity streak.

alter table app_user
    add column languages text[] not null default '{en}'
        constraint app_user_languages_not_empty check (cardinality(languages) between 1 and 40),
    add column streak_days integer not null default 0 check (streak_days >= 0),
    add column streak_last_day date,
    add column last_activity_at timestamptz;

-- points and leaderboards read a user's recent work
create index label_user_created_idx on label (user_id, created_at desc);
create index ranking_user_created_idx on ranking (user_id, created_at desc);
