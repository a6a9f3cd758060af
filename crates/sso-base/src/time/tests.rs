//! Tests for timestamp parsing, formatting, the civil-date conversion and the unsigned clock unit.

use super::*;

fn ts(text: &str) -> i64 {
    Timestamp::parse(text)
        .map(Timestamp::unix_millis)
        .unwrap_or(i64::MIN)
}

#[test]
fn accepts_every_suffix_botocore_writes_or_reads() {
    let expected = 1_704_067_200_000; // 2024-01-01T00:00:00Z
    for text in [
        "2024-01-01T00:00:00Z",
        "2024-01-01T00:00:00z",
        "2024-01-01T00:00:00UTC",
        "2024-01-01T00:00:00 UTC",
        "2024-01-01T00:00:00+00:00",
        "2024-01-01T00:00:00-00:00",
        "2024-01-01T00:00:00+0000",
        "2024-01-01T00:00:00.000Z",
        "2024-01-01 00:00:00Z",
        "2024-01-01T01:00:00+01:00",
        "2023-12-31T17:00:00-07:00",
        "2023-12-31T17:00:00-0700",
        "2024-01-01T02:00:00+02",
        "20240101T000000Z",
    ] {
        assert_eq!(ts(text), expected, "{text}");
    }
}

#[test]
fn keeps_fractional_milliseconds() {
    assert_eq!(ts("2024-01-01T00:00:00.5Z"), 1_704_067_200_500);
    assert_eq!(ts("2024-01-01T00:00:00.123456789Z"), 1_704_067_200_123);
}

#[test]
fn rejects_malformed_or_impossible_dates() {
    for text in [
        "",
        "2024-01-01",
        "2024-01-01T00:00:00",
        "2024-01-01T00:00:00X",
        "2024-13-01T00:00:00Z",
        "2023-02-29T00:00:00Z",
        "2024-01-01T24:00:00Z",
        "2024-01-01T00:60:00Z",
        "2024-01-01T00:00:60Z",
        "2024-01-01T00:00:00.Z",
        "2024-01-01T00:00:00+25:00",
        "2024-01-01T00:00:00Z ",
        "２024-01-01T00:00:00Z",
    ] {
        assert_eq!(Timestamp::parse(text), Err(TimestampError), "{text:?}");
    }
    assert_eq!(ts("2024-02-29T00:00:00Z"), 1_709_164_800_000);
}

#[test]
fn formats_like_the_aws_cli() {
    assert_eq!(
        Timestamp::from_unix_millis(0).to_string(),
        "1970-01-01T00:00:00Z"
    );
    assert_eq!(
        Timestamp::from_unix_millis(1_704_067_200_999).to_string(),
        "2024-01-01T00:00:00Z"
    );
    assert_eq!(
        Timestamp::from_unix_millis(-1).to_string(),
        "1969-12-31T23:59:59Z"
    );
    assert_eq!(
        Timestamp::from_unix_seconds(3_496_276_605).to_rfc3339_seconds(),
        "2080-10-16T03:56:45Z"
    );
}

#[test]
fn civil_conversion_round_trips_over_a_wide_range() {
    let mut days = -800_000;
    while days < 3_000_000 {
        let (y, m, d) = civil_from_days(days);
        assert_eq!(days_from_civil(y, m, d), days);
        days += 97;
    }
    // Every second of a leap day and a year boundary formats and parses back.
    for secs in (1_709_164_800 - 2..1_709_251_200 + 2).step_by(3607) {
        let t = Timestamp::from_unix_seconds(secs);
        assert_eq!(Timestamp::parse(&t.to_string()), Ok(t));
    }
}

#[test]
fn saturating_arithmetic_does_not_overflow() {
    let max = Timestamp::from_unix_millis(i64::MAX);
    assert_eq!(max.saturating_add(Duration::from_secs(1)), max);
    let min = Timestamp::from_unix_millis(i64::MIN);
    assert_eq!(min.saturating_sub(Duration::MAX), min);
}

#[test]
fn formats_like_python_isoformat() {
    // Python: datetime(2030, 5, 17, 8, 30, 15, tzinfo=timezone.utc).isoformat()
    assert_eq!(
        Timestamp::from_unix_seconds(1_905_237_015).to_python_isoformat(),
        "2030-05-17T08:30:15+00:00"
    );
    // ... and with microsecond=250000.
    assert_eq!(
        Timestamp::from_unix_millis(1_905_237_015_250).to_python_isoformat(),
        "2030-05-17T08:30:15.250000+00:00"
    );
    let text = Timestamp::from_unix_millis(1_905_237_015_250).to_python_isoformat();
    assert_eq!(ts(&text), 1_905_237_015_250);
}

