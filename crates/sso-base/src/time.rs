//! `Timestamp`: an instant as milliseconds since the Unix epoch, and the AWS CLI's text formats
//! for it.
//!
//! The one time type of the workspace: the protocol's `now` and expiries (`sso-oidc`, `sso-sts`)
//! and the caches' dates (`sso-cache`) are the same values. Expiries are persisted (token cache)
//! and written into replay fixtures, which `std::time::Instant` cannot be, so every time value is
//! a plain Unix timestamp, passed in by the caller: this module never reads the clock.
//!
//! Writing always produces `YYYY-MM-DDTHH:MM:SSZ` (what the AWS CLI writes).
//! Reading accepts what botocore's `dateutil` accepts in practice: `Z`, fractional seconds,
//! numeric offsets (`+00:00`, `-0700`, `+01`) and the pre-2.1.14 `UTC` suffix.
//! Civil-date conversion is hand-rolled (Howard Hinnant's days-from-civil) so that the crate needs
//! no date library.

use std::fmt;
use std::time::Duration;

/// An instant as milliseconds since 1970-01-01T00:00:00Z (negative before it).
///
/// Signed, because cache files may hold any date; arithmetic saturates at both ends of the
/// range, so a server that sends an absurd `expiresIn` cannot make it overflow.
/// `Display` is the AWS CLI's `YYYY-MM-DDTHH:MM:SSZ`; `Debug` adds the milliseconds, if any.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The epoch itself.
    pub const UNIX_EPOCH: Self = Self(0);

    /// The instant `millis` milliseconds after the Unix epoch.
    #[must_use]
    pub const fn from_unix_millis(millis: i64) -> Self {
        Self(millis)
    }

    /// The instant `secs` seconds after the Unix epoch (saturating); whole seconds are the unit of
    /// `clientSecretExpiresAt` and of the cache files.
    #[must_use]
    pub const fn from_unix_seconds(secs: i64) -> Self {
        Self(secs.saturating_mul(1000))
    }

    /// The instant `millis` unsigned milliseconds after the Unix epoch, the unit of the driver's
    /// wall clock (`WallClock::now_unix_ms`), saturating at the end of the representable range.
    #[must_use]
    pub fn from_unix_ms(millis: u64) -> Self {
        Self(i64::try_from(millis).unwrap_or(i64::MAX))
    }

    /// Milliseconds since the Unix epoch.
    #[must_use]
    pub const fn unix_millis(self) -> i64 {
        self.0
    }

    /// Whole seconds since the Unix epoch, rounded towards the past.
    #[must_use]
    pub const fn unix_seconds(self) -> i64 {
        self.0.div_euclid(1000)
    }

    /// Milliseconds since the Unix epoch as the driver's wall clock counts them (unsigned):
    /// instants before the epoch are 0.
    #[must_use]
    pub fn unix_ms(self) -> u64 {
        u64::try_from(self.0).unwrap_or(0)
    }

    /// This instant rounded towards the past to a whole second, the precision of the cache
    /// files: what a process writes then equals what another reads back.
    #[must_use]
    pub const fn floor_to_seconds(self) -> Self {
        Self::from_unix_seconds(self.unix_seconds())
    }

    /// This instant plus `duration`, saturating at the end of the representable range.
    #[must_use]
    pub fn saturating_add(self, duration: Duration) -> Self {
        Self(self.0.saturating_add(duration_millis(duration)))
    }

    /// This instant minus `duration`, saturating at the start of the representable range.
    #[must_use]
    pub fn saturating_sub(self, duration: Duration) -> Self {
        Self(self.0.saturating_sub(duration_millis(duration)))
    }

    /// How long after `earlier` this is, or zero if it is not later.
    #[must_use]
    pub fn saturating_duration_since(self, earlier: Self) -> Duration {
        if self.0 > earlier.0 {
            Duration::from_millis(self.0.abs_diff(earlier.0))
        } else {
            Duration::ZERO
        }
    }

    /// Parses the timestamp formats found in cache files (see the module documentation).
    ///
    /// # Errors
    ///
    /// Returns [`TimestampError`] if `text` is not one of those formats or names an impossible date.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        parse(text.as_bytes()).ok_or(TimestampError)
    }

    /// Formats as `YYYY-MM-DDTHH:MM:SSZ`, dropping milliseconds (the AWS CLI's format).
    #[must_use]
    pub fn to_rfc3339_seconds(self) -> String {
        self.to_string()
    }

    /// Formats as Python's `datetime.isoformat()` of an aware UTC time:
    /// `YYYY-MM-DDTHH:MM:SS+00:00`, with `.ffffff` when there are milliseconds. The AWS CLI v2
    /// writes assumed-role `Expiration`s this way (protocol.md §11.4).
    #[must_use]
    pub fn to_python_isoformat(self) -> String {
        let seconds = self.to_string();
        let base = seconds.strip_suffix('Z').unwrap_or(&seconds);
        match self.millis_of_second() {
            0 => format!("{base}+00:00"),
            millis => format!("{base}.{millis:03}000+00:00"),
        }
    }

    /// The milliseconds past the whole second (0..1000), also before the epoch.
    const fn millis_of_second(self) -> i64 {
        self.0.rem_euclid(1000)
    }
}

