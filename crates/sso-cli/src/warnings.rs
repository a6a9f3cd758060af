//! How the libraries' warnings reach the user without `--debug`: one line on stderr in the
//! CLI's warning style, `warning: {message} ({field}: {value}, ...)`, with no timestamp, level
//! or target, and stripped of terminal control characters (a message can carry a server's
//! error description). With `--debug` the ordinary `tracing` log format is used instead.
//!
//! The libraries log with `tracing::warn!` when something went wrong but the command can go on:
//! a failed refresh of a token that is still valid, a role-credential cache entry that could
//! not be written, a refresh lock held by another process.

use std::fmt::{self, Write as _};
use std::io::Write as _;

use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber, span};

/// The subscriber of a run without `--debug`: warning and error events as warning lines, each
/// written whole to the sink (stderr), and nothing else. It keeps no spans: unlike
/// `tracing_subscriber::fmt()`, it allocates nothing until a warning comes, which the warm path
/// of `export-credentials` (one process per `credential_process` call) notices.
pub(crate) struct Warnings {
    sink: Box<dyn Fn(&str) + Send + Sync>,
}

impl Warnings {
    /// Warning lines on stderr.
    pub(crate) fn to_stderr() -> Self {
        Self::to(|text| {
            let _ = std::io::stderr().lock().write_all(text.as_bytes());
        })
    }

    /// Warning lines, each with its newline, to `sink`.
    pub(crate) fn to(sink: impl Fn(&str) + Send + Sync + 'static) -> Self {
        Self {
            sink: Box::new(sink),
        }
    }
}

impl Subscriber for Warnings {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if self.enabled(metadata) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        // `ERROR` < `WARN` < `INFO` in `tracing`'s order.
        metadata.is_event() && *metadata.level() <= Level::WARN
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::WARN)
    }

    fn new_span(&self, _span: &span::Attributes<'_>) -> span::Id {
        // Never called: no span is enabled.
        span::Id::from_u64(1)
    }

    fn record(&self, _span: &span::Id, _values: &span::Record<'_>) {}

    fn record_follows_from(&self, _span: &span::Id, _follows: &span::Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let mut text = line(&fields);
        text.push('\n');
        (self.sink)(&text);
    }

    fn enter(&self, _span: &span::Id) {}

    fn exit(&self, _span: &span::Id) {}
}

/// The message and the other fields of one event, in the order they were recorded.
#[derive(Debug, Default)]
struct Fields {
    message: String,
    others: Vec<(&'static str, String)>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.record(field, value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.record(field, format!("{value:?}"));
    }
}

impl Fields {
    fn record(&mut self, field: &Field, value: String) {
        if field.name() == "message" {
            self.message = value;
        } else {
            self.others.push((field.name(), value));
        }
    }
}

/// `warning: {message} ({field}: {value}, ...)` on one line, printable.
fn line(fields: &Fields) -> String {
    let mut line = format!("warning: {}", fields.message);
    if !fields.others.is_empty() {
        let others: Vec<String> = fields
            .others
            .iter()
            .map(|(name, value)| format!("{name}: {value}"))
            .collect();
        let _ = write!(line, " ({})", others.join(", "));
    }
    one_printable_line(&line)
}

/// `text` on one line, through the one sanitiser ([`crate::term::printable`]), with its
/// newlines and tabs turned into spaces.
fn one_printable_line(text: &str) -> String {
    crate::term::printable(text).replace(['\n', '\t'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_then_fields_on_one_printable_line() {
        let fields = Fields {
            message: "could not cache the role credentials".to_owned(),
            others: vec![(
                "error",
                "disk full\n\u{1b}[2J\u{1b}]52;c;aGk=\u{7}now".to_owned(),
            )],
        };
        assert_eq!(
            line(&fields),
            "warning: could not cache the role credentials (error: disk full now)"
        );
        let fields = Fields {
            message: "using the cached one".to_owned(),
            others: Vec::new(),
        };
        assert_eq!(line(&fields), "warning: using the cached one");
    }

    #[test]
    fn events_are_formatted_without_timestamp_or_level() {
        let output = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = output.clone();
        let subscriber = Warnings::to(move |text| sink.lock().unwrap().push_str(text));
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(lock = "/tmp/x.lock", "another process is refreshing");
            tracing::info!("not shown");
            tracing::error!("shown \u{1b}[2Jtoo");
            let span = tracing::warn_span!("not recorded", secret = "no");
            let _entered = span.enter();
            tracing::debug!("not shown either");
        });
        let text = output.lock().unwrap().clone();
        assert_eq!(
            text,
            "warning: another process is refreshing (lock: /tmp/x.lock)\nwarning: shown too\n"
        );
    }
}
