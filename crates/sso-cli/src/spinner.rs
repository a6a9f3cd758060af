//! A status line on stderr while waiting for the user to approve a sign-in, with the time left:
//! `⠋ waiting for approval in the browser (9m 41s left)`.
//!
//! On a terminal the line is redrawn ten times a second by a background thread and erased by
//! [`Spinner::finish`] (or on drop). Anywhere else the status is printed once, as plain text,
//! so logs and CI output get one readable line instead of control characters.

use std::io::Write;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const TICK: Duration = Duration::from_millis(100);

/// A running status line; finish it to erase it.
#[derive(Debug)]
pub(crate) struct Spinner {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Spinner {
    /// Starts a status line on stderr, animated only when stderr is a terminal.
    pub(crate) fn start(message: &str, deadline: Instant) -> Self {
        use std::io::IsTerminal as _;
        let tty = std::io::stderr().is_terminal();
        Self::start_on(Box::new(std::io::stderr()), tty, message, deadline)
    }

    /// Starts a status line on any writer; `tty` chooses animation or a single line.
    pub(crate) fn start_on(
        mut writer: Box<dyn Write + Send>,
        tty: bool,
        message: &str,
        deadline: Instant,
    ) -> Self {
        let left = deadline.saturating_duration_since(Instant::now());
        if !tty {
            // Output that nobody watches live gets the status once. A failed write to stderr
            // has nowhere to be reported, so it is ignored.
            let _ = writeln!(writer, "{message} ({} left)", format_left(left));
            let _ = writer.flush();
            return Self {
                stop: None,
                thread: None,
            };
        }
        let (stop, stopped) = mpsc::channel::<()>();
        let message = message.to_owned();
        let thread = std::thread::spawn(move || {
            let mut frame = 0;
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                let _ = write!(writer, "\r{}\u{1b}[K", status_line(frame, &message, left));
                let _ = writer.flush();
                frame += 1;
                match stopped.recv_timeout(TICK) {
                    Err(RecvTimeoutError::Timeout) => {}
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
                }
            }
            let _ = write!(writer, "\r\u{1b}[K");
            let _ = writer.flush();
        });
        Self {
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Stops the animation and erases the line.
    pub(crate) fn finish(mut self) {
        self.stop_thread();
    }

    fn stop_thread(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.stop_thread();
    }
}

/// One frame of the animated line, without control characters.
pub(crate) fn status_line(frame: usize, message: &str, left: Duration) -> String {
    format!(
        "{} {message} ({} left)",
        FRAMES[frame % FRAMES.len()],
        format_left(left)
    )
}

/// `9m 41s`, `41s`, `1h 02m`; whole seconds, rounded down.
pub(crate) fn format_left(left: Duration) -> String {
    let seconds = left.as_secs();
    match (seconds / 3600, seconds / 60 % 60, seconds % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m {s:02}s"),
        (h, m, _) => format!("{h}h {m:02}m"),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    #[test]
    fn time_left_is_human() {
        assert_eq!(format_left(Duration::from_secs(581)), "9m 41s");
        assert_eq!(format_left(Duration::from_secs(41)), "41s");
        assert_eq!(format_left(Duration::from_secs(3720)), "1h 02m");
        assert_eq!(
            status_line(
                0,
                "waiting for approval in the browser",
                Duration::from_secs(581)
            ),
            "⠋ waiting for approval in the browser (9m 41s left)"
        );
    }

    #[test]
    fn without_a_terminal_the_status_is_printed_once() {
        let out = Shared::default();
        let deadline = Instant::now() + Duration::from_secs(600);
        let spinner = Spinner::start_on(Box::new(out.clone()), false, "waiting", deadline);
        std::thread::sleep(Duration::from_millis(250));
        spinner.finish();
        let text = out.text();
        assert_eq!(text.lines().count(), 1, "{text:?}");
        assert!(text.starts_with("waiting (9m 5"), "{text:?}");
        assert!(!text.contains('\u{1b}'));
    }

    #[test]
    fn on_a_terminal_the_line_is_redrawn_and_cleared() {
        let out = Shared::default();
        let deadline = Instant::now() + Duration::from_secs(60);
        let spinner = Spinner::start_on(Box::new(out.clone()), true, "waiting", deadline);
        std::thread::sleep(Duration::from_millis(250));
        spinner.finish();
        let text = out.text();
        assert!(text.matches("\r⠋ waiting (").count() == 1, "{text:?}");
        assert!(text.contains("\r⠙ waiting ("), "{text:?}");
        assert!(text.ends_with("\r\u{1b}[K"), "{text:?}");
    }
}
