//! A menu to pick one item: arrow keys, Page Up/Down, Home/End, type to filter
//! (case-insensitive substring), Enter to choose, Esc or Ctrl-C to cancel. A menu may open on a
//! default item (the current value), so that Enter keeps it.
//!
//! [`Picker`] is the pure state (keys in, frames out) and [`pick`] runs it over a
//! [`Terminal`]. Callers sort the items; the picker keeps their order.
//! Without a terminal, [`pick`] falls back to a numbered list and reads a number, so piped
//! input still works.

use crate::error::CliError;
use crate::term::{Key, Terminal};

/// How many items are visible at once.
pub(crate) const PAGE_SIZE: usize = 10;

/// What a key did to the picker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Keep going; redraw.
    Continue,
    /// The item with this index (into the original list) was chosen.
    Chosen(usize),
    /// The user gave up.
    Aborted,
}

/// The state of a menu: items, filter text, the highlighted match and the scroll offset.
#[derive(Debug, Clone)]
pub(crate) struct Picker {
    items: Vec<String>,
    filter: String,
    matches: Vec<usize>,
    cursor: usize,
    offset: usize,
    page: usize,
}

impl Picker {
    /// A picker over `items` showing `page` lines at a time (at least one).
    pub(crate) fn new(items: Vec<String>, page: usize) -> Self {
        let matches = (0..items.len()).collect();
        Self {
            items,
            filter: String::new(),
            matches,
            cursor: 0,
            offset: 0,
            page: page.max(1),
        }
    }

    /// Opens the menu on the item `index` (ignored when out of range), scrolled into view.
    #[must_use]
    pub(crate) fn with_cursor(mut self, index: Option<usize>) -> Self {
        if let Some(index) = index.filter(|&i| i < self.items.len()) {
            self.cursor = index;
            self.scroll();
        }
        self
    }

    /// Feeds one key.
    pub(crate) fn handle_key(&mut self, key: Key) -> Step {
        let last = self.matches.len().saturating_sub(1);
        match key {
            Key::Up => self.cursor = self.cursor.saturating_sub(1),
            Key::Down => self.cursor = (self.cursor + 1).min(last),
            Key::PageUp => self.cursor = self.cursor.saturating_sub(self.page),
            Key::PageDown => self.cursor = (self.cursor + self.page).min(last),
            Key::Home => self.cursor = 0,
            Key::End => self.cursor = last,
            Key::Enter => {
                if let Some(&index) = self.matches.get(self.cursor) {
                    return Step::Chosen(index);
                }
            }
            Key::Escape | Key::Interrupt => return Step::Aborted,
            Key::Backspace => {
                if self.filter.pop().is_some() {
                    self.refilter();
                }
            }
            Key::Char(c) if !c.is_control() => {
                self.filter.push(c);
                self.refilter();
            }
            Key::Char(_) | Key::Other => {}
        }
        self.scroll();
        Step::Continue
    }

    /// The lines to show: a filter line, then the visible matches with `>` on the highlighted one.
    pub(crate) fn frame(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "Filter: {}  (type to filter, ↑/↓ to move, Enter to choose, Esc to cancel)",
            self.filter
        )];
        if self.matches.is_empty() {
            lines.push("  (no matches)".to_owned());
            return lines;
        }
        let end = (self.offset + self.page).min(self.matches.len());
        if self.offset > 0 {
            lines.push(format!("  ↑ {} more", self.offset));
        }
        for position in self.offset..end {
            let marker = if position == self.cursor { ">" } else { " " };
            lines.push(format!("{marker} {}", self.items[self.matches[position]]));
        }
        if end < self.matches.len() {
            lines.push(format!("  ↓ {} more", self.matches.len() - end));
        }
        lines
    }

    fn refilter(&mut self) {
        let highlighted = self.matches.get(self.cursor).copied();
        let needle = self.filter.to_lowercase();
        self.matches = (0..self.items.len())
            .filter(|&i| self.items[i].to_lowercase().contains(&needle))
            .collect();
        // Keep the highlighted item if it still matches; otherwise start at the top.
        self.cursor = highlighted
            .and_then(|index| self.matches.iter().position(|&m| m == index))
            .unwrap_or(0);
        self.offset = 0;
    }

    fn scroll(&mut self) {
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + self.page {
            self.offset = self.cursor + 1 - self.page;
        }
    }
}

