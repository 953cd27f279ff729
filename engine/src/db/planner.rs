//! Planner statistics of the tables the task loop reads on every request.

use crate::Error;
use sqlx::PgConnection;

/// The tables of the task loop whose statistics are kept fresh while they grow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HotTable {
    Task,
    Message,
    MessageTree,
    Label,
    Ranking,
    AnnotatorQuality,
    Submission,
    Reaction,
}

impl HotTable {
    pub(crate) const ALL: [Self; 8] = [
        Self::Task,
        Self::Message,
        Self::MessageTree,
        Self::Label,
        Self::Ranking,
        Self::AnnotatorQuality,
        Self::Submission,
        Self::Reaction,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Task => "task",
            Self::Message => "message",
            Self::MessageTree => "message_tree",
            Self::Label => "label",
            Self::Ranking => "ranking",
            Self::AnnotatorQuality => "annotator_quality",
            Self::Submission => "submission",
            Self::Reaction => "reaction",
        }
    }
}

/// Takes the cluster-wide lock of the statistics refresh for this transaction, unless another
/// server holds it.
pub(crate) async fn try_lock(conn: &mut PgConnection) -> Result<bool, Error> {
    Ok(sqlx::query_scalar!(
        "select pg_try_advisory_xact_lock(hashtext('grove.planner_statistics')::bigint) as \"locked!\""
    )
    .fetch_one(conn)
    .await?)
}

/// Of the hot tables, those that now hold more than `growth` times the rows the planner
/// believes they have (and at least `floor` rows).
pub(crate) async fn grown(
    conn: &mut PgConnection,
    growth: f64,
    floor: i64,
) -> Result<Vec<HotTable>, Error> {
    let names: Vec<String> = HotTable::ALL.iter().map(|t| t.name().to_owned()).collect();
    // (reltuples is -1 for a table never analysed: any table past the floor has grown)
    let grown = sqlx::query_scalar!(
        "select s.relname as \"relname!\"
         from pg_stat_user_tables s join pg_class c on c.oid = s.relid
         where s.schemaname = current_schema() and s.relname = any($1)
           and s.n_live_tup >= $3::bigint and s.n_live_tup > c.reltuples * $2::float8",
        &names,
        growth,
        floor,
    )
    .fetch_all(conn)
    .await?;
    Ok(HotTable::ALL
        .into_iter()
        .filter(|t| grown.iter().any(|name| name == t.name()))
        .collect())
}

/// Refreshes a table's statistics (cached plans that read it are planned again).
pub(crate) async fn analyze(conn: &mut PgConnection, table: HotTable) -> Result<(), Error> {
    let statement = match table {
        HotTable::Task => sqlx::query!("analyze task"),
        HotTable::Message => sqlx::query!("analyze message"),
        HotTable::MessageTree => sqlx::query!("analyze message_tree"),
        HotTable::Label => sqlx::query!("analyze label"),
        HotTable::Ranking => sqlx::query!("analyze ranking"),
        HotTable::AnnotatorQuality => sqlx::query!("analyze annotator_quality"),
        HotTable::Submission => sqlx::query!("analyze submission"),
        HotTable::Reaction => sqlx::query!("analyze reaction"),
    };
    statement.execute(conn).await?;
    Ok(())
}
