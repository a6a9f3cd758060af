//! Lossless, format-preserving parser and editor for the AWS config and credentials files.
