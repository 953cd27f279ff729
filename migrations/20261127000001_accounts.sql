-- Accounts and the web sessions that belong to them.

create function set_updated_at() returns trigger
language plpgsql as $$
begin
    new.updated_at = now();
    return new;
end;
$$;

create table app_user (
    user_id          uuid primary key default gen_random_uuid(),
    username         text not null,
    email            text,
    display_name     text not null,
    -- null once the account is deleted: nobody can log in to an anonymised account
    password_hash    text,
    role             text not null default 'annotator'
                     constraint app_user_role_check check (role in ('annotator', 'moderator', 'admin')),
    banned           boolean not null default false,
    deleted          boolean not null default false,
    -- bumped whenever existing sessions must stop working (password change, ban, deletion)
    session_version  integer not null default 1,
    tos_accepted_at  timestamptz,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    constraint app_user_username_length check (char_length(username) between 3 and 64),
    constraint app_user_display_name_length check (char_length(display_name) between 1 and 64)
);

create unique index app_user_username_key on app_user (lower(username));
create unique index app_user_email_key on app_user (lower(email)) where email is not null;

create trigger app_user_set_updated_at before update on app_user
    for each row execute function set_updated_at();

-- tower-sessions' Postgres store; kept here so migrations stay the one source of schema.
create schema if not exists tower_sessions;

create table if not exists tower_sessions.session (
    id          text primary key not null,
    data        bytea not null,
    expiry_date timestamptz not null
);

create index session_expiry_date_idx on tower_sessions.session (expiry_date);
