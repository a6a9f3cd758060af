//! Unit tests of the QR renderer: a snapshot of a device verification URL, and its geometry.

use super::{QrError, qr_width, render_qr};

const VERIFICATION_URL: &str = "https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH";

#[test]
fn verification_url_snapshot() {
    insta::assert_snapshot!(render_qr(VERIFICATION_URL).unwrap());
}

#[test]
fn geometry_quiet_zone_and_no_trailing_spaces() {
    let qr = render_qr(VERIFICATION_URL).unwrap();
    let width = qr_width(VERIFICATION_URL).unwrap();
    let lines: Vec<&str> = qr.lines().collect();
    // Two modules per line: the bordered symbol is `width` modules tall.
    assert_eq!(lines.len(), width.div_ceil(2));
    for line in &lines {
        assert_eq!(line.chars().count(), width);
        assert!(!line.ends_with(' '), "{line:?}");
        assert!(line.chars().all(|c| matches!(c, '█' | '▀' | '▄' | ' ')));
    }
    // The quiet zone: two full rows of light, and four light columns on each side.
    assert!(lines[0].chars().all(|c| c == '█'));
    assert!(lines[1].chars().all(|c| c == '█'));
    for line in &lines[..lines.len() - 1] {
        assert!(
            line.starts_with("████") && line.ends_with("████"),
            "{line:?}"
        );
    }
    // The odd last module row is the quiet zone's, drawn in the upper half only.
    assert!(lines[lines.len() - 1].chars().all(|c| c == '▀'));
    // The top-left finder pattern's dark ring starts at module (4, 4), right of the border.
    let third: Vec<char> = lines[2].chars().collect();
    assert_eq!(third[..5], ['█', '█', '█', '█', ' ']);
    assert!(!qr.ends_with('\n'));
}

#[test]
fn small_and_empty_texts_render() {
    // Version 1 (21 modules) plus the quiet zone.
    assert_eq!(qr_width("A").unwrap(), 29);
    assert_eq!(render_qr("").unwrap().lines().count(), 15);
}

#[test]
fn text_too_long_is_an_error_without_the_text() {
    let text = "x".repeat(5000);
    let error = render_qr(&text).unwrap_err();
    assert!(matches!(error, QrError::Encode { .. }));
    assert!(!error.to_string().contains("xxxx"), "{error}");
    assert!(qr_width(&text).is_err());
}

#[test]
fn agrees_with_the_crate_renderer_in_inverted_colours() {
    use qrcode::render::unicode::Dense1x2;
    let code =
        qrcode::QrCode::with_error_correction_level(VERIFICATION_URL, qrcode::EcLevel::L).unwrap();
    let reference = code
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .quiet_zone(true)
        .build();
    assert_eq!(render_qr(VERIFICATION_URL).unwrap(), reference);
}
