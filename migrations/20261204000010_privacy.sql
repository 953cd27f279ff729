-- Secrets an instance makes for itself once and keeps (the export pseudonyms' key, when
-- GROVE_EXPORT_SECRET does not name one): random, never sent to anyone.
create table instance_secret (
    name        text primary key,
    value       bytea not null check (octet_length(value) >= 32),
    created_at  timestamptz not null default now()
);
