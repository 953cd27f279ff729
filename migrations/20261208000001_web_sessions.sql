-- Browser sessions in Grove's own table. The login they carry (the account and the session
-- version it was issued for) is kept in columns, so the task loop checks the session in the
-- transaction it runs anyway, on the connection it already holds, instead of loading the
-- session first through a pool connection of its own (BENCHMARKS.md, "Sessions read in the
-- task loop's transaction"). The rest of a session (a sign-in flow under way, say) is `data`.
-- Sessions of the previous store (`tower_sessions.session`, an encoded blob per session) are
-- carried over, out of that table, by `grove` at start-up (server/src/startup.rs): the table
-- stays, empty, for servers of this release that start later; a later release drops it.

create table web_session (
    session_id       text primary key,
    user_id          uuid references app_user (user_id) on delete cascade,
    session_version  integer,
    data             jsonb not null,
    expires_at       timestamptz not null,
    constraint web_session_login check ((user_id is null) = (session_version is null))
);

create index web_session_expires_at on web_session (expires_at);
create index web_session_user on web_session (user_id) where user_id is not null;
