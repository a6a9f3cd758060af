//! The terminal as the wizard and the picker see it: a trait, a crossterm-backed implementation,
//! and a scripted one for tests that records a readable transcript.
//!
//! Raw mode is used only while a picker is on screen ([`Terminal::begin_picker`] to
//! [`Terminal::end_picker`]) and while [`read_hidden_line`] reads a secret (an MFA code) without
//! echoing it; prompts read whole lines in the terminal's normal mode, so editing keys and
//! Ctrl-C behave as usual there.
//! The picker draws whole frames ([`Terminal::draw`]) so that cursor movement stays in the real
//! terminal and test transcripts show only text.
//!
//! [`printable`] is the one sanitizer for text that reaches a terminal: everything the CLI
//! prints that may hold text from outside (server messages, callback parameters, names from the
//! portal, config file snippets) goes through it: the error renderer ([`crate::error::render`]),
//! [`eprint()`] for messages on stderr, [`CrosstermTerminal`] for the wizard and picker, and the
//! `list` text and table cells. Our own styling (bold, colours) is added after it.

use std::borrow::Cow;
use std::io::{self, BufRead as _, IsTerminal as _, Write as _};

use zeroize::Zeroizing;

/// `text` without terminal control characters: C0 controls other than `\n` and `\t`, DEL, C1
/// controls, and whole escape sequences (CSI such as `ESC[2J`, OSC such as an `ESC]52;...`
/// clipboard write up to its BEL or `ESC\\`, DCS/SOS/PM/APC strings, and two-byte `ESC x`)
/// are removed; everything else, including non-ASCII text, is kept as it is.
pub(crate) fn printable(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\t' => out.push(c),
            // ESC and its 8-bit equivalents: skip the whole sequence.
            '\u{1b}' => match chars.next() {
                Some('[') => skip_csi(&mut chars),
                Some(']' | 'P' | 'X' | '^' | '_') => skip_string(&mut chars),
                _ => {}
            },
            '\u{9b}' => skip_csi(&mut chars),
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `text` with every terminal control character (as [`printable`] sees them, plus `\r` not
/// before `\n`) replaced by spaces of the same UTF-8 length, so that byte offsets into it stay
/// valid (config file snippets with spans).
pub(crate) fn printable_same_length(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let unsafe_char = |(i, c): (usize, char)| {
        c.is_control() && c != '\n' && c != '\t' && !(c == '\r' && bytes.get(i + 1) == Some(&b'\n'))
    };
    if !text.char_indices().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if unsafe_char((i, c)) {
            out.extend(std::iter::repeat_n(' ', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Skips a CSI sequence's parameter and intermediate bytes and its final byte.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) || !(' '..='\u{7e}').contains(&c) {
            break;
        }
    }
}

/// Skips an OSC, DCS, SOS, PM or APC string up to its terminator (BEL, ST or `ESC \\`).
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

/// Writes a message to stderr through [`printable`]; a closed stderr is ignored (there is
/// nowhere to report it).
pub(crate) fn eprint(text: &str) {
    let mut err = io::stderr().lock();
    let _ = err.write_all(printable(text).as_bytes());
    let _ = err.flush();
}

/// A key the picker understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    /// Arrow up.
    Up,
    /// Arrow down.
    Down,
    /// Page up.
    PageUp,
    /// Page down.
    PageDown,
    /// Home.
    Home,
    /// End.
    End,
    /// Enter.
    Enter,
    /// Escape.
    Escape,
    /// Ctrl-C (in raw mode it arrives as a key, not a signal).
    Interrupt,
    /// Backspace.
    Backspace,
    /// A printable character.
    Char(char),
    /// Anything else, ignored.
    Other,
}

/// What the interactive parts of the CLI need from a terminal.
pub(crate) trait Terminal {
    /// Whether both input and output are a terminal, so menus and spinners make sense.
    fn is_tty(&self) -> bool;

    /// Writes text as is (the text carries its own newlines) and flushes.
    fn write(&mut self, text: &str) -> io::Result<()>;

    /// Writes text in bold when colours are on.
    fn write_emphasis(&mut self, text: &str) -> io::Result<()> {
        self.write(text)
    }

    /// Reads one line without its line ending; `None` at end of input.
    fn read_line(&mut self) -> io::Result<Option<String>>;

    /// Enters the picker's mode: raw input, hidden cursor.
    fn begin_picker(&mut self) -> io::Result<()>;

    /// Reads one key; only valid between `begin_picker` and `end_picker`.
    fn read_key(&mut self) -> io::Result<Key>;

    /// Replaces the frame drawn last with these lines.
    fn draw(&mut self, lines: &[String]) -> io::Result<()>;

    /// Erases the frame and restores the terminal's normal mode.
    fn end_picker(&mut self) -> io::Result<()>;
}

/// The real terminal: stdin and stdout (or stderr) through crossterm.
#[derive(Debug)]
pub(crate) struct CrosstermTerminal {
    color: bool,
    raw: bool,
    drawn: u16,
    on_stderr: bool,
}

impl CrosstermTerminal {
    /// A terminal on stdin/stdout; `color` enables bold text.
    pub(crate) fn new(color: bool) -> Self {
        Self {
            color,
            raw: false,
            drawn: 0,
            on_stderr: false,
        }
    }

    /// A terminal on stdin/stderr, for commands whose stdout is read by a program (the menu of
    /// `sso use`, whose stdout the shell evaluates).
    pub(crate) fn on_stderr(color: bool) -> Self {
        Self {
            on_stderr: true,
            ..Self::new(color)
        }
    }

    /// The stream the terminal draws on, locked.
    fn output(&self) -> Box<dyn io::Write> {
        if self.on_stderr {
            Box::new(io::stderr().lock())
        } else {
            Box::new(io::stdout().lock())
        }
    }

    /// Writes text that already went through [`printable`] (plus our own styling).
    fn write_raw(&mut self, text: &str) -> io::Result<()> {
        let mut out = self.output();
        if self.raw {
            // Raw mode does not translate "\n" into "\r\n".
            out.write_all(text.replace('\n', "\r\n").as_bytes())?;
        } else {
            out.write_all(text.as_bytes())?;
        }
        out.flush()
    }

    fn erase_frame(&mut self, out: &mut impl io::Write) -> io::Result<()> {
        use crossterm::{cursor, terminal};
        if self.drawn > 0 {
            crossterm::queue!(out, cursor::MoveUp(self.drawn))?;
        }
        crossterm::queue!(
            out,
            cursor::MoveToColumn(0),
            terminal::Clear(terminal::ClearType::FromCursorDown)
        )?;
        self.drawn = 0;
        Ok(())
    }
}

impl Terminal for CrosstermTerminal {
    fn is_tty(&self) -> bool {
        let output = if self.on_stderr {
            io::stderr().is_terminal()
        } else {
            io::stdout().is_terminal()
        };
        io::stdin().is_terminal() && output
    }

    fn write(&mut self, text: &str) -> io::Result<()> {
        self.write_raw(&printable(text))
    }

    fn write_emphasis(&mut self, text: &str) -> io::Result<()> {
        let text = printable(text);
        if self.color {
            self.write_raw(&format!("\u{1b}[1m{text}\u{1b}[0m"))
        } else {
            self.write_raw(&text)
        }
    }
    fn read_line(&mut self) -> io::Result<Option<String>> {
        let mut line = String::new();
        if io::stdin().lock().read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let trimmed = line.trim_end_matches(['\n', '\r']).len();
        line.truncate(trimmed);
        Ok(Some(line))
    }

    fn begin_picker(&mut self) -> io::Result<()> {
        crossterm::terminal::enable_raw_mode()?;
        self.raw = true;
        self.drawn = 0;
        crossterm::execute!(self.output(), crossterm::cursor::Hide)
    }

    fn read_key(&mut self) -> io::Result<Key> {
        read_raw_key()
    }

    fn draw(&mut self, lines: &[String]) -> io::Result<()> {
        let mut out = self.output();
        self.erase_frame(&mut out)?;
        for line in lines {
            out.write_all(printable(line).as_bytes())?;
            out.write_all(b"\r\n")?;
        }
        self.drawn = u16::try_from(lines.len()).unwrap_or(u16::MAX);
        out.flush()
    }

    fn end_picker(&mut self) -> io::Result<()> {
        if !self.raw {
            return Ok(());
        }
        let mut out = self.output();
        let erased = self.erase_frame(&mut out);
        let shown = crossterm::execute!(out, crossterm::cursor::Show);
        self.raw = false;
        crossterm::terminal::disable_raw_mode()?;
        erased.and(shown)
    }
}

/// Reads one key from the terminal; the terminal must be in raw mode.
fn read_raw_key() -> io::Result<Key> {
    use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
    loop {
        let Event::Key(key) = event::read()? else {
            continue;
        };
        if key.kind == KeyEventKind::Release {
            continue;
        }
        let control = key.modifiers.contains(KeyModifiers::CONTROL);
        return Ok(match key.code {
            KeyCode::Char('c' | 'C') if control => Key::Interrupt,
            KeyCode::Char('p') if control => Key::Up,
            KeyCode::Char('n') if control => Key::Down,
            KeyCode::Char(c) if !control => Key::Char(c),
            KeyCode::Up => Key::Up,
            KeyCode::Down => Key::Down,
            KeyCode::PageUp => Key::PageUp,
            KeyCode::PageDown => Key::PageDown,
            KeyCode::Home => Key::Home,
            KeyCode::End => Key::End,
            KeyCode::Enter => Key::Enter,
            KeyCode::Esc => Key::Escape,
            KeyCode::Backspace => Key::Backspace,
            _ => Key::Other,
        });
    }
}

/// The longest secret [`read_hidden_line`] keeps (an MFA code has 6 digits); the buffer never
/// grows, so no copy of the secret is left behind by a reallocation.
const MAX_HIDDEN_CHARS: usize = 64;

/// Shows `prompt` on stderr and reads a line from the terminal without echoing it; `None` when
/// the user pressed Ctrl-C or Escape. Raw mode is on before the prompt shows (keys typed at
/// once are not echoed either) and restored after, also on error.
///
/// # Errors
///
/// The terminal could not be put into raw mode, written or read.
pub(crate) fn read_hidden_line(prompt: &str) -> io::Result<Option<Zeroizing<String>>> {
    crossterm::terminal::enable_raw_mode()?;
    let line = write_stderr(prompt)
        .and_then(|()| collect_hidden(std::iter::from_fn(|| Some(read_raw_key()))));
    let restored = crossterm::terminal::disable_raw_mode();
    let ended = write_stderr("\n");
    let line = line?;
    restored?;
    ended?;
    Ok(line)
}

fn write_stderr(text: &str) -> io::Result<()> {
    let mut stderr = io::stderr().lock();
    stderr.write_all(text.as_bytes())?;
    stderr.flush()
}

/// The line typed as `keys`: characters up to Enter, Backspace deleting; `None` on Ctrl-C,
/// Escape or the end of the keys.
fn collect_hidden(
    keys: impl IntoIterator<Item = io::Result<Key>>,
) -> io::Result<Option<Zeroizing<String>>> {
    let mut line = Zeroizing::new(String::with_capacity(MAX_HIDDEN_CHARS * 4));
    for key in keys {
        match key? {
            Key::Enter => return Ok(Some(line)),
            Key::Interrupt | Key::Escape => return Ok(None),
            Key::Backspace => {
                line.pop();
            }
            Key::Char(c) if !c.is_control() && line.chars().count() < MAX_HIDDEN_CHARS => {
                line.push(c);
            }
            _ => {}
        }
    }
    Ok(None)
}

impl Drop for CrosstermTerminal {
    fn drop(&mut self) {
        // Whatever happened while picking, never leave the user's terminal in raw mode.
        if self.raw {
            let _ = self.end_picker();
        }
    }
}

/// One scripted user action.
#[cfg(test)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scripted {
    /// A typed line (without the Enter).
    Line(String),
    /// A key pressed in a picker.
    Key(Key),
}

/// A terminal driven by a script, recording everything shown and typed as a transcript.
///
/// Typed lines are echoed into the transcript as the user would see them; keys appear as
/// `<Down>`; every picker frame is recorded between `┌` and `└` lines.
#[cfg(test)]
#[derive(Debug)]
pub(crate) struct ScriptedTerminal {
    script: std::collections::VecDeque<Scripted>,
    transcript: String,
    tty: bool,
    in_picker: bool,
}

#[cfg(test)]
impl ScriptedTerminal {
    /// A terminal that plays `script`; `tty` says whether it claims to be interactive.
    pub(crate) fn new(script: impl IntoIterator<Item = Scripted>, tty: bool) -> Self {
        Self {
            script: script.into_iter().collect(),
            transcript: String::new(),
            tty,
            in_picker: false,
        }
    }

    /// Everything written and typed so far.
    pub(crate) fn transcript(&self) -> &str {
        &self.transcript
    }

    /// Script steps that were not consumed.
    pub(crate) fn remaining(&self) -> usize {
        self.script.len()
    }

    fn exhausted() -> io::Error {
        io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the test script has no more input",
        )
    }
}

