//! Turning an export request (form, URL query, command line) into checked options.

use super::{ExportFormat, ExportOptions, Split, SplitPart};
use crate::{moderation::parse_date, Error};
use domain::{message::LanguageTag, moderation::ExportQuery, tree::TreeState};

fn list(raw: Option<&str>) -> Vec<String> {
    raw.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl ExportOptions {
    /// Checks a request and fills in the defaults (ready-for-export trees, no deleted, spam or
    /// synthetic messages, the instance's pseudonyms).
    pub fn from_query(query: &ExportQuery) -> Result<Self, Error> {
        let mut options = Self::new(ExportFormat::parse(&query.format)?);
        let states = list(query.states.as_deref());
        if !states.is_empty() {
            options.states = if states.iter().any(|s| s == "all") {
                Vec::new()
            } else {
                states
                    .iter()
                    .map(|s| TreeState::parse(s))
                    .collect::<Result<_, _>>()?
            };
        }
        options.langs = list(query.langs.as_deref())
            .iter()
            .map(|l| LanguageTag::parse(l).map(|t| t.as_str().to_owned()))
            .collect::<Result<_, _>>()?;
        options.include_deleted = query.include_deleted;
        options.include_spam = query.include_spam;
        options.include_synthetic = query.include_synthetic;
        options.from = parse_date(query.from.as_deref())?;
        options.to = parse_date(query.to.as_deref())?;
        options.prompts_only = query.prompts_only;
        options.include_reward_scores = query.include_reward_scores;
        options.include_agreement = query.include_agreement;
        if let Some(part) = query
            .split
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let part = match part {
                "train" => SplitPart::Train,
                "validation" => SplitPart::Validation,
                other => {
                    return Err(Error::bad_input(
                        "invalid_split",
                        format!("Split '{other}' is train or validation."),
                    ))
                }
            };
            let fraction = query.validation_fraction.unwrap_or(0.05);
            if !(0.0..=1.0).contains(&fraction) {
                return Err(Error::bad_input(
                    "invalid_split",
                    "The validation fraction is between 0 and 1.",
                ));
            }
            options.split = Some(Split {
                part,
                validation_fraction: fraction,
                seed: query.split_seed.unwrap_or(0),
            });
        }
        Ok(options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_becomes_options_with_defaults() -> Result<(), Error> {
        let options = ExportOptions::from_query(&ExportQuery {
            format: "pairs-chat".to_owned(),
            langs: Some("en, PT-br".to_owned()),
            split: Some("validation".to_owned()),
            ..ExportQuery::default()
        })?;
        assert_eq!(options.format, ExportFormat::PairsChat);
        assert_eq!(options.states, vec![TreeState::ReadyForExport]);
        assert_eq!(options.langs, vec!["en".to_owned(), "pt-BR".to_owned()]);
        assert_eq!(options.split.map(|s| s.validation_fraction), Some(0.05));
        Ok(())
    }

    #[test]
    fn bad_requests_get_codes() {
        let code = |q: ExportQuery| {
            ExportOptions::from_query(&q)
                .map(|_| ())
                .map_err(|e| e.code())
        };
        assert_eq!(
            code(ExportQuery {
                format: "csv".to_owned(),
                ..Default::default()
            }),
            Err("invalid_format")
        );
        assert_eq!(
            code(ExportQuery {
                format: "trees".to_owned(),
                states: Some("done".to_owned()),
                ..Default::default()
            }),
            Err("invalid_tree_state")
        );
        assert_eq!(
            code(ExportQuery {
                format: "trees".to_owned(),
                from: Some("yesterday".to_owned()),
                ..Default::default()
            }),
            Err("invalid_date")
        );
        assert_eq!(
            code(ExportQuery {
                format: "trees".to_owned(),
                langs: Some("xx".to_owned()),
                ..Default::default()
            }),
            Err("unsupported_language")
        );
    }
}
