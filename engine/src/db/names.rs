//! The confusable-free forms of names (see `accounts::skeleton`), one account each.

use crate::Error;
use sqlx::PgConnection;
use uuid::Uuid;

/// Claims `skeleton` for `user` as a name of `kind`; `false` when another account holds it.
/// The user's own earlier claim of it (a display name equal to the username) is kept.
pub(crate) async fn claim(
    conn: &mut PgConnection,
    user: Uuid,
    skeleton: &str,
    kind: &str,
) -> Result<bool, Error> {
    let holder = sqlx::query_scalar!(
        "insert into name_skeleton (skeleton, user_id, kind) values ($1, $2, $3)
         on conflict (skeleton) do update set skeleton = excluded.skeleton
         returning user_id",
        skeleton,
        user,
        kind
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(holder == user)
}

/// Lets go of the user's display-name form (before claiming the next one).
pub(crate) async fn release_display_name(conn: &mut PgConnection, user: Uuid) -> Result<(), Error> {
    sqlx::query!(
        "delete from name_skeleton where user_id = $1 and kind = 'display_name'",
        user
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Lets go of every form of the user's names (a deleted account).
pub(crate) async fn release_all(conn: &mut PgConnection, user: Uuid) -> Result<(), Error> {
    sqlx::query!("delete from name_skeleton where user_id = $1", user)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Accounts whose names have no forms yet (made before the forms existed, or imported).
pub(crate) async fn without_forms(
    conn: &mut PgConnection,
) -> Result<Vec<(Uuid, String, String)>, Error> {
    Ok(sqlx::query!(
        "select u.user_id, u.username, u.display_name from app_user u
         where not u.deleted
           and not exists (select 1 from name_skeleton s where s.user_id = u.user_id)"
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| (r.user_id, r.username, r.display_name))
    .collect())
}