#[cfg(test)]
impl Terminal for ScriptedTerminal {
    fn is_tty(&self) -> bool {
        self.tty
    }

    fn write(&mut self, text: &str) -> io::Result<()> {
        self.transcript.push_str(text);
        Ok(())
    }

    fn write_emphasis(&mut self, text: &str) -> io::Result<()> {
        self.transcript.push_str("**");
        self.transcript.push_str(text.trim_end_matches('\n'));
        self.transcript.push_str("**");
        let newlines = text.len() - text.trim_end_matches('\n').len();
        self.transcript.push_str(&"\n".repeat(newlines));
        Ok(())
    }

    fn read_line(&mut self) -> io::Result<Option<String>> {
        match self.script.pop_front() {
            Some(Scripted::Line(line)) => {
                self.transcript.push_str(&line);
                self.transcript.push('\n');
                Ok(Some(line))
            }
            Some(Scripted::Key(key)) => Err(io::Error::other(format!(
                "the test script has a key ({key:?}) where a line is read"
            ))),
            None => Err(Self::exhausted()),
        }
    }

    fn begin_picker(&mut self) -> io::Result<()> {
        self.in_picker = true;
        Ok(())
    }

    fn read_key(&mut self) -> io::Result<Key> {
        if !self.in_picker {
            return Err(io::Error::other("read_key outside of a picker"));
        }
        match self.script.pop_front() {
            Some(Scripted::Key(key)) => {
                self.transcript.push_str(&format!("<{key:?}>\n"));
                Ok(key)
            }
            Some(other) => Err(io::Error::other(format!(
                "the test script has {other:?} where a key is read"
            ))),
            None => Err(Self::exhausted()),
        }
    }

