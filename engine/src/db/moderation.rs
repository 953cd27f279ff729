//! Moderator queries: users, message search, deletion, edits, purges.

use crate::Error;
use sqlx::PgExecutor;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

pub(crate) struct UserSummaryRow {
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub banned: bool,
    pub deleted: bool,
    pub messages: i64,
    pub created_at: OffsetDateTime,
}

/// Users whose username or display name contains `search`, sorted, one page.
pub(crate) async fn users(
    executor: impl PgExecutor<'_>,
    search: Option<&str>,
    sort: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<UserSummaryRow>, Error> {
    Ok(sqlx::query_as!(
        UserSummaryRow,
        "with counted as (
             select u.user_id, u.username, u.display_name, u.role, u.banned, u.deleted, u.created_at,
                    (select count(*) from message m where m.user_id = u.user_id) as messages
             from app_user u
             where $1::text is null
                or strpos(lower(u.username), lower($1)) > 0
                or strpos(lower(u.display_name), lower($1)) > 0
         )
         select user_id, username, display_name, role, banned, deleted, messages as \"messages!\", created_at
         from counted
         order by case when $2 = 'username' then lower(username) end,
                  case when $2 = 'display_name' then lower(display_name) end,
                  case when $2 = 'most_messages' then messages end desc,
                  created_at desc, user_id
         limit $3 offset $4",
        search,
        sort,
        limit,
        offset,
    )
    .fetch_all(executor)
    .await?)
}

pub(crate) async fn user_summary(
    executor: impl PgExecutor<'_>,
    id: Uuid,
) -> Result<Option<UserSummaryRow>, Error> {
    Ok(sqlx::query_as!(
        UserSummaryRow,
        "select u.user_id, u.username, u.display_name, u.role, u.banned, u.deleted, u.created_at,
                (select count(*) from message m where m.user_id = u.user_id) as \"messages!\"
         from app_user u where u.user_id = $1",
        id,
    )
    .fetch_optional(executor)
    .await?)
}

pub(crate) async fn user_extras(
    executor: impl PgExecutor<'_>,
    id: Uuid,
) -> Result<Option<(String, bool)>, Error> {
    Ok(sqlx::query!(
        "select notes, show_on_leaderboard from app_user where user_id = $1",
        id
    )
    .fetch_optional(executor)
    .await?
    .map(|r| (r.notes, r.show_on_leaderboard)))
}

pub(crate) async fn set_notes(
    executor: impl PgExecutor<'_>,
    id: Uuid,
    notes: &str,
) -> Result<(), Error> {
    sqlx::query!(
        "update app_user set notes = $2 where user_id = $1",
        id,
        notes
    )
    .execute(executor)
    .await?;
    Ok(())
}

pub(crate) async fn set_show_on_leaderboard(
    executor: impl PgExecutor<'_>,
    id: Uuid,
    show: bool,
) -> Result<(), Error> {
    sqlx::query!(
        "update app_user set show_on_leaderboard = $2 where user_id = $1",
        id,
        show
    )
    .execute(executor)
    .await?;
    Ok(())
}

