//! Bulk generation of finished trees, for benchmarks and demos. Ids are derived from a run
//! prefix and counters, so one statement builds whole trees set-wise.

use crate::Error;
use sqlx::PgConnection;

/// Inserts `authors` users who accepted the terms (password login disabled).
pub(crate) async fn authors(conn: &mut PgConnection, run: &str, authors: i32) -> Result<(), Error> {
    sqlx::query!(
        "insert into app_user (user_id, username, display_name, tos_accepted_at)
         select md5($1::text || '-user-' || n)::uuid, 'seed-' || $1 || '-' || n, 'Seed author ' || n, now()
         from generate_series(1, $2) as n",
        run,
        authors,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Inserts `trees` finished trees of 16 messages each (a prompt, three ranked answers, a
/// follow-up under each, three ranked answers to each follow-up), spread over the last 90 days.
pub(crate) async fn finished_trees(
    conn: &mut PgConnection,
    run: &str,
    first: i32,
    trees: i32,
    authors: i32,
    lang: &str,
) -> Result<(), Error> {
    sqlx::query!(
        "insert into message_tree (message_tree_id, state, lang, goal_tree_size, max_depth,
                                   max_children_count, num_prompter_replies, origin, won_lottery_at)
         select md5($1::text || '-t-' || t)::uuid, 'ready_for_export', $4, 15, 5, 3, 1, 'seed', now()
         from generate_series($2::int, $2::int + $3::int - 1) as t",
        run,
        first,
        trees,
        lang,
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "with shape as (
             -- (node key, parent key, role, depth, rank) of the 16 messages of every tree
             select * from (values
                 ('r', null, 'prompter', 0, null::int)) as root(k, p, role, depth, rank)
             union all
             select 'a' || j, 'r', 'assistant', 1, j - 1 from generate_series(1, 3) j
             union all
             select 'f' || j, 'a' || j, 'prompter', 2, null from generate_series(1, 3) j
             union all
             select 'a' || j || k, 'f' || j, 'assistant', 3, k - 1
             from generate_series(1, 3) j, generate_series(1, 3) k
         )
         insert into message (message_id, message_tree_id, parent_id, user_id, role, depth, lang,
                              text, review_result, rank, children_count, created_at)
         select case when s.k = 'r' then md5($1::text || '-t-' || t)::uuid
                     else md5($1::text || '-m-' || t || '-' || s.k)::uuid end,
                md5($1::text || '-t-' || t)::uuid,
                case when s.p is null then null
                     when s.p = 'r' then md5($1::text || '-t-' || t)::uuid
                     else md5($1::text || '-m-' || t || '-' || s.p)::uuid end,
                md5($1::text || '-user-' || (1 + (t * 7 + s.depth * 3 + coalesce(s.rank, 0)) % $4))::uuid,
                s.role, s.depth, $5,
                case s.role
                    when 'prompter' then 'Seeded question ' || t || '.' || s.k || ': how does photosynthesis turn light into sugar, and why do leaves change colour in autumn?'
                    else 'Seeded answer ' || t || '.' || s.k || ': plants capture light with chlorophyll, split water, and use the energy to fix carbon dioxide into sugars through the Calvin cycle.' end,
                true, s.rank,
                case when s.k = 'r' then 3 when s.depth = 1 then 1 when s.depth = 2 then 3 else 0 end,
                now() - make_interval(days => t % 90, secs => s.depth * 60)
         from generate_series($2::int, $2::int + $3::int - 1) as t, shape s
         order by t, s.depth",
        run,
        first,
        trees,
        authors,
        lang,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(crate) async fn message_count(conn: &mut PgConnection) -> Result<i64, Error> {
    Ok(
        sqlx::query_scalar!("select count(*) as \"n!\" from message")
            .fetch_one(conn)
            .await?,
    )
}
