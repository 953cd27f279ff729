//! Bulk writes of `grove import`: whole batches of trees, authors, messages and labels in a
//! few statements (arrays unnested by Postgres), and the look-ups that make an import
//! idempotent.

use crate::Error;
use sqlx::PgConnection;
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// The trees of a batch, column by column.
#[derive(Debug, Default)]
pub(crate) struct TreeColumns {
    pub id: Vec<Uuid>,
    pub lang: Vec<String>,
    pub origin: Vec<String>,
}

/// The messages of a batch, column by column. Absent values are encoded so that arrays stay
/// free of nulls: the nil UUID for no parent, an empty text for no model name or no extra
/// emojis or no Detoxify scores, -1 for no rank, and review results as -1 (none), 0 (false) and 1 (true).
#[derive(Debug, Default)]
pub(crate) struct MessageColumns {
    pub id: Vec<Uuid>,
    pub tree: Vec<Uuid>,
    pub parent: Vec<Uuid>,
    pub author: Vec<Uuid>,
    pub role: Vec<String>,
    pub depth: Vec<i32>,
    pub lang: Vec<String>,
    pub text: Vec<String>,
    pub deleted: Vec<bool>,
    pub synthetic: Vec<bool>,
    pub model_name: Vec<String>,
    pub review_count: Vec<i32>,
    pub review_result: Vec<i32>,
    pub rank: Vec<i32>,
    pub created_at: Vec<OffsetDateTime>,
    pub children: Vec<i32>,
    pub thumbs_up: Vec<i32>,
    pub thumbs_down: Vec<i32>,
    pub red_flags: Vec<i32>,
    pub skips: Vec<i32>,
    pub extra_emojis: Vec<String>,
    pub detoxify: Vec<String>,
}

/// The labels of a batch, column by column.
#[derive(Debug, Default)]
pub(crate) struct LabelColumns {
    pub message: Vec<Uuid>,
    pub name: Vec<String>,
    pub value: Vec<f64>,
    pub count: Vec<i32>,
}

/// The trees of `ids` that are in Grove already.
pub(crate) async fn present_trees(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, Error> {
    Ok(sqlx::query_scalar!(
        "select message_tree_id from message_tree where message_tree_id = any($1)",
        ids,
    )
    .fetch_all(conn)
    .await?)
}

/// The messages of `ids` that are in Grove already.
pub(crate) async fn present_messages(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, Error> {
    Ok(sqlx::query_scalar!(
        "select message_id from message where message_id = any($1)",
        ids
    )
    .fetch_all(conn)
    .await?)
}

/// One hidden account per author key (a release's pseudonymous `user_id`, or one per tree for
/// messages without one), made on first sight: key to account.
pub(crate) async fn authors(
    conn: &mut PgConnection,
    keys: &[String],
) -> Result<HashMap<String, Uuid>, Error> {
    let rows = sqlx::query!(
        r#"with keys as (
               select k, 'import-' || left(md5(k), 20) as username from unnest($1::text[]) k
           ), made as (
               insert into app_user (username, display_name, tos_accepted_at, show_on_leaderboard)
               select username, 'Imported author', now(), false from keys
               on conflict (lower(username)) do update set display_name = excluded.display_name
               returning user_id, username
           )
           select keys.k as "key!", made.user_id as "user_id!"
           from keys join made on made.username = keys.username"#,
        keys,
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.key, r.user_id)).collect())
}

pub(crate) async fn insert_trees(
    conn: &mut PgConnection,
    trees: &TreeColumns,
    state: &str,
    limits: [i32; 4],
) -> Result<(), Error> {
    let [goal, depth, children, prompter_replies] = limits;
    sqlx::query!(
        "insert into message_tree (message_tree_id, state, lang, goal_tree_size, max_depth,
                                   max_children_count, num_prompter_replies, origin)
         select id, $4::text, lang, $5::int4, $6::int4, $7::int4, $8::int4, origin
         from unnest($1::uuid[], $2::text[], $3::text[]) as t(id, lang, origin)",
        &trees.id,
        &trees.lang,
        &trees.origin,
        state,
        goal,
        depth,
        children,
        prompter_replies,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn insert_messages(
    conn: &mut PgConnection,
    m: &MessageColumns,
) -> Result<(), Error> {
    sqlx::query!(
        "insert into message (message_id, message_tree_id, parent_id, user_id, role, depth, lang,
                              text, deleted, synthetic, model_name, review_count, review_result,
                              rank, created_at, children_count, thumbs_up, thumbs_down,
                              red_flags, skip_count, imported, imported_emojis, imported_detoxify)
         select id, tree, nullif(parent, '00000000-0000-0000-0000-000000000000'::uuid), author,
                role, depth, lang, text, deleted, synthetic, nullif(model_name, ''), review_count,
                case review_result when 1 then true when 0 then false end, nullif(rank, -1),
                created_at, children, thumbs_up, thumbs_down, red_flags, skips, true,
                nullif(extra_emojis, '')::jsonb, nullif(detoxify, '')::jsonb
         from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::int4[],
                     $7::text[], $8::text[], $9::bool[], $10::bool[], $11::text[], $12::int4[],
                     $13::int4[], $14::int4[], $15::timestamptz[], $16::int4[], $17::int4[],
                     $18::int4[], $19::int4[], $20::int4[], $21::text[], $22::text[])
              as m(id, tree, parent, author, role, depth, lang, text, deleted, synthetic,
                   model_name, review_count, review_result, rank, created_at, children,
                   thumbs_up, thumbs_down, red_flags, skips, extra_emojis, detoxify)",
        &m.id,
        &m.tree,
        &m.parent,
        &m.author,
        &m.role,
        &m.depth,
        &m.lang,
        &m.text,
        &m.deleted,
        &m.synthetic,
        &m.model_name,
        &m.review_count,
        &m.review_result,
        &m.rank,
        &m.created_at,
        &m.children,
        &m.thumbs_up,
        &m.thumbs_down,
        &m.red_flags,
        &m.skips,
        &m.extra_emojis,
        &m.detoxify,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn insert_labels(
    conn: &mut PgConnection,
    labels: &LabelColumns,
) -> Result<(), Error> {
    if labels.message.is_empty() {
        return Ok(());
    }
    sqlx::query!(
        "insert into message_label_import (message_id, name, value, count)
         select * from unnest($1::uuid[], $2::text[], $3::float8[], $4::int4[])",
        &labels.message,
        &labels.name,
        &labels.value,
        &labels.count,
    )
    .execute(conn)
    .await?;
    Ok(())
}
