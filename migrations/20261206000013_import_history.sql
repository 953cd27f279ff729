-- Imported history is kept as it is: messages carry a flag, so that the rules of live growth
-- (one reply per author and parent) do not refuse what a published dataset holds, and every
-- emoji count a release carries survives a round trip.
alter table message add column imported boolean not null default false;
-- emoji counts beyond Grove's own reactions (`_skip_labeling`, `_skip_ranking`, any other),
-- as a JSON object of counts; `+1`, `-1`, `red_flag` and `_skip_reply` live in the counters
alter table message add column imported_emojis jsonb
    check (imported_emojis is null or jsonb_typeof(imported_emojis) = 'object');
-- the Detoxify scores a release carries (added offline by OpenAssistant), exported back
alter table message add column imported_detoxify jsonb
    check (imported_detoxify is null or jsonb_typeof(imported_detoxify) = 'object');

-- what earlier imports brought in (live trees have no origin)
update message m set imported = true
from message_tree t
where t.message_tree_id = m.message_tree_id and t.origin is not null;

drop index message_one_reply_per_user;
create unique index message_one_reply_per_user on message (parent_id, user_id)
    where parent_id is not null and not deleted and not imported;
