#![cfg(not(target_arch = "wasm32"))]
//! Compare panels' overrides: `modes=push,push:loss=0.3:seed=9` in the URL, in the fields,
//! and back into the URL; a bad override is dropped with a notice naming the panel.

use gossip_lab::engine::Mode;
use gossip_lab::engine::params::Value;
use gossip_lab::ui::url::checks::keep_consistent;
use gossip_lab::ui::url::view_keys::{
    Pick, View, ViewSetup, from_query, keys, parse_own, read_key,
};
use proptest::prelude::*;

fn read_modes(value: &str) -> (ViewSetup, Vec<String>) {
    let mut setup = ViewSetup::default();
    let mut notices = Vec::new();
    read_key(&mut setup, "modes", value, &mut notices);
    (setup, notices)
}

#[test]
fn a_panel_overrides_the_shared_loss_seed_and_n() {
    let setup = from_query("?view=compare&modes=push,push:loss=0.3:seed=9,pull:n=500&n=300&seed=4");
    assert_eq!(setup.view, View::Compare);
    assert_eq!(setup.picks.len(), 3);
    // Each protocol once (Scaling draws a curve per protocol).
    assert_eq!(setup.modes(), [Mode::Push, Mode::Pull]);
    assert_eq!(setup.picks[0], Pick::new(Mode::Push));
    assert_eq!(setup.picks[1].get("loss"), Some(Value::Real(0.3)));
    assert_eq!(setup.picks[1].get("seed"), Some(Value::Whole(9)));
    assert_eq!(setup.picks[2].get("nodes"), Some(Value::Whole(500)));
    assert_eq!(setup.picks[1].label(), "push (loss 30%, seed 9)");
    assert_eq!(setup.picks[2].label(), "pull (N 500)");

    let shared = gossip_lab::ui::url::parse_query("?n=300&seed=4&loss=0.1")
        .0
        .config;
    let second = setup.picks[1].apply(&shared);
    assert_eq!(
        (second.nodes, second.network.loss, second.seed),
        (300, 0.3, 9)
    );
    let third = setup.picks[2].apply(&shared);
    assert_eq!(
        (third.mode, third.nodes, third.network.loss, third.seed),
        (Mode::Pull, 500, 0.1, 4)
    );

    assert_eq!(
        keys(&setup),
        "view=compare&modes=push,push:loss=0.3:seed=9,pull:n=500&trials=100"
    );
}

#[test]
fn overrides_survive_percent_encoding_and_are_written_in_a_fixed_order() {
    // URLSearchParams writes ':' and '=' as %3A and %3D.
    let setup = from_query("?view=compare&modes=push%2Cpull%3Aseed%3D7%3Aloss%3D0.25");
    assert_eq!(
        setup.picks[1].url(),
        "pull:loss=0.25:seed=7",
        "in the order N, b, loss, crash, seed"
    );
}

#[test]
fn a_bad_override_is_dropped_with_a_notice_naming_the_panel() {
    let (setup, notices) = read_modes("push:loss=2,pull:zz=1:seed=x:b=3");
    assert_eq!(setup.modes(), [Mode::Push, Mode::Pull]);
    assert!(setup.picks[0].overrides.is_empty());
    assert_eq!(setup.picks[1].overrides, [("fanout", Value::Whole(3))]);
    assert_eq!(notices.len(), 3, "{notices:?}");
    assert_eq!(
        notices[0],
        "URL parameter modes: panel 1's loss=\"2\" is not a number from 0 to 1; the panel shares loss."
    );
    assert!(notices[1].contains("panel 2's override \"zz\" is not one of n, b, loss, crash, seed"));
    assert!(notices[2].starts_with("URL parameter modes: panel 2's seed=\"x\" is not"));
    // The page's node cap holds for a panel too.
    let (_, notices) = read_modes("push:n=1048577,pull");
    assert!(notices[0].contains("panel 1's n=\"1048577\" is not a whole number from 2 to 1048576"));
    // A bad protocol name still refuses the whole list.
    let (setup, notices) = read_modes("push:loss=0.1,gossip");
    assert_eq!(setup, ViewSetup::default());
    assert!(notices[0].contains("is not 2 to 4 protocol names"));
}