/// How a menu opens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct MenuStart {
    /// The item highlighted first (the terminal menu) or chosen by Enter (the numbered one).
    pub default: Option<usize>,
    /// Ask even when there is only one item (the user must confirm a change).
    pub ask_if_single: bool,
}

/// Lets the user pick one of `items` and returns its index.
///
/// One item is picked without asking unless `start.ask_if_single`. Esc and Ctrl-C give
/// [`CliError::Cancelled`]; the terminal is restored in every case.
pub(crate) fn pick(
    terminal: &mut dyn Terminal,
    items: &[String],
    start: MenuStart,
) -> Result<usize, CliError> {
    match items.len() {
        0 => {
            return Err(CliError::Bug {
                message: "the picker was given no items".to_owned(),
            });
        }
        1 if !start.ask_if_single => return Ok(0),
        _ => {}
    }
    let default = start.default.filter(|&i| i < items.len());
    if !terminal.is_tty() {
        return pick_by_number(terminal, items, default);
    }
    let io_error = |source| CliError::Terminal {
        doing: "showing a menu",
        source,
    };
    terminal.begin_picker().map_err(io_error)?;
    let result = run_picker(terminal, items, default);
    let restored = terminal.end_picker().map_err(io_error);
    let chosen = result?;
    restored?;
    Ok(chosen)
}

fn run_picker(
    terminal: &mut dyn Terminal,
    items: &[String],
    default: Option<usize>,
) -> Result<usize, CliError> {
    let io_error = |source| CliError::Terminal {
        doing: "showing a menu",
        source,
    };
    let mut picker = Picker::new(items.to_vec(), PAGE_SIZE).with_cursor(default);
    loop {
        terminal.draw(&picker.frame()).map_err(io_error)?;
        let key = terminal.read_key().map_err(io_error)?;
        match picker.handle_key(key) {
            Step::Continue => {}
            Step::Chosen(index) => return Ok(index),
            Step::Aborted => return Err(CliError::Cancelled),
        }
    }
}