#[test]
fn the_clock_unit_saturates_and_clamps_before_the_epoch() {
    assert_eq!(
        Timestamp::from_unix_ms(1_700_000_000_123).unix_millis(),
        1_700_000_000_123
    );
    assert_eq!(Timestamp::from_unix_ms(u64::MAX).unix_millis(), i64::MAX);
    assert_eq!(
        Timestamp::from_unix_millis(1_700_000_000_123).unix_ms(),
        1_700_000_000_123
    );
    assert_eq!(Timestamp::from_unix_millis(-5).unix_ms(), 0);
    assert_eq!(Timestamp::UNIX_EPOCH, Timestamp::default());
    assert_eq!(Timestamp::UNIX_EPOCH.unix_ms(), 0);
}

#[test]
fn whole_seconds_round_towards_the_past() {
    let at = Timestamp::from_unix_millis(1_700_000_000_999);
    assert_eq!(at.unix_seconds(), 1_700_000_000);
    assert_eq!(
        at.floor_to_seconds(),
        Timestamp::from_unix_seconds(1_700_000_000)
    );
    let before = Timestamp::from_unix_millis(-1);
    assert_eq!(before.unix_seconds(), -1);
    assert_eq!(before.floor_to_seconds(), Timestamp::from_unix_seconds(-1));
    assert_eq!(
        Timestamp::from_unix_seconds(i64::MAX).unix_millis(),
        i64::MAX
    );
}

#[test]
fn durations_between_instants_are_never_negative() {
    let earlier = Timestamp::from_unix_millis(-1_500);
    let later = Timestamp::from_unix_millis(2_250);
    assert_eq!(
        later.saturating_duration_since(earlier),
        Duration::from_millis(3_750)
    );
    assert_eq!(earlier.saturating_duration_since(later), Duration::ZERO);
    let (min, max) = (
        Timestamp::from_unix_millis(i64::MIN),
        Timestamp::from_unix_millis(i64::MAX),
    );
    assert_eq!(
        max.saturating_duration_since(min),
        Duration::from_millis(u64::MAX)
    );
}

#[test]
fn debug_shows_milliseconds_only_when_there_are_some() {
    assert_eq!(
        format!("{:?}", Timestamp::from_unix_seconds(1_704_067_200)),
        "Timestamp(2024-01-01T00:00:00Z)"
    );
    assert_eq!(
        format!("{:?}", Timestamp::from_unix_millis(1_704_067_200_042)),
        "Timestamp(2024-01-01T00:00:00.042Z)"
    );
    assert_eq!(
        format!("{:?}", Timestamp::from_unix_millis(-1)),
        "Timestamp(1969-12-31T23:59:59.999Z)"
    );
}

mod props {
    use super::*;
    use proptest::prelude::*;

    /// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: the years of four digits, the only
    /// ones the cache's format can spell.
    const FIRST_MS: i64 = -62_167_219_200_000;
    const LAST_MS: i64 = 253_402_300_799_999;

    proptest! {
        #[test]
        fn rfc3339_seconds_parse_back_to_the_whole_second(ms in FIRST_MS..=LAST_MS) {
            let at = Timestamp::from_unix_millis(ms);
            let text = at.to_rfc3339_seconds();
            prop_assert_eq!(text.len(), 20, "{}", text);
            prop_assert_eq!(Timestamp::parse(&text), Ok(at.floor_to_seconds()));
            prop_assert_eq!(text, at.to_string());
        }

        #[test]
        fn python_isoformat_parses_back_exactly(ms in FIRST_MS..=LAST_MS) {
            let at = Timestamp::from_unix_millis(ms);
            prop_assert_eq!(Timestamp::parse(&at.to_python_isoformat()), Ok(at));
        }

        #[test]
        fn timestamp_shaped_text_parses_within_the_four_digit_years_or_fails(
            text in "[0-9]{4}-?[0-9]{2}-?[0-9]{2}[Tt ][0-9]{2}:?[0-9]{2}:?[0-9]{2}([.,][0-9]{0,12})?(Z|z| ?UTC| ?GMT|[+-][0-9]{2}(:?[0-9]{2})?)?",
        ) {
            if let Ok(at) = Timestamp::parse(&text) {
                // An offset moves an instant by less than a day.
                let day = 86_400_000;
                prop_assert!((FIRST_MS - day..=LAST_MS + day).contains(&at.unix_millis()), "{}", text);
            }
        }
    }
}
