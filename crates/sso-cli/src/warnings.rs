//! How the libraries' warnings reach the user without `--debug`: one line on stderr in the
//! CLI's warning style, `warning: {message} ({field}: {value}, ...)`, with no timestamp, level
//! or target, and stripped of terminal control characters (a message can carry a server's
//! error description). With `--debug` the ordinary `tracing` log format is used instead.
//!
//! The libraries log with `tracing::warn!` when something went wrong but the command can go on:
//! a failed refresh of a token that is still valid, a role-credential cache entry that could
//! not be written, a refresh lock held by another process.

use std::fmt::{self, Write as _};

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// The [`FormatEvent`] of the warning lines.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct WarningLine;

impl<S, N> FormatEvent<S, N> for WarningLine
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut fields = Fields::default();
        event.record(&mut fields);
        writeln!(writer, "{}", line(&fields))
    }
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
        let output = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
        let sink = output.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .event_format(WarningLine)
            .with_writer(move || Sink(sink.clone()))
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(lock = "/tmp/x.lock", "another process is refreshing");
            tracing::info!("not shown");
        });
        let text = String::from_utf8(output.lock().unwrap().clone()).unwrap();
        assert_eq!(
            text,
            "warning: another process is refreshing (lock: /tmp/x.lock)\n"
        );
    }

    struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
}