    fn draw(&mut self, lines: &[String]) -> io::Result<()> {
        self.transcript.push_str("┌\n");
        for line in lines {
            self.transcript.push('│');
            self.transcript.push_str(line);
            self.transcript.push('\n');
        }
        self.transcript.push_str("└\n");
        Ok(())
    }

    fn end_picker(&mut self) -> io::Result<()> {
        self.in_picker = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_strips_control_characters_and_escape_sequences() {
        let cases = [
            (
                "plain text, é and 😀\n\tindented",
                "plain text, é and 😀\n\tindented",
            ),
            (
                "ForbiddenException: \u{1b}[2J\u{1b}[Hcleared",
                "ForbiddenException: cleared",
            ),
            ("a\u{1b}]52;c;ZXZpbA==\u{7}b", "ab"),
            ("a\u{1b}]52;c;ZXZpbA==\u{1b}\\b", "ab"),
            ("a\u{1b}]0;title\u{9c}b", "ab"),
            ("a\u{1b}[38;5;196mred\u{1b}[0m", "ared"),
            ("a\u{9b}2Jb", "ab"),
            ("a\u{9d}52;c;x\u{7}b", "ab"),
            ("a\u{1b}Pdcs\u{1b}\\b", "ab"),
            ("a\u{1b}cb", "ab"),
            (
                "bell\u{7} nul\u{0} del\u{7f} cr\r bs\u{8} c1\u{85}",
                "bell nul del cr bs c1",
            ),
            ("unterminated \u{1b}]52;c;ZXZpbA==", "unterminated "),
            ("trailing \u{1b}", "trailing "),
            ("trailing csi \u{1b}[", "trailing csi "),
        ];
        for (input, expected) in cases {
            let output = printable(input);
            assert_eq!(output, expected, "{input:?}");
            assert!(
                !output
                    .chars()
                    .any(|c| c.is_control() && c != '\n' && c != '\t')
            );
        }
        assert!(matches!(printable("no controls\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn printable_same_length_keeps_offsets() {
        let input = "key = a\u{1b}[2Jb\u{85}c\r\nnext\rline\n";
        let output = printable_same_length(input);
        assert_eq!(output.len(), input.len());
        assert_eq!(output, "key = a [2Jb  c\r\nnext line\n");
    }

    #[test]
    fn scripted_terminal_records_a_transcript() {
        let mut term = ScriptedTerminal::new(
            [Scripted::Line("yes".into()), Scripted::Key(Key::Down)],
            true,
        );
        term.write("Continue? [no]: ").unwrap();
        assert_eq!(term.read_line().unwrap().as_deref(), Some("yes"));
        assert!(term.read_key().is_err(), "keys only inside a picker");
        term.begin_picker().unwrap();
        assert_eq!(term.read_key().unwrap(), Key::Down);
        term.draw(&["> a".to_owned()]).unwrap();
        term.end_picker().unwrap();
        assert_eq!(
            term.transcript(),
            "Continue? [no]: yes\n<Down>\n┌\n│> a\n└\n"
        );
        assert!(term.read_line().is_err(), "an exhausted script is an error");
    }

    #[test]
    fn hidden_lines_edit_and_cancel() {
        let keys = |keys: &[Key]| keys.iter().copied().map(Ok).collect::<Vec<_>>();
        let typed = [
            Key::Char('1'),
            Key::Char('2'),
            Key::Char('9'),
            Key::Backspace,
            Key::Char('3'),
            Key::Other,
            Key::Enter,
            Key::Char('x'),
        ];
        let line = collect_hidden(keys(&typed)).unwrap().unwrap();
        assert_eq!(line.as_str(), "123");
        let cancelled = [Key::Char('1'), Key::Interrupt, Key::Enter];
        assert!(collect_hidden(keys(&cancelled)).unwrap().is_none());
        assert!(collect_hidden(keys(&[Key::Char('1')])).unwrap().is_none());
        let long = vec![Key::Char('7'); 100];
        let mut long = keys(&long);
        long.push(Ok(Key::Enter));
        assert_eq!(
            collect_hidden(long).unwrap().unwrap().len(),
            MAX_HIDDEN_CHARS
        );
        let failed = vec![Ok(Key::Char('1')), Err(io::Error::other("gone"))];
        assert!(collect_hidden(failed).is_err());
    }
}
