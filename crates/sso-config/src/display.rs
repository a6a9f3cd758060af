//! Printing: writes the byte-order mark and every line with its own terminator, which reproduces
//! the parsed (or edited) text byte for byte.

use std::fmt;

use crate::syntax::Document;

impl fmt::Display for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source[..self.bom])?;
        for line in &self.lines {
            f.write_str(&self.source[line.full_range()])?;
        }
        Ok(())
    }
}