/// Ids of messages matching a moderator's filter, newest first, with their report counts.
#[expect(clippy::too_many_arguments, reason = "one parameter per filter field")]
pub(crate) async fn search_messages(
    executor: impl PgExecutor<'_>,
    query: Option<&str>,
    lang: Option<&str>,
    review: Option<&str>,
    tree_state: Option<&str>,
    author: Option<&str>,
    from: Option<Date>,
    to: Option<Date>,
    reported_only: bool,
    include_deleted: bool,
    limit: i64,
    offset: i64,
) -> Result<Vec<(Uuid, i64)>, Error> {
    // with a language the query uses that language's stemmer (and the index); without one,
    // each message is matched in its own language
    let rows = sqlx::query!(
        "select m.message_id,
                (select count(*) from report r where r.message_id = m.message_id) as \"reports!\"
         from message m
         join message_tree t on t.message_tree_id = m.message_tree_id
         join app_user u on u.user_id = m.user_id
         where ($1::text is null or
                  case when $2::text is not null
                       then m.search_vector @@ websearch_to_tsquery(grove_text_config($2), $1)
                       else m.search_vector @@ websearch_to_tsquery(grove_text_config(m.lang), $1) end)
           and ($2::text is null or m.lang = $2)
           and ($3::text is null
                or ($3 = 'pending' and m.review_result is null)
                or ($3 = 'accepted' and m.review_result)
                or ($3 = 'rejected' and not m.review_result))
           and ($4::text is null or t.state = $4)
           and ($5::text is null or lower(u.username) = lower($5))
           and ($6::date is null or m.created_at >= $6)
           and ($7::date is null or m.created_at < $7 + 1)
           and (not $8 or exists (select 1 from report r where r.message_id = m.message_id))
           and ($9 or not m.deleted)
         order by m.created_at desc, m.message_id
         limit $10 offset $11",
        query,
        lang,
        review,
        tree_state,
        author,
        from,
        to,
        reported_only,
        include_deleted,
        limit,
        offset,
    )
    .fetch_all(executor)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.message_id, r.reports))
        .collect())
}

/// Restores a message and every ancestor; returns how many changed.
pub(crate) async fn undelete_with_ancestors(
    executor: impl PgExecutor<'_>,
    id: Uuid,
) -> Result<u64, Error> {
    let result = sqlx::query!(
        "with recursive up as (
             select message_id, parent_id from message where message_id = $1
             union all
             select p.message_id, p.parent_id from message p join up on p.message_id = up.parent_id
         )
         update message set deleted = false
         where message_id in (select message_id from up) and deleted",
        id,
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected())
}

