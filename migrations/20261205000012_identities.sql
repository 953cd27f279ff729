-- Sign-in through identity providers (OpenID Connect, or OAuth2 for GitHub and Discord): the
-- provider's stable id of the person, linked to one account. An account signs in with a
-- password, with its identities, or both; one identity per provider and account.
create table user_identity (
    provider      text not null check (provider ~ '^[a-z0-9][a-z0-9-]{0,31}$'),
    subject       text not null check (char_length(subject) between 1 and 255),
    user_id       uuid not null references app_user (user_id) on delete cascade,
    -- the address the provider gave at the last sign-in (shown on the account page)
    email         text,
    created_at    timestamptz not null default now(),
    last_used_at  timestamptz not null default now(),
    primary key (provider, subject),
    constraint user_identity_one_per_provider unique (user_id, provider)
);