#[test]
fn the_fields_take_percent_for_loss_and_crashes() {
    assert_eq!(parse_own("loss", "20"), Ok(Value::Real(0.2)));
    assert_eq!(parse_own("loss", " 12.5 % "), Ok(Value::Real(0.125)));
    assert_eq!(
        parse_own("loss", "0.7"),
        Ok(Value::Real(0.007)),
        "no 0.006999..."
    );
    assert_eq!(parse_own("crash", "99"), Ok(Value::Real(0.99)));
    assert_eq!(
        parse_own("loss", "150"),
        Err("loss \"150\" is not a number from 0 to 100 (%)".into())
    );
    assert_eq!(parse_own("nodes", "64"), Ok(Value::Whole(64)));
    assert!(
        parse_own("nodes", "1")
            .unwrap_err()
            .starts_with("N \"1\" is not a whole number from 2")
    );
    assert!(parse_own("fanout", "x").is_err());
    assert_eq!(
        parse_own("seed", "18446744073709551615"),
        Ok(Value::Whole(u64::MAX))
    );
    let mut pick = Pick::new(Mode::Push);
    pick.set("seed", Some(Value::Whole(3)));
    pick.set("loss", parse_own("loss", "20").ok());
    assert_eq!(pick.url(), "push:loss=0.2:seed=3");
    pick.set("loss", None);
    assert_eq!(pick.url(), "push:seed=3");
}

