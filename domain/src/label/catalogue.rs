//! The label set: a small, stable list with per-role subsets and one fixed order (yes/no
//! questions, then flags, then scales). Values are 0..1: yes/no and flags are 0 or 1, scales
//! have five steps. A scale the reviewer did not touch is absent, never 0.

use crate::{message::Role, Invalid};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Widget {
    YesNo,
    Flag,
    Likert,
}

/// What is being labelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelTarget {
    InitialPrompt,
    AssistantReply,
    PrompterReply,
}

impl LabelTarget {
    pub fn of(role: Role, depth: u32) -> Self {
        match (role, depth) {
            (Role::Prompter, 0) => Self::InitialPrompt,
            (Role::Prompter, _) => Self::PrompterReply,
            (Role::Assistant, _) => Self::AssistantReply,
        }
    }
}

/// A full review asks every label of the role; a simple one only checks for spam.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LabelMode {
    Full,
    Simple,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LabelSpec {
    pub name: &'static str,
    pub widget: Widget,
    /// The question or flag as shown.
    pub display: &'static str,
    pub help: &'static str,
    /// The texts at the two ends of a scale (low, high).
    pub poles: Option<(&'static str, &'static str)>,
    prompt: bool,
    assistant: bool,
    prompter_reply: bool,
    report: bool,
}

impl LabelSpec {
    fn applies_to(&self, target: LabelTarget) -> bool {
        match target {
            LabelTarget::InitialPrompt => self.prompt,
            LabelTarget::AssistantReply => self.assistant,
            LabelTarget::PrompterReply => self.prompter_reply,
        }
    }
}

const fn spec(
    name: &'static str,
    widget: Widget,
    display: &'static str,
    help: &'static str,
    poles: Option<(&'static str, &'static str)>,
    roles: [bool; 4],
) -> LabelSpec {
    let [prompt, assistant, prompter_reply, report] = roles;
    LabelSpec {
        name,
        widget,
        display,
        help,
        poles,
        prompt,
        assistant,
        prompter_reply,
        report,
    }
}

/// Every label, in display order. Roles: [prompt, assistant reply, user reply, report].
pub const LABELS: &[LabelSpec] = &[
    spec("spam", Widget::YesNo, "Is the message spam?",
        "Intentionally low-quality, trolling or irrelevant: it undermines the purpose of the dataset. Not a judgement of quality.",
        None, [true, true, true, true]),
    spec("fails_task", Widget::YesNo, "Is it a bad reply, as an answer to the prompt task?",
        "It ignores or fails the instruction it answers.", None, [false, true, false, false]),
    spec("lang_mismatch", Widget::Flag, "Wrong language",
        "Written in a language other than the one the task asked for.", None, [true, true, true, false]),
    spec("pii", Widget::Flag, "Contains personal information",
        "Names, addresses, phone numbers or account details of real people.", None, [true, true, true, true]),
    spec("not_appropriate", Widget::Flag, "Not appropriate",
        "Not something a helpful assistant should say or be asked in this setting.", None, [true, true, true, true]),
    spec("hate_speech", Widget::Flag, "Hate speech",
        "Abusive or threatening, expressing prejudice against a protected characteristic.", None, [true, true, true, true]),
    spec("sexual_content", Widget::Flag, "Sexual content", "Contains sexual content.", None, [true, true, true, true]),
    spec("moral_judgement", Widget::Flag, "Judges morality", "Expresses moral judgement.", None, [false, false, false, true]),
    spec("political_content", Widget::Flag, "Political", "Expresses political views.", None, [false, false, false, true]),
    spec("quality", Widget::Likert, "Quality", "Overall subjective quality.",
        Some(("Low quality", "High quality")), [true, true, true, true]),
    spec("toxicity", Widget::Likert, "Rudeness", "Rude, abusive, profane or insulting content.",
        Some(("Polite", "Rude")), [true, true, true, true]),
    spec("humor", Widget::Likert, "Humour", "Humorous content including sarcasm.",
        Some(("Serious", "Humorous")), [true, true, true, false]),
    spec("helpfulness", Widget::Likert, "Helpfulness", "How much the reply helps the user.",
        Some(("Unhelpful", "Helpful")), [false, true, false, false]),
    spec("creativity", Widget::Likert, "Creativity", "How original the message is.",
        Some(("Ordinary", "Creative")), [true, true, true, false]),
    spec("violence", Widget::Likert, "Violence", "Violence, abuse, terrorism or self-harm.",
        Some(("Harmless", "Violent")), [true, true, true, true]),
];

