//! The questions of a review: yes/no questions, flag toggles and five-point scales between
//! their two pole texts. Mandatory questions are marked; an untouched scale stays absent.

use super::label_text;
use crate::{i18n::*, tr};
use domain::{label::Widget, task::view::LabelField};
use leptos::prelude::*;
use std::collections::BTreeMap;

const SCALE: [f64; 5] = [0.0, 0.25, 0.5, 0.75, 1.0];

/// Whether every mandatory question has an answer.
pub fn complete(fields: &[LabelField], values: &BTreeMap<String, f64>) -> bool {
    fields
        .iter()
        .filter(|field| field.mandatory)
        .all(|field| values.contains_key(&field.name))
}

/// The answers chosen in the server-rendered form while the WebAssembly was loading (its radio
/// buttons work without it), by label. A form the app rendered or took over is marked
/// `data-live`, so a task that follows another finds nothing here.
pub fn chosen_before_hydration() -> BTreeMap<String, f64> {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        let mut chosen = BTreeMap::new();
        let Ok(inputs) = document().query_selector_all(
            "[data-test=\"label-form\"]:not([data-live]) input[type=\"radio\"]:checked",
        ) else {
            return chosen;
        };
        for index in 0..inputs.length() {
            let Some(input) = inputs
                .item(index)
                .and_then(|node| node.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                continue;
            };
            let name = input.name();
            let label = name.strip_prefix("q-").or_else(|| name.strip_prefix("s-"));
            if let (Some(label), Ok(value)) = (label, input.value().parse::<f64>()) {
                chosen.insert(label.to_owned(), value);
            }
        }
        chosen
    }
    #[cfg(not(feature = "hydrate"))]
    {
        BTreeMap::new()
    }
}

#[component]
pub fn LabelForm(
    fields: Vec<LabelField>,
    values: RwSignal<BTreeMap<String, f64>>,
    #[prop(into)] locked: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    // the catalogue's texts, the server's English for a label the catalogue does not know yet
    let display = move |field: &LabelField| {
        label_text::display(i18n, &field.name).map_or_else(|| field.display.clone(), str::to_owned)
    };
    let help = move |field: &LabelField| {
        label_text::help(i18n, &field.name).map_or_else(|| field.help.clone(), str::to_owned)
    };
    let set = move |name: String, value: Option<f64>| {
        values.update(|v| match value {
            Some(value) => {
                v.insert(name, value);
            }
            None => {
                v.remove(&name);
            }
        });
    };
    let value_of = move |name: &str| values.with(|v| v.get(name).copied());
    let by_widget = |widget: Widget| {
        fields
            .iter()
            .filter(|field| field.widget == widget)
            .cloned()
            .collect::<Vec<_>>()
    };
    let (questions, flags, scales) = (
        by_widget(Widget::YesNo),
        by_widget(Widget::Flag),
        by_widget(Widget::Likert),
    );
    // marks the form once the app owns it (see `chosen_before_hydration`)
    let form = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(element) = form.get() {
            let _ = element.set_attribute("data-live", "true");
        }
    });

    view! {
        <div class="label-form" data-test="label-form" node_ref=form>
            {questions
                .into_iter()
                .map(|field| {
                    let name = field.name.clone();
                    let (yes, no) = (name.clone(), name.clone());
                    let (yes_name, no_name) = (name.clone(), name.clone());
                    view! {
                        <fieldset class="question" data-label=name.clone()>
                            <legend>
                                {display(&field)}
                                {field.mandatory.then(|| view! { <span class="required" aria-label=tr(i18n, |i| t_string!(i, label_form.required))>" *"</span> })}
                            </legend>
                            <p class="hint">{help(&field)}</p>
                            <div class="choice-row">
                                <label class="choice">
                                    <input type="radio" name=format!("q-{yes_name}") value="1" disabled=locked
                                        prop:checked=move || value_of(&yes) == Some(1.0)
                                        on:change={ let name = name.clone(); move |_| set(name.clone(), Some(1.0)) } />
                                    {tr(i18n, |i| t_string!(i, label_form.yes))}
                                </label>
                                <label class="choice">
                                    <input type="radio" name=format!("q-{no_name}") value="0" disabled=locked
                                        prop:checked=move || value_of(&no) == Some(0.0)
                                        on:change={ let name = name.clone(); move |_| set(name.clone(), Some(0.0)) } />
                                    {tr(i18n, |i| t_string!(i, label_form.no))}
                                </label>
                            </div>
                        </fieldset>
                    }
                })
                .collect_view()}
            <fieldset class="flags">
                <legend>{tr(i18n, |i| t_string!(i, label_form.flags))} <span class="hint">{tr(i18n, |i| t_string!(i, label_form.toggle))}</span></legend>
                <div class="flag-row">
                    {flags
                        .into_iter()
                        .map(|field| {
                            let name = field.name.clone();
                            let flag_name = StoredValue::new(name.clone());
                            let pressed = move || flag_name.with_value(|n| value_of(n)) == Some(1.0);
                            view! {
                                <button
                                    type="button"
                                    class="flag"
                                    title=help(&field)
                                    data-label=name.clone()
                                    aria-pressed=move || pressed().to_string()
                                    class:on=pressed
                                    disabled=locked
                                    on:click={
                                        let name = name.clone();
                                        move |_| {
                                            let on = value_of(&name) == Some(1.0);
                                            set(name.clone(), (!on).then_some(1.0));
                                        }
                                    }
                                >
                                    {display(&field)}
                                </button>
                            }
                        })
                        .collect_view()}
                </div>
            </fieldset>
            {scales
                .into_iter()
                .map(|field| {
                    let name = field.name.clone();
                    let (low, high) = label_text::poles(i18n, &name)
                        .map(|(low, high)| (low.to_owned(), high.to_owned()))
                        .or_else(|| field.poles.clone())
                        .unwrap_or_default();
                    let shown = display(&field);
                    view! {
                        <fieldset class="scale" data-label=name.clone()>
                            <legend>{shown.clone()} <span class="hint">{tr(i18n, |i| t_string!(i, label_form.optional))}</span></legend>
                            <div class="scale-row">
                                <span class="pole">{low.clone()}</span>
                                {SCALE
                                    .iter()
                                    .enumerate()
                                    .map(|(step, value)| {
                                        let value = *value;
                                        let name = name.clone();
                                        let checked = { let name = name.clone(); move || value_of(&name) == Some(value) };
                                        view! {
                                            <label class="step">
                                                <input type="radio" name=format!("s-{name}") value=value.to_string() disabled=locked
                                                    aria-label=t_string!(i18n, label_form.step).replace("{label}", &shown).replace("{step}", &(step + 1).to_string())
                                                    prop:checked=checked
                                                    on:change={ let name = name.clone(); move |_| set(name.clone(), Some(value)) } />
                                            </label>
                                        }
                                    })
                                    .collect_view()}
                                <span class="pole">{high.clone()}</span>
                                <button type="button" class="link-button" disabled=locked
                                    on:click={ let name = name.clone(); move |_| set(name.clone(), None) }>{tr(i18n, |i| t_string!(i, label_form.clear))}</button>
                            </div>
                        </fieldset>
                    }
                })
                .collect_view()}
        </div>
    }
}