fn pick_by_number(
    terminal: &mut dyn Terminal,
    items: &[String],
    default: Option<usize>,
) -> Result<usize, CliError> {
    let io_error = |source| CliError::Terminal {
        doing: "reading a choice",
        source,
    };
    let mut menu = String::new();
    for (number, item) in items.iter().enumerate() {
        menu.push_str(&format!("{:>4}) {item}\n", number + 1));
    }
    terminal.write(&menu).map_err(io_error)?;
    let prompt = match default {
        Some(index) => format!(
            "Enter a number [1-{}, Enter keeps {}]: ",
            items.len(),
            index + 1
        ),
        None => format!("Enter a number [1-{}]: ", items.len()),
    };
    loop {
        terminal.write(&prompt).map_err(io_error)?;
        let Some(answer) = terminal.read_line().map_err(io_error)? else {
            return Err(CliError::Cancelled);
        };
        if let (Some(index), "") = (default, answer.trim()) {
            return Ok(index);
        }
        match answer.trim().parse::<usize>() {
            Ok(number) if (1..=items.len()).contains(&number) => return Ok(number - 1),
            _ => terminal
                .write(&format!(
                    "Please enter a number between 1 and {}.\n",
                    items.len()
                ))
                .map_err(io_error)?,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::term::{Scripted, ScriptedTerminal};

    fn items(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("item {i:02}")).collect()
    }

    fn highlighted(picker: &Picker) -> String {
        picker
            .frame()
            .into_iter()
            .find(|line| line.starts_with('>'))
            .unwrap_or_default()
    }

    #[test]
    fn arrows_pages_home_and_end_move_within_bounds() {
        let mut picker = Picker::new(items(25), 10);
        assert_eq!(highlighted(&picker), "> item 01");
        picker.handle_key(Key::Up);
        assert_eq!(highlighted(&picker), "> item 01");
        picker.handle_key(Key::Down);
        assert_eq!(highlighted(&picker), "> item 02");
        picker.handle_key(Key::PageDown);
        assert_eq!(highlighted(&picker), "> item 12");
        picker.handle_key(Key::End);
        assert_eq!(highlighted(&picker), "> item 25");
        picker.handle_key(Key::Down);
        assert_eq!(highlighted(&picker), "> item 25");
        picker.handle_key(Key::PageUp);
        assert_eq!(highlighted(&picker), "> item 15");
        picker.handle_key(Key::Home);
        assert_eq!(highlighted(&picker), "> item 01");
    }

    #[test]
    fn the_frame_scrolls_to_keep_the_cursor_visible() {
        let mut picker = Picker::new(items(25), 5);
        for _ in 0..7 {
            picker.handle_key(Key::Down);
        }
        insta::assert_snapshot!(picker.frame().join("\n"), @r"
        Filter:   (type to filter, ↑/↓ to move, Enter to choose, Esc to cancel)
          ↑ 3 more
          item 04
          item 05
          item 06
          item 07
        > item 08
          ↓ 17 more
        ");
    }

    #[test]
    fn typing_filters_case_insensitively() {
        let labels = vec![
            "Dev, dev@example.com (222222222222)".to_owned(),
            "prod, prod@example.com (111111111111)".to_owned(),
            "Sandbox-DEV (333333333333)".to_owned(),
        ];
        let mut picker = Picker::new(labels, 10);
        for c in "dEv".chars() {
            picker.handle_key(Key::Char(c));
        }
        assert_eq!(picker.frame().len(), 3, "{:?}", picker.frame());
        picker.handle_key(Key::Down);
        assert_eq!(picker.handle_key(Key::Enter), Step::Chosen(2));
        for c in "zzz".chars() {
            picker.handle_key(Key::Char(c));
        }
        assert_eq!(picker.frame()[1], "  (no matches)");
        assert_eq!(picker.handle_key(Key::Enter), Step::Continue);
        for _ in 0..3 {
            picker.handle_key(Key::Backspace);
        }
        assert_eq!(
            highlighted(&picker),
            "> Dev, dev@example.com (222222222222)"
        );
    }

    #[test]
    fn escape_and_ctrl_c_abort() {
        assert_eq!(
            Picker::new(items(2), 10).handle_key(Key::Escape),
            Step::Aborted
        );
        assert_eq!(
            Picker::new(items(2), 10).handle_key(Key::Interrupt),
            Step::Aborted
        );
        let mut term = ScriptedTerminal::new([Scripted::Key(Key::Interrupt)], true);
        assert!(matches!(
            pick(&mut term, &items(3), MenuStart::default()),
            Err(CliError::Cancelled)
        ));
    }

    #[test]
    fn one_item_is_picked_without_asking() {
        let mut term = ScriptedTerminal::new([], true);
        assert_eq!(pick(&mut term, &items(1), MenuStart::default()).unwrap(), 0);
        assert_eq!(term.transcript(), "");
    }

    #[test]
    fn menus_open_on_the_default_and_enter_keeps_it() {
        let mut picker = Picker::new(items(25), 10).with_cursor(Some(17));
        assert_eq!(highlighted(&picker), "> item 18");
        assert_eq!(picker.handle_key(Key::Enter), Step::Chosen(17));
        let start = MenuStart {
            default: Some(1),
            ask_if_single: false,
        };
        let mut term = ScriptedTerminal::new([Scripted::Key(Key::Enter)], true);
        assert_eq!(pick(&mut term, &items(3), start).unwrap(), 1);
        let mut term = ScriptedTerminal::new([Scripted::Line(String::new())], false);
        assert_eq!(pick(&mut term, &items(3), start).unwrap(), 1);
        insta::assert_snapshot!(term.transcript(), @r"
           1) item 01
           2) item 02
           3) item 03
        Enter a number [1-3, Enter keeps 2]: 
        ");
    }

    #[test]
    fn a_single_item_is_asked_when_asked_for() {
        let start = MenuStart {
            default: None,
            ask_if_single: true,
        };
        let mut term = ScriptedTerminal::new(
            [Scripted::Line(String::new()), Scripted::Line("1".into())],
            false,
        );
        assert_eq!(pick(&mut term, &items(1), start).unwrap(), 0);
        assert!(
            term.transcript().contains("Enter a number [1-1]"),
            "{}",
            term.transcript()
        );
    }

    #[test]
    fn without_a_terminal_a_number_is_read() {
        let mut term = ScriptedTerminal::new(
            [Scripted::Line("7".into()), Scripted::Line("2".into())],
            false,
        );
        assert_eq!(pick(&mut term, &items(3), MenuStart::default()).unwrap(), 1);
        insta::assert_snapshot!(term.transcript(), @r"
           1) item 01
           2) item 02
           3) item 03
        Enter a number [1-3]: 7
        Please enter a number between 1 and 3.
        Enter a number [1-3]: 2
        ");
    }
}
