//! Queries that find broken invariants; each returns a description per violation.

use crate::Error;
use sqlx::PgExecutor;

/// Every invariant check, as (name, SQL-backed check) pairs run by `Engine::check_invariants`.
pub(crate) async fn violations(executor: impl PgExecutor<'_> + Copy) -> Result<Vec<String>, Error> {
    let mut found = Vec::new();
    found.extend(
        sqlx::query_scalar!(
            "select 'too many replies under ' || p.message_id::text as \"v!\"
             from message p join message_tree t on t.message_tree_id = p.message_tree_id
             where not p.imported and (select count(*) from message c
                    where c.parent_id = p.message_id and not c.deleted and c.review_result is not false)
                   > case p.role when 'prompter' then t.max_children_count
                                 else least(t.num_prompter_replies, t.max_children_count) end"
        )
        .fetch_all(executor)
        .await?,
    );
    found.extend(
        sqlx::query_scalar!(
            "select 'two replies by one user under ' || parent_id::text as \"v!\"
             from message where parent_id is not null and not deleted and not imported
             group by parent_id, user_id having count(*) > 1"
        )
        .fetch_all(executor)
        .await?,
    );
    found.extend(
        sqlx::query_scalar!(
            "select 'bad shape of ' || c.message_id::text as \"v!\"
             from message c join message p on p.message_id = c.parent_id
             join message_tree t on t.message_tree_id = c.message_tree_id
             where c.role = p.role or c.depth <> p.depth + 1 or c.message_tree_id <> p.message_tree_id
                or c.depth > t.max_depth and not c.imported"
        )
        .fetch_all(executor)
        .await?,
    );
    found.extend(
        sqlx::query_scalar!(
            "select 'counters of ' || m.message_id::text || ' disagree with the rows' as \"v!\"
             from message m join message_tree t on t.message_tree_id = m.message_tree_id
             where m.children_count <> (select count(*) from message c where c.parent_id = m.message_id and not c.deleted)
                or t.origin is null and (
                m.review_count <> (select count(*) from label l where l.message_id = m.message_id and l.task_id is not null)
                or m.ranking_count <> (select count(*) from ranking r where m.message_id = any(r.ranked_ids))
                or m.thumbs_up <> (select count(*) from reaction r where r.message_id = m.message_id and r.kind = 'thumbs_up')
                or m.thumbs_down <> (select count(*) from reaction r where r.message_id = m.message_id and r.kind = 'thumbs_down')
                or m.red_flags <> (select count(*) from reaction r where r.message_id = m.message_id and r.kind = 'red_flag'))"
        )
        .fetch_all(executor)
        .await?,
    );
    found.extend(
        sqlx::query_scalar!(
            "select 'self-review of ' || message_id::text as \"v!\"
             from label where task_id is not null and user_id = message_author_id"
        )
        .fetch_all(executor)
        .await?,
    );
    found.extend(
        sqlx::query_scalar!(
            "select 'self-ranking under ' || r.parent_id::text as \"v!\"
             from ranking r join message c on c.message_id = any(r.ranked_ids)
             where c.user_id = r.user_id"
        )
        .fetch_all(executor)
        .await?,
    );
    found.extend(
        sqlx::query_scalar!(
            "select 'tree ' || message_tree_id::text || ' grows without having won the lottery' as \"v!\"
             from message_tree
             where state in ('growing', 'ranking', 'ready_for_scoring') and won_lottery_at is null
               and origin is null"
        )
        .fetch_all(executor)
        .await?,
    );
    found.extend(
        sqlx::query_scalar!(
            "select 'done task ' || k.task_id::text || ' left no trace' as \"v!\"
             from task k
             where k.done_at is not null and not (
                 (k.kind in ('initial_prompt', 'assistant_reply', 'prompter_reply')
                     and exists (select 1 from message m where m.task_id = k.task_id))
                 or (k.kind like 'label_%' and exists (select 1 from label l where l.task_id = k.task_id))
                 or (k.kind like 'rank_%' and exists (select 1 from ranking r where r.task_id = k.task_id))
                 or (k.gold_id is not null and exists (select 1 from gold_answer a where a.task_id = k.task_id)))"
        )
        .fetch_all(executor)
        .await?,
    );
    found.extend(
        sqlx::query_scalar!(
            "select 'gold task ' || k.task_id::text || ' changed live data' as \"v!\"
             from task k
             where k.gold_id is not null and (
                 exists (select 1 from label l where l.task_id = k.task_id)
                 or exists (select 1 from ranking r where r.task_id = k.task_id))"
        )
        .fetch_all(executor)
        .await?,
    );
    found.extend(
        sqlx::query_scalar!(
            "select 'exported tree ' || t.message_tree_id::text || ' has unranked siblings' as \"v!\"
             from message_tree t
             where t.state = 'ready_for_export' and t.origin is null and exists (
                 select 1 from message c
                 where c.message_tree_id = t.message_tree_id and not c.deleted and c.review_result
                   and c.role = 'assistant' and c.parent_id is not null
                   and (select count(*) from ranking r where r.parent_id = c.parent_id) < 1
                   and (select count(*) from message s where s.parent_id = c.parent_id
                        and not s.deleted and s.review_result and s.role = 'assistant') >= 2)"
        )
        .fetch_all(executor)
        .await?,
    );
    Ok(found)
}
