-- Moderation: notes and leaderboard visibility of users, the report queue, the audit log of
-- every moderator action, and full-text search of messages in their own language.

alter table app_user
    add column notes text not null default '' constraint app_user_notes_length check (char_length(notes) <= 2000),
    add column show_on_leaderboard boolean not null default true;

alter table report
    add column status text not null default 'open'
        constraint report_status_check check (status in ('open', 'assigned', 'resolved')),
    add column assigned_to uuid references app_user (user_id),
    add column resolved_by uuid references app_user (user_id),
    add column outcome text
        constraint report_outcome_check check (outcome in
            ('content_removed', 'content_edited', 'user_banned', 'no_action', 'duplicate')),
    add column resolution_note text,
    add column resolved_at timestamptz,
    add constraint report_resolution_shape check ((status = 'resolved') = (outcome is not null));

create index report_status_created_idx on report (status, created_at desc);

create table audit_log (
    audit_id     uuid primary key default gen_random_uuid(),
    actor_id     uuid not null references app_user (user_id),
    action       text not null,
    target_type  text not null constraint audit_target_check check (target_type in ('message', 'tree', 'user', 'report')),
    target_id    uuid not null,
    before       jsonb,
    after        jsonb,
    created_at   timestamptz not null default now()
);

create index audit_log_created_idx on audit_log (created_at desc);
create index audit_log_target_idx on audit_log (target_id, created_at desc);

-- The text-search configuration for a message language (Postgres' stemmers; 'simple' for
-- languages without one). Immutable, so a generated column can use it.
create function grove_text_config(lang text) returns regconfig
language sql immutable parallel safe as $$
    select case split_part(lang, '-', 1)
        when 'ar' then 'arabic'::regconfig
        when 'ca' then 'catalan'::regconfig
        when 'da' then 'danish'::regconfig
        when 'de' then 'german'::regconfig
        when 'el' then 'greek'::regconfig
        when 'en' then 'english'::regconfig
        when 'es' then 'spanish'::regconfig
        when 'eu' then 'basque'::regconfig
        when 'fi' then 'finnish'::regconfig
        when 'fr' then 'french'::regconfig
        when 'hi' then 'hindi'::regconfig
        when 'hu' then 'hungarian'::regconfig
        when 'id' then 'indonesian'::regconfig
        when 'it' then 'italian'::regconfig
        when 'nb' then 'norwegian'::regconfig
        when 'nl' then 'dutch'::regconfig
        when 'pt' then 'portuguese'::regconfig
        when 'ro' then 'romanian'::regconfig
        when 'ru' then 'russian'::regconfig
        when 'sv' then 'swedish'::regconfig
        when 'tr' then 'turkish'::regconfig
        else 'simple'::regconfig
    end
$$;

alter table message
    add column search_vector tsvector
        generated always as (to_tsvector(grove_text_config(lang), text)) stored;

create index message_search_idx on message using gin (search_vector);
create index reaction_message_kind_idx on reaction (message_id, kind);