fn entry() -> impl Strategy<Value = String> {
    let mode = prop::sample::select(vec![
        "push",
        "pull",
        "push-pull",
        "tree",
        "srm",
        "swim",
        "bogus",
    ]);
    let part = prop_oneof![
        (0u32..200_000).prop_map(|n| format!("n={n}")),
        (0u32..20).prop_map(|b| format!("b={b}")),
        (-0.5f64..1.5).prop_map(|x| format!("loss={x}")),
        (-0.5f64..1.5).prop_map(|x| format!("crash={x}")),
        any::<u64>().prop_map(|seed| format!("seed={seed}")),
        "\\PC{0,8}",
    ];
    (mode, prop::collection::vec(part, 0..4)).prop_map(|(mode, parts)| {
        std::iter::once(mode.to_string())
            .chain(parts)
            .collect::<Vec<_>>()
            .join(":")
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Any `modes` value: no panic; every panel's configuration is one the engine accepts once
    /// made consistent; what the page writes reads back the same, without a notice.
    #[test]
    fn any_modes_value_yields_valid_panels_that_round_trip(entries in prop::collection::vec(entry(), 0..6)) {
        let (setup, _) = read_modes(&entries.join(","));
        prop_assert!((2..=4).contains(&setup.picks.len()));
        let shared = gossip_lab::ui::url::parse_query("").0.config;
        for pick in &setup.picks {
            let mut config = pick.apply(&shared);
            keep_consistent(&mut config, &mut Vec::new());
            prop_assert!(config.validate().is_ok(), "{}", pick.url());
        }
        let (again, notices) = read_modes(&setup.modes_url());
        prop_assert!(notices.is_empty(), "{} gave {notices:?}", setup.modes_url());
        prop_assert_eq!(again, setup);
    }
}

/// Standard base64 decoding, strict as a browser's `atob` is not: whole groups of four, `=` only
/// as the last one or two characters, and zero in the bits the padding leaves unused; None
/// otherwise. What the page writes must pass it.
fn unbase64(text: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let digits = text.trim_end_matches('=');
    if !text.len().is_multiple_of(4) || text.len() - digits.len() > 2 {
        return None;
    }
    let digits: Vec<u32> = digits
        .bytes()
        .map(|c| {
            ALPHABET
                .iter()
                .position(|&digit| digit == c)
                .map(|v| v as u32)
        })
        .collect::<Option<_>>()?;
    let mut bytes = Vec::new();
    for group in digits.chunks(4) {
        let bits = group
            .iter()
            .enumerate()
            .fold(0u32, |bits, (index, &digit)| {
                bits | digit << (18 - 6 * index)
            });
        // 4 digits are 3 bytes, 3 are 2 (one `=`), 2 are 1 (`==`); the bits past them are 0.
        let bytes_of_group = bits.to_be_bytes();
        let (kept, unused) = bytes_of_group[1..].split_at(group.len() - 1);
        if unused.iter().any(|&byte| byte != 0) {
            return None;
        }
        bytes.extend(kept);
    }
    Some(bytes)
}

#[test]
fn the_tests_base64_decoder_is_strict() {
    assert_eq!(unbase64("TWFu"), Some(b"Man".to_vec()));
    assert_eq!(unbase64("TWE="), Some(b"Ma".to_vec()));
    assert_eq!(unbase64("TQ=="), Some(b"M".to_vec()));
    for bad in [
        "TWFuT", "TWF", "TQ", "T===", "TW=u", "TWF=TWFu", "TR==", "TWF=\n", "TW-u",
    ] {
        assert_eq!(unbase64(bad), None, "{bad:?}");
    }
}

#[test]
fn exports_carry_the_configuration() {
    use gossip_lab::ui::lecture::metadata::{
        crc32, describe, png_url_with_text, svg_with_metadata,
    };
    // The IEND chunk's CRC, as every PNG ends with it.
    assert_eq!(crc32(b"IEND"), 0xAE42_6082);
    // A 1x1 transparent PNG as a browser's toDataURL writes it (70 bytes: `==` at the end), and
    // a 3x1 one of 81 bytes, whose base64 needs no padding. The chunk is whole base64 groups, so
    // the padding stays as it was.
    let pngs = [
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAMAAAABCAYAAAAb4BS0AAAAGElEQVR4AQENAPL/AAAAAAAAAAAAAAAAAAANAAEwmZ8sAAAAAElFTkSuQmCC",
    ];
    for url in pngs {
        let png = unbase64(&url[22..]).expect("the PNG's base64");
        let padding = url.len() - url.trim_end_matches('=').len();
        for query in [
            "?view=compare&modes=push,pull&seed=4",
            "?n=7",
            "?n=70",
            "?é",
        ] {
            let text = describe("compare", query);
            let tagged = png_url_with_text(url, "Description", &text).expect("a PNG data URL");
            assert!(tagged.starts_with("data:image/png;base64,iVBORw0KGgo"));
            assert_eq!(tagged.len() - tagged.trim_end_matches('=').len(), padding);
            let bytes = unbase64(&tagged[22..]).expect("strict base64");
            // Unchanged header, then the chunk: length, type, keyword, NUL, text (padded), CRC.
            assert_eq!(bytes[..33], png[..33]);
            let length = u32::from_be_bytes(bytes[33..37].try_into().unwrap()) as usize;
            assert_eq!(&bytes[37..41], b"tEXt");
            let data = &bytes[41..41 + length];
            let written = text.replace('é', "?");
            assert_eq!(&data[..12], b"Description\0");
            assert_eq!(String::from_utf8_lossy(&data[12..]).trim_end(), written);
            let crc = u32::from_be_bytes(bytes[41 + length..45 + length].try_into().unwrap());
            assert_eq!(crc, crc32(&bytes[37..41 + length]));
            // The rest of the image follows untouched.
            assert_eq!(bytes[45 + length..], png[33..]);
        }
    }
    // Not PNG data URLs: None, never a panic (a character of two bytes across the header's end
    // of 44 characters, a header cut short, nothing after the header).
    let head = &pngs[0][..22 + 44];
    for url in [
        "data:image/jpeg;base64,/9j/4AAQ".to_string(),
        format!("{}é{}", &head[..22 + 43], &pngs[0][22 + 44..]),
        head[..22 + 20].to_string(),
        head.to_string(),
    ] {
        assert_eq!(png_url_with_text(&url, "a", "b"), None, "{url}");
    }

    let svg = svg_with_metadata("<svg width=\"2\"><rect/></svg>", "a<b & c");
    assert_eq!(
        svg,
        "<svg width=\"2\">\n<metadata>a&lt;b &amp; c</metadata><rect/></svg>"
    );
}

#[test]
fn view_spacetime_and_a_same_origin_trace_read_and_write_back() {
    let setup = from_query("?view=spacetime&n=12&mode=srm");
    assert_eq!((setup.view, setup.trace.clone()), (View::Spacetime, None));
    assert!(keys(&setup).starts_with("view=spacetime&"));
    // A trace to load opens the space-time view, and is written back with it.
    let setup = from_query("?trace=runs/srm-12.jsonl");
    assert_eq!(setup.view, View::Spacetime);
    assert_eq!(setup.trace.as_deref(), Some("runs/srm-12.jsonl"));
    assert!(keys(&setup).ends_with("&trace=runs/srm-12.jsonl"));
    assert_eq!(from_query(&format!("?{}", keys(&setup))), setup);
    // Another origin, a scheme or markup is refused with a notice, and nothing is loaded.
    for hostile in [
        "https://example.com/x.jsonl",
        "//example.com/x",
        "<script>",
        "a b",
        "",
    ] {
        let mut setup = ViewSetup::default();
        let mut notices = Vec::new();
        read_key(&mut setup, "trace", hostile, &mut notices);
        assert_eq!(setup.trace, None, "{hostile:?}");
        assert_eq!(notices.len(), 1, "{hostile:?}");
        assert!(
            notices[0].contains("is not a same-origin path"),
            "{}",
            notices[0]
        );
    }
}
