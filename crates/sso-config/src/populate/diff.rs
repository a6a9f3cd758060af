//! A line-based unified diff (the format of `diff -u` and `git diff`), for `--dry-run`.
//!
//! Lines are compared with their line endings, so a change from `\n` to `\r\n` shows. The edit
//! script comes from Myers' O(ND) algorithm run between the common prefix and suffix; past
//! [`MAX_EDITS`] edits the differing middle is shown as removed and added wholesale, which is
//! still a correct diff, only not a minimal one.

use std::fmt::Write as _;

/// Lines of context around each change.
const CONTEXT: usize = 3;

/// The largest edit distance searched for a minimal script (memory grows with its square).
const MAX_EDITS: usize = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Equal,
    Delete,
    Insert,
}

/// The unified diff from `old` to `new`, with `--- old_name` and `+++ new_name` headers and
/// hunks of three lines of context; the empty string when the texts are equal.
///
/// Counts of one are written without `,1` and an empty range is numbered after the line before
/// it, as GNU diff does; a last line without a line ending is followed by
/// `\ No newline at end of file`.
pub fn unified_diff(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    if old == new {
        return String::new();
    }
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let ops = edit_script(&a, &b);

    let mut out = String::new();
    let _ = writeln!(out, "--- {old_name}");
    let _ = writeln!(out, "+++ {new_name}");

    // Hunks as ranges of `ops`: each change with its context, overlapping or touching ranges
    // merged.
    let mut hunks: Vec<(usize, usize)> = Vec::new();
    for (index, op) in ops.iter().enumerate() {
        if *op == Op::Equal {
            continue;
        }
        let start = index.saturating_sub(CONTEXT);
        let end = (index + 1 + CONTEXT).min(ops.len());
        match hunks.last_mut() {
            Some(last) if start <= last.1 => last.1 = end,
            _ => hunks.push((start, end)),
        }
    }

    // Line counters before ops[index], advanced as hunks are printed.
    let (mut index, mut line_a, mut line_b) = (0, 0, 0);
    for (start, end) in hunks {
        for op in &ops[index..start] {
            advance(*op, &mut line_a, &mut line_b);
        }
        let count = |which: Op| ops[start..end].iter().filter(|o| **o != which).count();
        let (count_a, count_b) = (count(Op::Insert), count(Op::Delete));
        let _ = writeln!(
            out,
            "@@ -{} +{} @@",
            range(line_a, count_a),
            range(line_b, count_b)
        );
        for op in &ops[start..end] {
            let (prefix, line) = match op {
                Op::Equal => (' ', a[line_a]),
                Op::Delete => ('-', a[line_a]),
                Op::Insert => ('+', b[line_b]),
            };
            out.push(prefix);
            out.push_str(line);
            if !line.ends_with('\n') {
                out.push_str("\n\\ No newline at end of file\n");
            }
            advance(*op, &mut line_a, &mut line_b);
        }
        index = end;
    }
    out
}

fn advance(op: Op, line_a: &mut usize, line_b: &mut usize) {
    match op {
        Op::Equal => {
            *line_a += 1;
            *line_b += 1;
        }
        Op::Delete => *line_a += 1,
        Op::Insert => *line_b += 1,
    }
}

/// `start,count` of a hunk side whose first line has 0-based index `before`.
fn range(before: usize, count: usize) -> String {
    match count {
        0 => format!("{before},0"),
        1 => format!("{}", before + 1),
        _ => format!("{},{count}", before + 1),
    }
}

/// The edit script turning `a` into `b`, one op per line.
fn edit_script(a: &[&str], b: &[&str]) -> Vec<Op> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let middle_a = &a[prefix..a.len() - suffix];
    let middle_b = &b[prefix..b.len() - suffix];
    let mut ops = vec![Op::Equal; prefix];
    match myers(middle_a, middle_b) {
        Some(middle) => ops.extend(middle),
        None => {
            ops.extend(std::iter::repeat_n(Op::Delete, middle_a.len()));
            ops.extend(std::iter::repeat_n(Op::Insert, middle_b.len()));
        }
    }
    ops.extend(std::iter::repeat_n(Op::Equal, suffix));
    ops
}

/// Myers' greedy shortest edit script, or `None` past [`MAX_EDITS`] edits.
fn myers(a: &[&str], b: &[&str]) -> Option<Vec<Op>> {
    let (n, m) = (to_isize(a.len()), to_isize(b.len()));
    let max = n + m;
    // v[k + offset]: the furthest x reached on diagonal k = x - y.
    let offset = max + 1;
    let mut v = vec![0_isize; to_usize(2 * max + 3)];
    // trace[d][k + d]: v after step d, for k in -d..=d.
    let mut trace: Vec<Vec<isize>> = Vec::new();
    let at = |k: isize| to_usize(k + offset);
    let mut found = None;
    'search: for d in 0..=max {
        if to_usize(d) > MAX_EDITS {
            return None;
        }
        let mut k = -d;
        while k <= d {
            let mut x = if k == -d || (k != d && v[at(k - 1)] < v[at(k + 1)]) {
                v[at(k + 1)]
            } else {
                v[at(k - 1)] + 1
            };
            let mut y = x - k;
            while x < n && y < m && a[to_usize(x)] == b[to_usize(y)] {
                x += 1;
                y += 1;
            }
            v[at(k)] = x;
            if x >= n && y >= m {
                trace.push(v[at(-d)..=at(d)].to_vec());
                found = Some(d);
                break 'search;
            }
            k += 2;
        }
        trace.push(v[at(-d)..=at(d)].to_vec());
    }
    let total = found?;

    // Walk back from (n, m), collecting ops in reverse.
    let mut ops = Vec::new();
    let (mut x, mut y) = (n, m);
    for d in (1..=total).rev() {
        let previous = &trace[to_usize(d - 1)];
        let get = |k: isize| previous[to_usize(k + d - 1)];
        let k = x - y;
        let down = k == -d || (k != d && get(k - 1) < get(k + 1));
        let previous_k = if down { k + 1 } else { k - 1 };
        let previous_x = get(previous_k);
        let previous_y = previous_x - previous_k;
        let (mid_x, mid_y) = if down {
            (previous_x, previous_y + 1)
        } else {
            (previous_x + 1, previous_y)
        };
        while x > mid_x && y > mid_y {
            ops.push(Op::Equal);
            x -= 1;
            y -= 1;
        }
        ops.push(if down { Op::Insert } else { Op::Delete });
        x = previous_x;
        y = previous_y;
    }
    while x > 0 && y > 0 {
        ops.push(Op::Equal);
        x -= 1;
        y -= 1;
    }
    ops.reverse();
    Some(ops)
}

fn to_isize(n: usize) -> isize {
    isize::try_from(n).unwrap_or(isize::MAX)
}

fn to_usize(n: isize) -> usize {
    usize::try_from(n).unwrap_or(0)
}