/// Replaces a message's text, keeping the old one as a revision.
pub(crate) async fn edit(
    conn: &mut sqlx::PgConnection,
    id: Uuid,
    editor: Uuid,
    previous: &str,
    new: &str,
) -> Result<(), Error> {
    sqlx::query!(
        "insert into message_revision (message_id, editor_id, previous_text, new_text) values ($1, $2, $3, $4)",
        id,
        editor,
        previous,
        new,
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "update message set text = $2, edited = true where message_id = $1",
        id,
        new
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(crate) struct RevisionRow {
    pub editor: String,
    pub previous_text: String,
    pub new_text: String,
    pub created_at: OffsetDateTime,
}

pub(crate) async fn revisions(
    executor: impl PgExecutor<'_>,
    id: Uuid,
) -> Result<Vec<RevisionRow>, Error> {
    Ok(sqlx::query_as!(
        RevisionRow,
        "select u.username as editor, r.previous_text, r.new_text, r.created_at
         from message_revision r join app_user u on u.user_id = r.editor_id
         where r.message_id = $1 order by r.created_at, r.revision_id",
        id,
    )
    .fetch_all(executor)
    .await?)
}

pub(crate) async fn text_of(
    executor: impl PgExecutor<'_>,
    id: Uuid,
) -> Result<Option<(String, bool, Uuid)>, Error> {
    Ok(sqlx::query!(
        "select text, deleted, message_tree_id from message where message_id = $1",
        id
    )
    .fetch_optional(executor)
    .await?
    .map(|r| (r.text, r.deleted, r.message_tree_id)))
}

/// What a purge of a user touches.
pub(crate) struct PurgeScope {
    pub messages: i64,
    pub descendants: i64,
    pub labels: i64,
    pub rankings: i64,
    pub reactions: i64,
    pub trees: Vec<Uuid>,
}

pub(crate) async fn purge_scope(
    executor: impl PgExecutor<'_>,
    user: Uuid,
) -> Result<PurgeScope, Error> {
    let row = sqlx::query!(
        "with recursive own as (
             select message_id, message_tree_id from message where user_id = $1 and not deleted
         ),
         below as (
             select c.message_id, c.user_id from message c join own on c.parent_id = own.message_id where not c.deleted
             union
             select c.message_id, c.user_id from message c join below on c.parent_id = below.message_id where not c.deleted
         ),
         touched_trees as (
             select message_tree_id from own
             union select message_tree_id from message where message_id in (select message_id from label where user_id = $1)
             union select message_tree_id from ranking where user_id = $1
             union select m.message_tree_id from reaction r join message m on m.message_id = r.message_id where r.user_id = $1
         )
         select (select count(*) from own) as \"messages!\",
                (select count(*) from below where user_id <> $1) as \"descendants!\",
                (select count(*) from label where user_id = $1) as \"labels!\",
                (select count(*) from ranking where user_id = $1) as \"rankings!\",
                (select count(*) from reaction where user_id = $1) as \"reactions!\",
                (select coalesce(array_agg(message_tree_id), '{}') from touched_trees) as \"trees!\"",
        user,
    )
    .fetch_one(executor)
    .await?;
    Ok(PurgeScope {
        messages: row.messages,
        descendants: row.descendants,
        labels: row.labels,
        rankings: row.rankings,
        reactions: row.reactions,
        trees: row.trees,
    })
}

/// Removes a user's reviews, rankings and reactions and fixes the counters they fed. Reviews
/// of messages still under way reopen when too few remain.
pub(crate) async fn purge_judgements(
    conn: &mut sqlx::PgConnection,
    user: Uuid,
    reviews_needed: i64,
) -> Result<(), Error> {
    sqlx::query!(
        "with gone as (delete from label where user_id = $1 and task_id is not null returning message_id)
         update message m set review_count = m.review_count - g.n,
                review_result = case when m.review_count - g.n < $2 and t.state in ('initial_prompt_review', 'growing')
                                     then null else m.review_result end
         from (select message_id, count(*) as n from gone group by message_id) g, message_tree t
         where m.message_id = g.message_id and t.message_tree_id = m.message_tree_id",
        user,
        reviews_needed,
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!("delete from label where user_id = $1", user)
        .execute(&mut *conn)
        .await?;
    // the review and ranking tasks go with the judgements they produced
    sqlx::query!("delete from submission where user_id = $1", user)
        .execute(&mut *conn)
        .await?;
    sqlx::query!(
        "with gone as (delete from ranking where user_id = $1 returning ranked_ids)
         update message m set ranking_count = m.ranking_count - g.n
         from (select id, count(*) as n from gone, unnest(ranked_ids) as id group by id) g
         where m.message_id = g.id",
        user,
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "with gone as (delete from reaction where user_id = $1 returning message_id, kind)
         update message m
         set thumbs_up = m.thumbs_up - g.up, thumbs_down = m.thumbs_down - g.down,
             red_flags = m.red_flags - g.flags, skip_count = m.skip_count - g.skips
         from (select message_id,
                      count(*) filter (where kind = 'thumbs_up') as up,
                      count(*) filter (where kind = 'thumbs_down') as down,
                      count(*) filter (where kind = 'red_flag') as flags,
                      count(*) filter (where kind = 'skip_reply') as skips
               from gone group by message_id) g
         where m.message_id = g.message_id",
        user,
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "delete from task where user_id = $1 and (kind like 'label_%' or kind like 'rank_%')",
        user
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Soft-deletes every message of a user and all replies below them.
pub(crate) async fn delete_all_of(executor: impl PgExecutor<'_>, user: Uuid) -> Result<u64, Error> {
    let result = sqlx::query!(
        "with recursive sub as (
             select message_id from message where user_id = $1
             union
             select c.message_id from message c join sub on c.parent_id = sub.message_id
         )
         update message set deleted = true where message_id in (select message_id from sub) and not deleted",
        user,
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected())
}
