//! Fuzz target: any UTF-8 input prints back byte for byte, parsing the printout reaches a fixed
//! point, and the semantic layer and SSO resolution never panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sso_config::{Document, ProfileSet};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let doc = Document::parse(text);
    let printed = doc.to_string();
    assert_eq!(printed, text);
    let again = Document::parse(&printed);
    assert_eq!(format!("{again:?}"), format!("{doc:?}"));
    assert_eq!(again.diagnostics(), doc.diagnostics());
    let set = ProfileSet::from_documents(Some(("config", &doc)), Some(("credentials", &doc)));
    for name in set.profiles().keys() {
        let _ = set.resolve_sso(name);
        let _ = set.configured_endpoint_url(name, "sso_oidc");
    }
});
