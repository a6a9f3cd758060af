//! QR codes of verification URLs, drawn with Unicode half blocks for a terminal.
//!
//! Each character cell shows two modules, one above the other (`▀`, `▄`, `█` or a space), so
//! the code is about as tall as it is wide in most terminal fonts. The code is drawn for the
//! usual light-on-dark terminal: light modules, including the 4-module quiet zone, are the
//! foreground-coloured blocks and dark modules are the background, as `qrencode -t UTF8`
//! does. Lines carry no trailing spaces and no colour codes, so the output is safe to snapshot
//! and to send through pipes; whether to show it at all (`--qr`, a terminal, enough columns)
//! is the caller's decision: every line is [`qr_width`] columns wide.

use qrcode::{Color, EcLevel, QrCode};

/// Modules of light border on each side, as ISO/IEC 18004 asks for.
const QUIET_ZONE: usize = 4;

/// A text that cannot be made into a QR code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum QrError {
    /// The encoder refused the text (for example, too long for the largest version).
    #[error("cannot draw a QR code of this text: {reason}")]
    Encode {
        /// The encoder's reason; never the text itself.
        reason: String,
    },
}

/// Renders `text` as a QR code (error correction level L, the smallest symbol), one string of
/// `\n`-separated lines without a trailing newline.
pub(crate) fn render_qr(text: &str) -> Result<String, QrError> {
    let code =
        QrCode::with_error_correction_level(text.as_bytes(), EcLevel::L).map_err(|error| {
            QrError::Encode {
                reason: error.to_string(),
            }
        })?;
    let width = code.width();
    let colors = code.to_colors();
    let size = width + 2 * QUIET_ZONE;
    // Whether the module at (x, y) of the bordered symbol is dark; the quiet zone and the
    // half row below an odd last row are light.
    let dark = |x: usize, y: usize| -> bool {
        let (Some(x), Some(y)) = (x.checked_sub(QUIET_ZONE), y.checked_sub(QUIET_ZONE)) else {
            return false;
        };
        x < width && y < width && colors.get(y * width + x) == Some(&Color::Dark)
    };
    let mut out = String::with_capacity(size * size.div_ceil(2) * 3);
    for row in (0..size).step_by(2) {
        if row > 0 {
            out.push('\n');
        }
        for x in 0..size {
            // Light is drawn, dark is left to the background.
            let top_light = !dark(x, row);
            let bottom_light = row + 1 < size && !dark(x, row + 1);
            out.push(match (top_light, bottom_light) {
                (true, true) => '█',
                (true, false) => '▀',
                (false, true) => '▄',
                (false, false) => ' ',
            });
        }
    }
    Ok(out)
}

/// The width in terminal columns of [`render_qr`]'s lines for `text`, to check that it fits.
pub(crate) fn qr_width(text: &str) -> Result<usize, QrError> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::L)
        .map(|code| code.width() + 2 * QUIET_ZONE)
        .map_err(|error| QrError::Encode {
            reason: error.to_string(),
        })
}

#[cfg(test)]
mod tests;
