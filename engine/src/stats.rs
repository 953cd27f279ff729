//! Live figures: the statistics page, leaderboards and the trollboard. All are computed from
//! the rows on request, so they are never stale.

use crate::{db, moderation::require_moderator, tasks::view_time, Engine, Error};
use domain::{
    ids::UserId,
    moderation::{LanguageStatistics, LeaderRow, Leaderboard, Statistics, TrollRow, Window},
    scoring,
    tree::TreeState,
};
use std::collections::BTreeMap;
use time::{Date, Duration, OffsetDateTime};

/// Rows at the top of a leaderboard.
const TOP: usize = 100;
/// Ranks shown either side of the viewer.
const AROUND: usize = 3;

fn since(window: Window) -> Option<OffsetDateTime> {
    window
        .hours()
        .map(|hours| OffsetDateTime::now_utc() - Duration::hours(hours))
}

/// How many days the per-day figures cover, today included.
const DAYS: i64 = 30;

/// Per-day figures over every one of the last [`DAYS`] days up to `today`, oldest first: a day
/// without activity counts zero (so a chart's columns are days, evenly), and rows outside the
/// window are left out.
fn every_day<T: Default>(rows: impl IntoIterator<Item = (Date, T)>, today: Date) -> Vec<(Date, T)> {
    let mut by_day: BTreeMap<Date, T> = rows.into_iter().collect();
    (0..DAYS)
        .rev()
        .filter_map(|back| today.checked_sub(Duration::days(back)))
        .map(|day| (day, by_day.remove(&day).unwrap_or_default()))
        .collect()
}

/// The first day of the [`DAYS`] up to `today`.
fn first_day(today: Date) -> Date {
    today
        .checked_sub(Duration::days(DAYS - 1))
        .unwrap_or(Date::MIN)
}

impl Engine {
    /// Messages and contributors per day, trees by state and language, and what each language
    /// still needs.
    pub async fn statistics(&self) -> Result<Statistics, Error> {
        let today = db::stats::today(&self.pool).await?;
        let since = first_day(today);
        let messages = db::stats::messages_per_day(&self.pool, since)
            .await?
            .into_iter()
            .map(|(day, prompter, assistant)| (day, (prompter, assistant)));
        let messages_per_day = every_day(messages, today)
            .into_iter()
            .map(|(day, (prompter, assistant))| (day.to_string(), prompter, assistant))
            .collect();
        let contributors = db::stats::contributors_per_day(&self.pool, since).await?;
        let contributors_per_day = every_day(contributors, today)
            .into_iter()
            .map(|(day, count)| (day.to_string(), count))
            .collect();
        let LanguageStatistics {
            trees_by_state,
            backlog,
        } = self.language_statistics().await?;
        Ok(Statistics {
            messages_per_day,
            contributors_per_day,
            trees_by_state,
            backlog,
            generated_at: view_time(OffsetDateTime::now_utc()),
        })
    }

    /// Trees by state and language, and what each language still needs.
    pub async fn language_statistics(&self) -> Result<LanguageStatistics, Error> {
        let trees_by_state = db::stats::trees_by_state(&self.pool)
            .await?
            .into_iter()
            .map(|(lang, state, count)| Ok((lang, TreeState::parse(&state)?, count)))
            .collect::<Result<_, Error>>()?;
        let backlog = db::stats::backlog(
            &self.pool,
            i32::try_from(self.config.num_reviews_reply).unwrap_or(i32::MAX),
            i64::from(self.config.num_required_rankings),
        )
        .await?;
        Ok(LanguageStatistics {
            trees_by_state,
            backlog,
        })
    }

    /// The leaderboard of a window: the top 100 and the ranks around `viewer`.
    pub async fn leaderboard(
        &self,
        window: Window,
        viewer: Option<UserId>,
    ) -> Result<Leaderboard, Error> {
        let rows = db::scores::contributions(&self.pool, since(window), None, true).await?;
        let mut scored: Vec<(i64, db::scores::ContributorRow)> = rows
            .into_iter()
            .map(|row| (row.contributions.points(), row))
            .filter(|(points, _)| *points > 0)
            .collect();
        scored.sort_by(|(a, ra), (b, rb)| b.cmp(a).then(ra.user_id.cmp(&rb.user_id)));
        let ranked: Vec<LeaderRow> = scored
            .into_iter()
            .enumerate()
            .map(|(index, (points, row))| LeaderRow {
                rank: u32::try_from(index + 1).unwrap_or(u32::MAX),
                display_name: row.display_name,
                points,
                level: scoring::level(points).0,
                contributions: row.contributions,
                is_me: viewer.is_some_and(|v| v.as_uuid() == row.user_id),
            })
            .collect();
        let around_me = ranked
            .iter()
            .position(|row| row.is_me)
            .map(|me| {
                let start = me.saturating_sub(AROUND);
                ranked
                    .iter()
                    .skip(start)
                    .take(2 * AROUND + 1)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        Ok(Leaderboard {
            window,
            participants: u32::try_from(ranked.len()).unwrap_or(u32::MAX),
            top: ranked.into_iter().take(TOP).collect(),
            around_me,
        })
    }

    /// Users by the bad signals their messages received in a window, worst first.
    pub async fn trollboard(
        &self,
        actor: UserId,
        window: Window,
        banned: bool,
    ) -> Result<Vec<TrollRow>, Error> {
        let mut conn = self.pool.acquire().await?;
        require_moderator(&mut conn, actor).await?;
        let counts = db::stats::troll_counts(&mut *conn, since(window), banned).await?;
        let mut rows = Vec::with_capacity(counts.len());
        for count in counts {
            let Some(summary) = db::moderation::user_summary(&mut *conn, count.user_id).await?
            else {
                continue;
            };
            let score = TrollRow::troll_score(
                count.red_flags,
                count.thumbs_up,
                count.thumbs_down,
                count.spam_prompts,
                count.flag_labels,
            );
            rows.push(TrollRow {
                user: summary.into_summary()?,
                red_flags: count.red_flags,
                thumbs_down: count.thumbs_down,
                thumbs_up: count.thumbs_up,
                spam_prompts: count.spam_prompts,
                flag_labels: count.flag_labels,
                score,
            });
        }
        rows.sort_by(|a, b| b.score.cmp(&a.score).then(a.user.id.cmp(&b.user.id)));
        rows.truncate(TOP);
        Ok(rows)
    }
}

#[cfg(test)]
mod every_day_tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn every_day_of_the_window_is_a_column_and_quiet_days_count_zero() {
        let today = date!(2026 - 03 - 02);
        let rows = vec![
            (date!(2026 - 01 - 01), 9), // before the window
            (date!(2026 - 02 - 01), 4), // its first day
            (date!(2026 - 02 - 28), 2),
            (date!(2026 - 03 - 02), 5),
        ];
        let days = every_day(rows, today);
        assert_eq!(days.len(), 30);
        assert_eq!(days.first(), Some(&(date!(2026 - 02 - 01), 4)));
        assert_eq!(first_day(today), date!(2026 - 02 - 01));
        assert_eq!(days.last(), Some(&(today, 5)));
        assert!(days.contains(&(date!(2026 - 03 - 01), 0)));
        assert_eq!(days.iter().map(|(_, n)| n).sum::<i32>(), 11);
        assert!(days.windows(2).all(|pair| match pair {
            [a, b] => b.0 == a.0.next_day().expect("a day"),
            _ => false,
        }));
    }
}
