-- The interface language a user chose (a catalogue locale such as 'de' or 'pt-BR'); null
-- follows the browser.
alter table app_user add column interface_locale text;

-- Languages where an admin paused new conversations: no initial-prompt tasks are handed out
-- there until the row is removed. Replies, reviews and rankings go on.
create table language_pause (
    lang text primary key,
    paused_by uuid not null references app_user (user_id),
    paused_at timestamptz not null default now()
);

-- Pausing and resuming a language is audited like every moderation action.
alter table audit_log drop constraint audit_target_check;
alter table audit_log add constraint audit_target_check
    check (target_type in ('message', 'tree', 'user', 'report', 'language'));