/// `Timestamp(YYYY-MM-DDTHH:MM:SSZ)`, or `Timestamp(YYYY-MM-DDTHH:MM:SS.mmmZ)` when there are
/// milliseconds, so that two instants that differ never look alike in a failed assertion.
impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.to_string();
        match self.millis_of_second() {
            0 => write!(f, "Timestamp({seconds})"),
            millis => {
                let base = seconds.strip_suffix('Z').unwrap_or(&seconds);
                write!(f, "Timestamp({base}.{millis:03}Z)")
            }
        }
    }
}

/// Formats as `YYYY-MM-DDTHH:MM:SSZ` (sub-second part dropped, rounding towards the past).
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0.div_euclid(1000);
        let days = secs.div_euclid(86_400);
        let of_day = secs.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            of_day / 3600,
            of_day % 3600 / 60,
            of_day % 60
        )
    }
}

/// A timestamp string that is not in a format the cache accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a timestamp like 2024-01-01T00:00:00Z")]
pub struct TimestampError;

fn duration_millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Hinnant's `civil_from_days`).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Both casts are in range by construction: day is 1..=31 and month is 1..=12.
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A tiny cursor over ASCII bytes.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, count: usize) -> Option<u32> {
        let slice = self.bytes.get(self.pos..self.pos + count)?;
        let mut value = 0u32;
        for &b in slice {
            if !b.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u32::from(b - b'0');
        }
        self.pos += count;
        Some(value)
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.bytes.get(self.pos) == Some(&byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn rest(&self) -> &[u8] {
        self.bytes.get(self.pos..).unwrap_or_default()
    }
}

fn parse(bytes: &[u8]) -> Option<Timestamp> {
    let mut c = Cursor { bytes, pos: 0 };
    let year = i64::from(c.digits(4)?);
    let dashes = c.eat(b'-');
    let month = c.digits(2)?;
    if dashes && !c.eat(b'-') {
        return None;
    }
    let day = c.digits(2)?;
    if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
        return None;
    }
    let hour = c.digits(2)?;
    let colons = c.eat(b':');
    let minute = c.digits(2)?;
    if colons && !c.eat(b':') {
        return None;
    }
    let second = c.digits(2)?;
    let mut millis = 0i64;
    if c.eat(b'.') || c.eat(b',') {
        let start = c.pos;
        let mut scale = 100;
        while let Some(b) = c.peek().filter(u8::is_ascii_digit) {
            millis += i64::from(b - b'0') * scale;
            scale /= 10;
            c.pos += 1;
        }
        if c.pos == start {
            return None;
        }
    }
    let offset_secs = parse_zone(c.rest())?;
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second) - offset_secs;
    Some(Timestamp(secs * 1000 + millis))
}

/// Parses the zone suffix into an offset east of UTC in seconds.
fn parse_zone(rest: &[u8]) -> Option<i64> {
    match rest {
        b"Z" | b"z" | b"UTC" | b" UTC" | b"GMT" | b" GMT" => Some(0),
        [sign @ (b'+' | b'-'), tail @ ..] => {
            let mut c = Cursor {
                bytes: tail,
                pos: 0,
            };
            let hours = c.digits(2)?;
            let minutes = if c.rest().is_empty() {
                0
            } else {
                c.eat(b':');
                c.digits(2)?
            };
            if !c.rest().is_empty() || hours > 23 || minutes > 59 {
                return None;
            }
            let offset = i64::from(hours * 3600 + minutes * 60);
            Some(if *sign == b'-' { -offset } else { offset })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
