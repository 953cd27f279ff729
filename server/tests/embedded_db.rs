//! The embedded default database: created on first use, reused afterwards, stopped with the app.

use server::dev_db::EmbeddedPostgres;

#[tokio::test]
async fn the_private_cluster_is_created_migrated_and_stopped() -> anyhow::Result<()> {
    // under /tmp so the postgres user can reach it when the tests run as root
    let data_dir = std::env::temp_dir().join(format!("grove-embedded-{}", uuid::Uuid::new_v4()));
    let cluster = EmbeddedPostgres::start(&data_dir, None).await?;
    engine::database::create_database_if_missing(&cluster.admin_url(), cluster.database_name())
        .await?;
    let engine = engine::Engine::connect(&cluster.url(), 2).await?;
    engine.migrate().await?;
    engine.ping().await?;
    engine.pool().close().await;
    cluster.stop().await;
    assert!(data_dir.join("postgres/data/PG_VERSION").exists());

    // a second start finds the cluster and its database again
    let again = EmbeddedPostgres::start(&data_dir, None).await?;
    let engine = engine::Engine::connect(&again.url(), 2).await?;
    engine.ping().await?;
    engine.pool().close().await;
    again.stop().await;
    std::fs::remove_dir_all(&data_dir)?;
    Ok(())
}
