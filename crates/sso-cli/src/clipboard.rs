//! Copying a URL to the user's clipboard through the terminal, with OSC 52.
//!
//! The escape sequence `ESC ] 52 ; c ; <base64> BEL` asks the terminal to put the decoded text
//! on the system clipboard. It travels with the output, so it works over SSH and inside
//! containers, where no clipboard program could reach the user's machine. Inside tmux, the
//! sequence is wrapped in tmux's DCS passthrough (`ESC P tmux; … ESC \`, every `ESC` of the
//! payload doubled), which tmux 3.3 and later forward to the outer terminal when
//! `allow-passthrough` is on.
//!
//! Terminals cannot be asked whether they support OSC 52 without reading a reply from the
//! terminal, so [`terminal_supports_osc52`] is a heuristic over environment variables, and
//! unknown terminals count as unsupported (GNOME's VTE, for one, ignores the sequence):
//!
//! - `TERM` `dumb` or `linux` (the Linux console): no;
//! - inside tmux (`TMUX` set): yes, through passthrough;
//! - Windows Terminal (`WT_SESSION`), kitty (`KITTY_WINDOW_ID`), WezTerm (`WEZTERM_PANE`),
//!   Ghostty (`GHOSTTY_RESOURCES_DIR`), Alacritty (`ALACRITTY_WINDOW_ID`): yes;
//! - `TERM_PROGRAM` one of `iTerm.app`, `WezTerm`, `vscode`, `tmux`, `ghostty`, `kitty`,
//!   `Alacritty`, `rio`, `contour`: yes (`Apple_Terminal` is not on the list: it has no OSC 52);
//! - `TERM` one of `xterm-kitty`, `alacritty`, `foot`, `foot-extra`, `wezterm`, `xterm-ghostty`,
//!   `contour`, `rio`: yes;
//! - anything else: no.
//!
//! The caller writes the sequence to the terminal (stderr when stdout is piped) and still
//! prints the URL, since nothing confirms that the copy happened.

use base64::Engine as _;

const ESC: char = '\u{1b}';
const BEL: char = '\u{7}';

/// `TERM_PROGRAM` values of terminals known to honour OSC 52 writes.
const GOOD_TERM_PROGRAMS: &[&str] = &[
    "iTerm.app",
    "WezTerm",
    "vscode",
    "tmux",
    "ghostty",
    "kitty",
    "Alacritty",
    "rio",
    "contour",
];

/// `TERM` values of terminals known to honour OSC 52 writes.
const GOOD_TERMS: &[&str] = &[
    "xterm-kitty",
    "alacritty",
    "foot",
    "foot-extra",
    "wezterm",
    "xterm-ghostty",
    "contour",
    "rio",
];

/// Variables that only a terminal known to honour OSC 52 sets.
const GOOD_TERMINAL_MARKERS: &[&str] = &[
    "WT_SESSION",
    "KITTY_WINDOW_ID",
    "WEZTERM_PANE",
    "GHOSTTY_RESOURCES_DIR",
    "ALACRITTY_WINDOW_ID",
];

/// The OSC 52 sequence that sets the clipboard (`c`) to `text`: `ESC ] 52 ; c ; <base64> BEL`.
pub(crate) fn osc52_sequence(text: &str) -> String {
    let payload = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("{ESC}]52;c;{payload}{BEL}")
}

/// Wraps an escape sequence in tmux's DCS passthrough: `ESC P tmux; <seq with ESC doubled> ESC \`.
pub(crate) fn tmux_passthrough(sequence: &str) -> String {
    let doubled = sequence.replace(ESC, "\u{1b}\u{1b}");
    format!("{ESC}Ptmux;{doubled}{ESC}\\")
}

/// Whether the terminal probably honours OSC 52 clipboard writes; see the
/// [module documentation](self) for the rules.
///
/// `env` looks up environment variables; empty values count as unset.
pub(crate) fn terminal_supports_osc52(env: impl Fn(&str) -> Option<String>) -> bool {
    let get = |name: &str| env(name).filter(|value| !value.is_empty());
    let term = get("TERM");
    if matches!(term.as_deref(), Some("dumb" | "linux")) {
        return false;
    }
    if get("TMUX").is_some() {
        return true;
    }
    if GOOD_TERMINAL_MARKERS.iter().any(|name| get(name).is_some()) {
        return true;
    }
    if get("TERM_PROGRAM").is_some_and(|program| GOOD_TERM_PROGRAMS.contains(&program.as_str())) {
        return true;
    }
    term.is_some_and(|term| GOOD_TERMS.contains(&term.as_str()))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use base64::Engine as _;

    use super::{osc52_sequence, terminal_supports_osc52, tmux_passthrough};

    const URL: &str = "https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH";

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn osc52_sequence_is_esc_52_c_base64_bel() {
        assert_eq!(osc52_sequence("hi"), "\u{1b}]52;c;aGk=\u{7}");
        let sequence = osc52_sequence(URL);
        let payload = sequence
            .strip_prefix("\u{1b}]52;c;")
            .and_then(|rest| rest.strip_suffix('\u{7}'))
            .expect("framing");
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(payload)
            .expect("base64");
        assert_eq!(decoded, URL.as_bytes());
        // Non-ASCII text is sent as UTF-8.
        assert_eq!(osc52_sequence("é"), "\u{1b}]52;c;w6k=\u{7}");
    }

    #[test]
    fn tmux_wraps_in_dcs_passthrough_with_esc_doubled() {
        assert_eq!(
            tmux_passthrough("\u{1b}]52;c;aGk=\u{7}"),
            "\u{1b}Ptmux;\u{1b}\u{1b}]52;c;aGk=\u{7}\u{1b}\\"
        );
    }

    #[test]
    fn support_heuristic_table() {
        let table: &[(&[(&str, &str)], bool)] = &[
            (&[], false),
            (&[("TERM", "dumb")], false),
            (&[("TERM", "linux")], false),
            (&[("TERM", "dumb"), ("TERM_PROGRAM", "iTerm.app")], false),
            (&[("TERM", "xterm-256color")], false),
            (
                &[
                    ("TERM", "xterm-256color"),
                    ("TERM_PROGRAM", "Apple_Terminal"),
                ],
                false,
            ),
            (
                &[("TERM", "xterm-256color"), ("TERM_PROGRAM", "iTerm.app")],
                true,
            ),
            (
                &[("TERM", "xterm-256color"), ("TERM_PROGRAM", "vscode")],
                true,
            ),
            (
                &[("TERM", "xterm-256color"), ("TERM_PROGRAM", "WezTerm")],
                true,
            ),
            (
                &[("TERM", "screen-256color"), ("TMUX", "/tmp/tmux,1,0")],
                true,
            ),
            (&[("TERM", "tmux-256color"), ("TERM_PROGRAM", "tmux")], true),
            (&[("TERM", "xterm-kitty")], true),
            (&[("TERM", "alacritty")], true),
            (&[("TERM", "foot")], true),
            (&[("TERM", "xterm-ghostty")], true),
            (
                &[("TERM", "xterm-256color"), ("KITTY_WINDOW_ID", "1")],
                true,
            ),
            (
                &[("WT_SESSION", "a5c9e6c0-0000-0000-0000-000000000000")],
                true,
            ),
            (&[("TERM", "xterm-256color"), ("WT_SESSION", "")], false),
            (&[("TERM_PROGRAM", "")], false),
        ];
        for (vars, expected) in table {
            assert_eq!(terminal_supports_osc52(env(vars)), *expected, "{vars:?}");
        }
    }
}
