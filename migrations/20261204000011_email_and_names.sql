-- An e-mail address belongs to one account only once it is verified; unverified addresses may
-- repeat, so registering tells nobody whether an address is known.
alter table app_user add column email_verified_at timestamptz;
drop index app_user_email_key;
create unique index app_user_verified_email_key on app_user (lower(email))
    where email_verified_at is not null;

-- The confusable-free form of every username and display name (decancer, then letters and
-- digits only): a name whose form another account holds is refused.
create table name_skeleton (
    skeleton  text primary key check (skeleton <> ''),
    user_id   uuid not null references app_user (user_id) on delete cascade,
    kind      text not null check (kind in ('username', 'display_name'))
);
create index name_skeleton_user on name_skeleton (user_id);

-- Single-use links sent by e-mail: address verification, password reset, sign-in. Only a
-- hash of the token is kept.
create table account_token (
    token_hash  bytea primary key,
    user_id     uuid not null references app_user (user_id) on delete cascade,
    purpose     text not null check (purpose in ('verify_email', 'reset_password', 'login_link')),
    -- the address the link went to (a verification verifies exactly this one)
    email       text not null,
    created_at  timestamptz not null default now(),
    expires_at  timestamptz not null,
    used_at     timestamptz
);
create index account_token_user on account_token (user_id, purpose);