/// The labels a review of `target` asks, in display order.
pub fn valid_labels(target: LabelTarget, mode: LabelMode) -> Vec<&'static LabelSpec> {
    LABELS
        .iter()
        .filter(|label| label.applies_to(target))
        .filter(|label| match mode {
            LabelMode::Full => true,
            LabelMode::Simple => {
                matches!(label.name, "spam" | "lang_mismatch")
                    || (label.name == "quality" && target != LabelTarget::InitialPrompt)
            }
        })
        .collect()
}

/// The labels a review must answer.
pub fn mandatory_labels() -> &'static [&'static str] {
    &["spam"]
}

/// The labels offered when reporting a message.
pub fn report_labels() -> Vec<&'static LabelSpec> {
    LABELS.iter().filter(|label| label.report).collect()
}

pub fn find(name: &str) -> Option<&'static LabelSpec> {
    LABELS.iter().find(|label| label.name == name)
}

/// Checks submitted values against the labels a review asked for.
pub fn validate(
    values: &BTreeMap<String, f64>,
    allowed: &[&LabelSpec],
    mandatory: &[&str],
) -> Result<(), Invalid> {
    for (name, value) in values {
        let Some(spec) = allowed.iter().find(|spec| spec.name == name) else {
            return Err(Invalid::new(
                "invalid_label",
                format!("'{name}' is not a label of this review."),
            ));
        };
        let ok = match spec.widget {
            Widget::YesNo | Widget::Flag => *value == 0.0 || *value == 1.0,
            Widget::Likert => [0.0, 0.25, 0.5, 0.75, 1.0].contains(value),
        };
        if !ok {
            return Err(Invalid::new(
                "invalid_label_value",
                format!("{value} is not a value of '{name}'."),
            ));
        }
    }
    if let Some(missing) = mandatory.iter().find(|name| !values.contains_key(**name)) {
        return Err(Invalid::new(
            "mandatory_label_missing",
            format!("The label '{missing}' must be answered."),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(labels: Vec<&LabelSpec>) -> Vec<&str> {
        labels.into_iter().map(|l| l.name).collect()
    }

    #[test]
    fn each_role_gets_its_subset_in_one_order() {
        let prompt = names(valid_labels(LabelTarget::InitialPrompt, LabelMode::Full));
        assert_eq!(prompt.first(), Some(&"spam"));
        assert!(!prompt.contains(&"helpfulness"));
        assert!(!prompt.contains(&"fails_task"));
        let reply = names(valid_labels(LabelTarget::AssistantReply, LabelMode::Full));
        assert!(reply.contains(&"helpfulness") && reply.contains(&"fails_task"));
        assert_eq!(
            names(valid_labels(LabelTarget::AssistantReply, LabelMode::Simple)),
            vec!["spam", "lang_mismatch", "quality"]
        );
        assert!(names(report_labels()).contains(&"political_content"));
    }

    #[test]
    fn values_are_checked_against_their_widget() {
        let allowed = valid_labels(LabelTarget::AssistantReply, LabelMode::Full);
        let values = |pairs: &[(&str, f64)]| {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), *v))
                .collect::<BTreeMap<_, _>>()
        };
        assert!(validate(
            &values(&[("spam", 0.0), ("quality", 0.75)]),
            &allowed,
            mandatory_labels()
        )
        .is_ok());
        let code =
            |pairs| validate(&values(pairs), &allowed, mandatory_labels()).map_err(|e| e.code);
        assert_eq!(code(&[("quality", 0.75)]), Err("mandatory_label_missing"));
        assert_eq!(code(&[("spam", 0.5)]), Err("invalid_label_value"));
        assert_eq!(
            code(&[("spam", 0.0), ("quality", 0.3)]),
            Err("invalid_label_value")
        );
        assert_eq!(
            code(&[("spam", 0.0), ("moral_judgement", 1.0)]),
            Err("invalid_label")
        );
    }
}
