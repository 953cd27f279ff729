//! Skipping a task, with a reason; a report needs a text.

use crate::{api::tasks::skip_task, components::feedback::ErrorNote, error::AppError, i18n::*, tr};
use domain::{
    ids::TaskId,
    task::{view::TaskSkip, SkipReason, TaskKind},
};
use leptos::{prelude::*, task::spawn_local};

#[component]
pub fn SkipDialog(
    task_id: TaskId,
    kind: TaskKind,
    open: RwSignal<bool>,
    /// Called once the skip is stored.
    on_skipped: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let reason = RwSignal::new("cant_answer".to_owned());
    let report = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let mut reasons = vec![
        ("cant_answer", t_string!(i18n, skip.cant_answer)),
        ("not_my_language", t_string!(i18n, skip.not_my_language)),
    ];
    if kind == TaskKind::PrompterReply {
        reasons.push(("should_end_here", t_string!(i18n, skip.should_end_here)));
    }
    reasons.push(("report", t_string!(i18n, skip.report)));
    let confirm = move |_| {
        let chosen = match reason.get_untracked().as_str() {
            "not_my_language" => SkipReason::NotMyLanguage,
            "should_end_here" => SkipReason::ShouldEndHere,
            "report" => SkipReason::Report,
            _ => SkipReason::CantAnswer,
        };
        let report_text = (chosen == SkipReason::Report).then(|| report.get_untracked());
        busy.set(true);
        spawn_local(async move {
            match skip_task(
                task_id,
                TaskSkip {
                    reason: chosen,
                    report_text,
                },
            )
            .await
            {
                Ok(()) => {
                    open.set(false);
                    on_skipped.run(());
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };

    // a native modal dialog: a backdrop, the page behind it inert (focus stays inside), Escape
    // closes it, and closing gives the focus back to the Skip button
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    Effect::new(move |_| {
        let wanted = open.get();
        if let Some(element) = dialog.get() {
            if wanted && !element.open() {
                let _ = element.show_modal();
            } else if !wanted && element.open() {
                element.close();
            }
        }
    });

    view! {
        <dialog class="dialog" node_ref=dialog aria-labelledby="skip-title" data-test="skip-dialog"
            on:close=move |_| open.set(false)>
            <Show when=move || open.get()>
                <h2 id="skip-title">{tr(i18n, |i| t_string!(i, skip.heading))}</h2>
                <p class="muted">{tr(i18n, |i| t_string!(i, skip.not_again))}</p>
                <div class="form">
                    {reasons
                        .iter()
                        .map(|(value, text)| {
                            let value = (*value).to_owned();
                            let checked = { let value = value.clone(); move || reason.get() == value };
                            view! {
                                <label class="choice">
                                    <input type="radio" name="skip-reason" prop:checked=checked
                                        on:change={ let value = value.clone(); move |_| reason.set(value.clone()) } />
                                    {*text}
                                </label>
                            }
                        })
                        .collect_view()}
                    <Show when=move || reason.get() == "report">
                        <label>
                            {tr(i18n, |i| t_string!(i, skip.what_wrong))}
                            <textarea rows="3" bind:value=report data-test="report-text"></textarea>
                        </label>
                    </Show>
                    {move || error.get().map(|error| view! { <ErrorNote error /> })}
                    <div class="actions">
                        <button type="button" class="button" data-test="confirm-skip" disabled=busy on:click=confirm>
                            {tr(i18n, |i| t_string!(i, skip.skip))}
                        </button>
                        <button type="button" class="button secondary" data-test="cancel-skip" on:click=move |_| open.set(false)>
                            {tr(i18n, |i| t_string!(i, skip.cancel))}
                        </button>
                    </div>
                </div>
            </Show>
        </dialog>
    }
}
